import Foundation
import Testing

/// Runs each test of a suite on threads of its own instead of the cooperative pool.
///
/// Swift Testing runs every test as a task on the global executor, whose pool has as many threads
/// as cores (two in CI). The suites marked `.ownThreads` block their thread for seconds at a time
/// (libcurl against an in-process loopback server, slow faults waiting out the client's timeout,
/// 429 storms pacing the budget): two of them held the whole pool while the rest of the run, CPU
/// work that could have used the idle cores, waited behind them. Under this trait a test's
/// synchronous body runs on a thread of its own; the task-executor preference keeps the test's
/// task (and its task-local context), so `#expect` and `Issue.record` still report to the test, and
/// `.serialized` still orders the suite.
struct OwnThreadTrait: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    /// Each test case runs in the scope (the suite itself needs none).
    func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? { testCase == nil ? nil : self }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        try await withTaskExecutorPreference(ThreadPerJobExecutor.shared) { try await function() }
    }
}

extension Trait where Self == OwnThreadTrait {
    /// Each test runs on a thread of its own, off the cooperative pool (see `OwnThreadTrait`).
    static var ownThreads: Self { OwnThreadTrait() }
}

/// A task executor that runs every job it is given on a new thread (8 MB of stack, like the main
/// thread's): the jobs are whole synchronous test bodies, few and long, so a thread each is cheap.
final class ThreadPerJobExecutor: TaskExecutor {
    static let shared = ThreadPerJobExecutor()

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        let thread = Thread { job.runSynchronously(on: executor) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
