import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What a finished child process left behind.
struct CommandResult: CustomStringConvertible {
    var status: Int32
    var signalled: Bool
    var stdout: String
    var stderr: String
    var seconds: Double

    var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: true) }

    var description: String {
        "exit \(status)\(signalled ? " (signal)" : "") after \(String(format: "%.1f", seconds)) s\n--- stdout\n\(stdout.suffix(3000))\n--- stderr\n\(stderr.suffix(3000))"
    }
}

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

    /// Starts `executable` with stdout/stderr going to files in `logs`; the caller waits.
    static func start(_ executable: String, _ arguments: [String], environment extra: [String: String] = [:],
                      logs: String) throws -> Process {
        FileManager.default.createFile(atPath: logs + ".out", contents: nil)
        FileManager.default.createFile(atPath: logs + ".err", contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment(extra)
        process.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: logs + ".out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logs + ".err"))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs a program to completion (killed after `timeout` seconds) and returns its status and output.
    static func run(_ executable: String, _ arguments: [String], environment extra: [String: String] = [:],
                    timeout: Double = 120) throws -> CommandResult {
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID().uuidString)").path
        defer {
            try? FileManager.default.removeItem(atPath: logs + ".out")
            try? FileManager.default.removeItem(atPath: logs + ".err")
        }
        let began = Date()
        let process = try start(executable, arguments, environment: extra, logs: logs)
        let deadline = began.addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let err = (try? String(contentsOfFile: logs + ".err", encoding: .utf8)) ?? ""
            throw EndToEndError("\(URL(fileURLWithPath: executable).lastPathComponent) \(arguments.joined(separator: " ")) did not finish within \(Int(timeout)) s; stderr:\n\(err.suffix(2000))")
        }
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                             stdout: (try? String(contentsOfFile: logs + ".out", encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOfFile: logs + ".err", encoding: .utf8)) ?? "",
                             seconds: Date().timeIntervalSince(began))
    }

    /// `stripe-etl <arguments>` from the package root. The key only ever travels in `environment`.
    static func etl(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 120) throws -> CommandResult {
        try run(try executable("stripe-etl"), arguments, environment: environment, timeout: timeout)
    }

    /// `python3 -c <script> <arguments>`.
    static func python(_ script: String, _ arguments: [String], timeout: Double = 60) throws -> CommandResult {
        try run("/usr/bin/env", ["python3", "-c", script] + arguments, timeout: timeout)
    }

    /// A TCP port on 127.0.0.1 with nothing listening (bound to port 0, read back, closed).
    static func closedPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw EndToEndError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw EndToEndError("bind: \(String(cString: strerror(errno)))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

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
    static func checksums(under directory: String, excluding excluded: (String) -> Bool = { _ in false }) throws -> [String: String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [:] }
        var result: [String: String] = [:]
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            if !excluded(relative) { files.append(relative) }
        }
        guard !files.isEmpty else { return [:] }
        let output = try run("/usr/bin/env", ["sha256sum"] + files.map { directory + "/" + $0 })
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
