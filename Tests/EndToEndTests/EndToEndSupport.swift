import Foundation
import StripeSimulator
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What a finished child process left behind.
/// What a finished child process did (status, output, time).
typealias CommandResult = ChildProcess.Result

struct EndToEndError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Running the package's real executables (and python3) as child processes, from the package root
/// so that `schemas/` and `pipelines/` resolve as they do for a user.
enum E2E {
    /// The package root, found from this file's path (Tests/EndToEndTests/<file>).
    static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The built executable `name`, or an error saying how to build it.
    static func executable(_ name: String) throws -> String { try BuiltProducts.path(name) }

    /// The environment children get: this process's, without any Stripe key, plus `extra`.
    static func environment(_ extra: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["STRIPE_API_KEY"] = nil
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    /// Starts `executable` from the package root with stdout/stderr going to `<logs>.out` and
    /// `<logs>.err`; the caller waits for it or kills it.
    static func start(
        _ executable: String, _ arguments: [String], environment extra: [String: String] = [:],
        logs: String
    ) async throws -> ChildProcess.Running {
        _ = FileManager.default.createFile(atPath: logs + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: logs + ".err", contents: nil)
        return try await ChildProcess.start(
            executable, arguments, environment: environment(extra), currentDirectory: packageRoot, stdout: logs + ".out",
            stderr: logs + ".err")
    }

    /// Runs a program to completion from the package root (killed after `timeout` seconds).
    static func run(
        _ executable: String, _ arguments: [String], environment extra: [String: String] = [:],
        timeout: Double = 120
    ) async throws -> CommandResult {
        try await ChildProcess.run(executable, arguments, environment: environment(extra), currentDirectory: packageRoot, timeout: timeout)
    }

    /// `stripe-etl <arguments>` from the package root. The key only ever travels in `environment`.
    static func etl(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 120) async throws -> CommandResult {
        try await run(try executable("stripe-etl"), arguments, environment: environment, timeout: timeout)
    }

    /// `python3 -c <script> <arguments>`.
    static func python(_ script: String, _ arguments: [String], timeout: Double = 60) async throws -> CommandResult {
        try await run("/usr/bin/env", ["python3", "-c", script] + arguments, timeout: timeout)
    }

    /// A TCP port on 127.0.0.1 with nothing listening.
    static func closedPort() throws -> UInt16 { try LoopbackSocket.unusedPort() }

    /// Polls `condition` every 10 ms until it holds or `timeout` passes.
    static func waitFor(_ timeout: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    /// sha256 of every file under `directory` (relative path -> digest), via coreutils.
    static func checksums(under directory: String, excluding excluded: (String) -> Bool = { _ in false }) async throws -> [String: String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [:] }
        var result: [String: String] = [:]
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue
            else { continue }
            if !excluded(relative) { files.append(relative) }
        }
        guard !files.isEmpty else { return [:] }
        let output = try await run("/usr/bin/env", ["sha256sum"] + files.map { directory + "/" + $0 })
        guard output.status == 0 else { throw EndToEndError("sha256sum failed: \(output)") }
        for line in output.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let path = String(parts[1].drop { $0 == " " || $0 == "*" })
            result[String(path.dropFirst(directory.count + 1))] = String(parts[0])
        }
        return result
    }
}

/// Pipelines the tests write into their temporary directories. Relative paths inside them
/// (schemas/, pipelines/demo-supplementary-rates.csv) resolve against the package root.
enum TestPipelines {
    /// A copy of schemas/ in `directory` whose invoice_lines require subscription_id: every one-off
    /// line is rejected (missing_field), far above a 1% max_reject_ratio. (A missing exchange rate is
    /// not a reject: rows without a rate are kept with fx_status.) Returns the directory.
    static func strictSchemas(in directory: String) throws -> String {
        let schemas = directory + "/strict-schemas"
        try FileManager.default.createDirectory(atPath: schemas, withIntermediateDirectories: true)
        let source = E2E.packageRoot + "/schemas"
        for name in try FileManager.default.contentsOfDirectory(atPath: source) where name.hasSuffix(".json") {
            var text = try String(contentsOfFile: source + "/" + name, encoding: .utf8)
            if name == "invoice_lines.json" {
                text = text.replacingOccurrences(
                    of: #"{"name": "subscription_id", "type": "string", "nullable": true"#,
                    with: #"{"name": "subscription_id", "type": "string", "nullable": false"#)
            }
            try text.write(toFile: schemas + "/" + name, atomically: true, encoding: .utf8)
        }
        return schemas
    }

    /// A small generated account: same shape as pipelines/demo.yaml, a fraction of its size.
    static func smallDemo(customers: Int = 25, supplementary: Bool = true, extra: String = "") -> String {
        """
        name: small-demo
        mode: test
        demo:
          customers: \(customers)
          seed: 7
          years: 2
        stripe:
          api_version: 2025-03-31.basil
          requests_per_second: 1000
        extract:
          window_days: 365
          start: 2021-01-01
        transform:
          identity_key: email
          max_reject_ratio: 0.01
        fx:
          reporting_currency: EUR
        \(supplementary ? "  supplementary: pipelines/demo-supplementary-rates.csv" : "")
          max_staleness_days: 7
        load:
          format: parquet
          partitioning:
            invoice_lines: month
        \(extra)
        """
    }

    /// A test-mode pipeline for a real (or fixture) Stripe API: no demo section, fast failure.
    static func api(base: String, maxRetries: Int = 1) -> String {
        """
        name: api
        mode: test
        stripe:
          api_base: \(base)
          api_version: 2025-03-31.basil
          requests_per_second: 1000
          connect_timeout_seconds: 2
          timeout_seconds: 5
          max_retries: \(maxRetries)
          initial_backoff_seconds: 0.01
          max_backoff_seconds: 0.02
        extract:
          window_days: 0
        """
    }

    static func write(_ text: String, to path: String) throws -> String {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
