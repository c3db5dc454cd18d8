import Foundation
import Subprocess
import Synchronization
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Runs other programs with swift-subprocess: no standard input, standard output and error
/// collected concurrently (no pipe stall) or appended to files, a deadline after which the child
/// is killed.
///
/// Why the priorities (`promptly`): Subprocess waits for a child's exit and its pipes on monitor
/// threads of its own (epoll on a pidfd and on the pipes) and resumes the awaiting tasks on the
/// global executor; every `Subprocess.run` also awaits an unstructured `Task` of its own (its
/// cleanup handler). On Linux the global executor is libdispatch's root queue of the job's
/// priority, each with as many threads as cores (two on CI). Swift Testing starts every test at
/// once, and a synchronous test keeps its thread until it ends, so the default-priority queue holds
/// every test that has not started yet: a job resumed there waits behind all of them (measured:
/// up to 77 s at the start of a full run; children's ends were noticed that late, and durations and
/// time limits failed). A task-executor preference does not help: the unstructured `Task` never
/// inherits it. So a child's work runs at `.high`, on the root queue of that priority, where
/// nothing waits but the work of tests that have already started (`answersWhileSynchronousWork...`
/// in ChildProcessTests shows it).
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
    }

    /// Runs `executable`; kills it and throws (with the standard error it wrote) when it is still
    /// running after `timeout` seconds.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        currentDirectory: String? = nil, timeout: Double
    ) async throws -> Result {
        let configuration = configuration(executable, arguments, environment: environment, currentDirectory: currentDirectory)
        let (outcome, seconds) = try await promptly {
            let began = ContinuousClock.now
            let execution = try await Subprocess.run(configuration, input: .none, output: .sequence, error: .sequence) { execution in
                try await withThrowingTaskGroup(of: Piece.self) { group in
                    group.addTask { .stdout(try await collect(execution.standardOutput)) }
                    group.addTask { .stderr(try await collect(execution.standardError)) }
                    group.addTask {
                        try await Task.sleep(for: .seconds(timeout))
                        return .deadline
                    }
                    var stdout = Data()
                    var stderr = Data()
                    var timedOut = false
                    var open = 2
                    while open > 0, let piece = try await group.next() {
                        switch piece {
                        case .stdout(let data):
                            stdout = data
                            open -= 1
                        case .stderr(let data):
                            stderr = data
                            open -= 1
                        case .deadline:
                            // The pipes end once the child is gone (Subprocess cancels their reads
                            // when it sees the exit, even if a grandchild still holds them).
                            timedOut = true
                            try? execution.send(signal: .kill)
                        }
                    }
                    group.cancelAll()
                    return Collected(stdout: stdout, stderr: stderr, timedOut: timedOut)
                }
            }
            let elapsed = ContinuousClock.now - began
            return (Outcome(exit: Exit(execution.terminationStatus), collected: execution.closureResult), elapsed)
        }
        let stderr = String(decoding: outcome.collected.stderr, as: UTF8.self)
        if outcome.collected.timedOut {
            throw TestSupportError(
                message:
                    "\(URL(fileURLWithPath: executable).lastPathComponent) \(arguments.joined(separator: " ")) did not finish within \(Int(timeout)) s; stderr:\n\(stderr.suffix(2000))"
            )
        }
        return Result(
            status: outcome.exit.status, signalled: outcome.exit.signalled,
            stdout: String(decoding: outcome.collected.stdout, as: UTF8.self),
            stderr: stderr, seconds: Double(seconds.components.seconds) + Double(seconds.components.attoseconds) / 1e18)
    }

    private struct Collected: Sendable {
        var stdout: Data
        var stderr: Data
        var timedOut: Bool
    }

    private struct Outcome: Sendable {
        var exit: Exit
        var collected: Collected
    }

    /// Runs `work` at `.high` priority and lets the calling task continue at `.high` too (see
    /// the type's comment): `work` and everything it starts (Subprocess's own tasks inherit the
    /// priority they are created with) is queued ahead of the tests that have not started yet, and
    /// so is the caller when it resumes. Escalating the caller does not suffice alone: a task
    /// created by it inherits its base priority, not the escalated one.
    static func promptly<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        withUnsafeCurrentTask { $0?.escalatePriority(to: .high) }
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask(priority: .high) { try await work() }
            return try await group.next()!
        }
    }

    private enum Piece: Sendable {
        case stdout(Data)
        case stderr(Data)
        case deadline
    }

    private static func collect(_ sequence: SubprocessOutputSequence) async throws -> Data {
        var data = Data()
        for try await buffer in sequence { buffer.withUnsafeBytes { data.append(contentsOf: $0) } }
        return data
    }

    static func configuration(
        _ executable: String, _ arguments: [String], environment: [String: String]?, currentDirectory: String?
    ) -> Configuration {
        Configuration(
            executable: .path(FilePath(executable)), arguments: Arguments(arguments),
            environment: environment.map { values in
                .custom(
                    Dictionary(uniqueKeysWithValues: values.compactMap { key, value in Environment.Key(rawValue: key).map { ($0, value) } })
                )
            } ?? .inherit,
            workingDirectory: currentDirectory.map { FilePath($0) })
    }
}

extension ChildProcess {
    /// How a child ended.
    public struct Exit: Sendable, Equatable, CustomStringConvertible {
        public var status: Int32
        /// Ended by a signal rather than an exit (`status` is then the signal).
        public var signalled: Bool

        public init(status: Int32, signalled: Bool) {
            self.status = status
            self.signalled = signalled
        }

        public var description: String { signalled ? "signal \(status)" : "exit \(status)" }

        init(_ status: TerminationStatus) {
            switch status {
            case .exited(let code): (self.status, signalled) = (code, false)
            case .signaled(let signal): (self.status, signalled) = (signal, true)
            }
        }
    }

    /// Starts `executable` in the background with no standard input; its standard output and error
    /// are appended to the files at `stdout` and `stderr` (which may be the same file), or
    /// discarded. Returns once the child runs.
    public static func start(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        currentDirectory: String? = nil, stdout: String? = nil, stderr: String? = nil
    ) async throws -> Running {
        let configuration = configuration(executable, arguments, environment: environment, currentDirectory: currentDirectory)
        let output = try appending(to: stdout)
        let error = try appending(to: stderr)
        let ended = Running.Flag()
        let (started, starting) = AsyncThrowingStream<Int32, any Error>.makeStream()
        // At `.high`, as in `run` (see `promptly`); the caller is escalated when it waits.
        withUnsafeCurrentTask { $0?.escalatePriority(to: .high) }
        let exit = Task(priority: .high) { () async throws -> Exit in
            defer { ended.set() }
            do {
                let result = try await Subprocess.run(configuration, input: .none, output: output, error: error) { execution in
                    starting.yield(execution.processIdentifier.value)
                    starting.finish()
                }
                return Exit(result.terminationStatus)
            } catch {
                starting.finish(throwing: error)
                throw error
            }
        }
        for try await pid in started {
            return Running(pid: pid, name: URL(fileURLWithPath: executable).lastPathComponent, exit: exit, ended: ended)
        }
        throw TestSupportError(message: "\(executable) did not start")
    }

    private static func appending(to path: String?) throws -> FileDescriptorOutput {
        let descriptor = try FileDescriptor.open(
            FilePath(path ?? "/dev/null"), .writeOnly, options: [.create, .append, .closeOnExec],
            permissions: [.ownerReadWrite, .groupRead, .otherRead])
        return .fileDescriptor(descriptor, closeAfterSpawningProcess: true)
    }

    /// A child started by `start`.
    public final class Running: Sendable {
        public let pid: Int32
        private let name: String
        private let exit: Task<Exit, any Error>
        private let ended: Flag

        fileprivate init(pid: Int32, name: String, exit: Task<Exit, any Error>, ended: Flag) {
            self.pid = pid
            self.name = name
            self.exit = exit
            self.ended = ended
        }

        /// False once the child has ended and been reaped.
        public var isRunning: Bool { !ended.isSet }

        /// Sends `signal` unless the child has already been reaped (its pid may be reused then).
        public func send(_ signal: Int32) {
            if isRunning { Glibc.kill(pid, signal) }
        }

        /// How the child ended; kills it and throws when it is still running after `timeout` seconds.
        @discardableResult
        public func wait(timeout: Double) async throws -> Exit {
            let exit = self.exit
            let ended = try await ChildProcess.promptly {
                try await withThrowingTaskGroup(of: Exit?.self) { group in
                    group.addTask { try await exit.value }
                    group.addTask {
                        try await Task.sleep(for: .seconds(timeout))
                        return nil
                    }
                    let first = try await group.next()!
                    // Past the deadline: kill it, so that the task awaiting its end (which a
                    // cancellation does not stop) ends too.
                    if first == nil { self.send(SIGKILL) }
                    group.cancelAll()
                    return first
                }
            }
            if let ended { return ended }
            throw TestSupportError(message: "\(name) did not finish within \(Int(timeout)) s; it was killed")
        }

        /// SIGTERM, then SIGKILL after `grace` seconds; returns once the child is gone.
        public func stop(grace: Double = 5) async {
            send(SIGTERM)
            if (try? await wait(timeout: grace)) == nil { _ = try? await exit.value }
        }

        /// SIGKILL; returns once the child is gone.
        public func kill() async {
            send(SIGKILL)
            _ = try? await exit.value
        }

        final class Flag: Sendable {
            private let value = Mutex(false)
            var isSet: Bool { value.withLock { $0 } }
            func set() { value.withLock { $0 = true } }
        }
    }
}
