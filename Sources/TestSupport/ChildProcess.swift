import Foundation
import Subprocess
import SystemPackage

/// Runs another program to completion with a deadline (swift-subprocess), with no standard input,
/// reading its standard output and error concurrently as they come (a child that fills one pipe
/// while the other is read never stalls).
public enum ChildProcess {
    public struct Result: CustomStringConvertible, Sendable {
        public var status: Int32
        /// Ended by a signal rather than an exit (`status` is then the signal).
        public var signalled: Bool
        public var stdout: String
        public var stderr: String
        public var seconds: Double

        public var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: true) }

        public var description: String {
            "exit \(status)\(signalled ? " (signal)" : "") after \(String(format: "%.1f", seconds)) s\n--- stdout\n\(stdout.suffix(3000))\n--- stderr\n\(stderr.suffix(3000))"
        }

        public init(status: Int32, signalled: Bool, stdout: String, stderr: String, seconds: Double) {
            self.status = status
            self.signalled = signalled
            self.stdout = stdout
            self.stderr = stderr
            self.seconds = seconds
        }

        init(_ termination: TerminationStatus, stdout: String, stderr: String, seconds: Double) {
            switch termination {
            case .exited(let code): self.init(status: code, signalled: false, stdout: stdout, stderr: stderr, seconds: seconds)
            case .signaled(let signal): self.init(status: signal, signalled: true, stdout: stdout, stderr: stderr, seconds: seconds)
            }
        }
    }

    /// What one of the concurrent readers of a child ended with.
    private enum Captured: Sendable {
        case stdout([UInt8])
        case stderr([UInt8])
        case timedOut
        /// The streams ended before the deadline.
        case inTime
    }

    /// Runs `executable`; kills it (SIGKILL) and throws when it is still running after `timeout` seconds.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           currentDirectory: String? = nil, timeout: Double) async throws -> Result {
        let clock = ContinuousClock()
        let began = clock.now
        let name = URL(fileURLWithPath: executable).lastPathComponent
        let execution = try await Subprocess.run(
            .path(FilePath(executable)), arguments: Arguments(arguments),
            environment: Self.environment(environment), workingDirectory: currentDirectory.map { FilePath($0) },
            input: .none, output: .sequence, error: .sequence
        ) { execution in
            try await withThrowingTaskGroup(of: Captured.self) { group in
                group.addTask { .stdout(try await collect(execution.standardOutput)) }
                group.addTask { .stderr(try await collect(execution.standardError)) }
                group.addTask {
                    do { try await Task.sleep(for: .seconds(timeout)) } catch { return .inTime }
                    await execution.teardown(using: [])
                    return .timedOut
                }
                var out: [UInt8] = [], err: [UInt8] = []
                var streamsOpen = 2
                var timedOut = false
                while let next = try await group.next() {
                    switch next {
                    case .stdout(let bytes): out = bytes; streamsOpen -= 1
                    case .stderr(let bytes): err = bytes; streamsOpen -= 1
                    case .timedOut: timedOut = true
                    case .inTime: break
                    }
                    // Both streams ended: the child is gone (or closed them); the deadline is no longer needed.
                    if streamsOpen == 0 { group.cancelAll() }
                }
                return (out, err, timedOut)
            }
        }
        let (out, err, timedOut) = execution.closureResult
        let stderr = String(decoding: err, as: UTF8.self)
        if timedOut {
            throw TestSupportError(message: "\(name) \(arguments.joined(separator: " ")) did not finish within \(Int(timeout)) s; stderr:\n\(stderr.suffix(2000))")
        }
        let elapsed = clock.now - began
        return Result(execution.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: stderr,
                      seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// `nil`: this process's environment.
    static func environment(_ variables: [String: String]?) -> Subprocess.Environment {
        guard let variables else { return .inherit }
        return .custom(Dictionary(uniqueKeysWithValues: variables.map { (Subprocess.Environment.Key(stringLiteral: $0.key), $0.value) }))
    }

    private static func collect(_ sequence: SubprocessOutputSequence) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await buffer in sequence {
            buffer.withUnsafeBytes { bytes.append(contentsOf: $0) }
        }
        return bytes
    }
}
