import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs another program to completion with a deadline, capturing its output through files (pipes
/// can stall a test runner), with no standard input.
public enum ChildProcess {
    public struct Result: CustomStringConvertible, Sendable {
        public var status: Int32
        /// Ended by a signal rather than an exit.
        public var signalled: Bool
        public var stdout: String
        public var stderr: String
        public var seconds: Double

        public var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: true) }

        public var description: String {
            "exit \(status)\(signalled ? " (signal)" : "") after \(String(format: "%.1f", seconds)) s\n--- stdout\n\(stdout.suffix(3000))\n--- stderr\n\(stderr.suffix(3000))"
        }
    }

    /// Runs `executable`; kills it and throws when it is still running after `timeout` seconds.
    ///
    /// Async for its callers, but it blocks the calling thread while the child runs: a version on
    /// swift-subprocess (awaiting the child on the cooperative pool) starved behind the suite's
    /// synchronous tests on two cores (children not seen to exit for 30 s and more), see the report.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        currentDirectory: String? = nil, timeout: Double
    ) async throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout")
        let errURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer { try? out.close(); try? err.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let began = Date()
        try process.run()
        let deadline = began.addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            throw TestSupportError(
                message:
                    "\(URL(fileURLWithPath: executable).lastPathComponent) \(arguments.joined(separator: " ")) did not finish within \(Int(timeout)) s; stderr:\n\(stderr.suffix(2000))"
            )
        }
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "",
            seconds: Date().timeIntervalSince(began))
    }
}
