import Dispatch
import Foundation
import Synchronization

/// The one place the stages run work on several threads (the transform's mapping batches, the
/// load's block decoding and partition writing, the transform's input checksums).
///
/// Everything that crosses a thread here is `Sendable`, checked by the compiler: jobs and results
/// are values, shared state sits in a `Mutex`. The one exception is a worker's own state in
/// `OrderedWorkers` (see `Owned`). Results always come back in job order, so output bytes never
/// depend on timing.
public enum WorkerPool {
    /// Cores of the machine (at least 1).
    public static var cores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Runs `body(i)` for every `i` in `0..<count` on up to `workers` threads and returns the
    /// results in index order. The calling thread is one of the workers: it first runs `alongside`
    /// (e.g. reading the next input while the others decode this one), then takes jobs too.
    ///
    /// Jobs start in index order; after a failure no new job starts, and the error of the lowest
    /// failing index is rethrown (an error of `alongside` comes first), so a run that fails fails
    /// the same way every time. Returns only after every started job has ended.
    public static func map<T: Sendable>(
        _ count: Int, workers: Int, alongside: () throws -> Void = {},
        _ body: @escaping @Sendable (Int) throws -> T
    ) throws -> [T] {
        let helpers = min(workers - 1, count)
        if helpers <= 0 {
            try alongside()
            return try (0..<count).map(body)
        }
        let jobs = IndexedJobs(count: count, body: body)
        let group = DispatchGroup()
        for _ in 0..<helpers {
            DispatchQueue.global().async(group: group) { jobs.work() }
        }
        var alongsideError: (any Error)?
        do { try alongside() } catch { alongsideError = error; jobs.stop() }
        jobs.work()
        group.wait()
        if let alongsideError { throw alongsideError }
        return try jobs.results()
    }

    /// Runs `body` on another thread; `wait()` returns its result (or rethrows its error).
    public final class Background<T: Sendable>: Sendable {
        private let result = Mutex<Result<T, any Error>?>(nil)
        private let done = DispatchSemaphore(value: 0)

        public init(_ body: @escaping @Sendable () throws -> T) {
            DispatchQueue.global().async { self.finish(Result { try body() }) }
        }

        private func finish(_ outcome: Result<T, any Error>) {
            result.withLock { $0 = outcome }
            done.signal()
        }

        /// Blocks until `body` has returned. Call it once.
        public func wait() throws -> T {
            done.wait()
            return try result.withLock { $0! }.get()
        }
    }
}

/// The shared cursor, results and first error of `WorkerPool.map`.
private final class IndexedJobs<T: Sendable>: Sendable {
    private struct State {
        var next = 0
        var results: [T?]
        var error: (any Error)?
        var errorIndex = Int.max
        var stopped = false
    }

    private let count: Int
    private let body: @Sendable (Int) throws -> T
    private let state: Mutex<State>

    init(count: Int, body: @escaping @Sendable (Int) throws -> T) {
        self.count = count
        self.body = body
        state = Mutex(State(results: Array(repeating: nil, count: count)))
    }

    func stop() { state.withLock { $0.stopped = true } }

    /// Takes jobs until none are left or one failed.
    func work() {
        while true {
            let index: Int? = state.withLock { state in
                guard !state.stopped, state.error == nil, state.next < count else { return nil }
                defer { state.next += 1 }
                return state.next
            }
            guard let index else { return }
            do {
                let result = try body(index)
                state.withLock { $0.results[index] = result }
            } catch {
                state.withLock { state in
                    // Jobs start in index order, so the lowest failing index is the same on every run.
                    if state.error == nil || index < state.errorIndex {
                        state.error = error
                        state.errorIndex = index
                    }
                }
            }
        }
    }

    func results() throws -> [T] {
        try state.withLock { state in
            if let error = state.error { throw error }
            return state.results.map { $0! }
        }
    }
}

/// Worker threads that each own a state (e.g. a row evaluator with its scratch buffers) and
/// process jobs in the order given: job k goes to worker k mod n, which changes it in place, and
/// `next()` returns the jobs strictly in submission order. The caller bounds the jobs in flight
/// (memory stays flat). Jobs are values that move to a worker and back; a worker holds the only
/// copy while it works on one, so reused buffers inside a job are not copied.
public final class OrderedWorkers<State, Job: Sendable>: Sendable {
    private let workers: [Worker]
    private let counters = Mutex((submitted: 0, taken: 0))

    /// Starts one thread per state. `process` runs on the worker that owns the state.
    public init(states: [State], process: @escaping @Sendable (inout State, inout Job) throws -> Void) {
        var workers: [Worker] = []
        for (index, state) in states.enumerated() {
            let worker = Worker(state: Owned(state))
            workers.append(worker)
            let thread = Thread { worker.run(process) }
            thread.name = "worker-\(index)"
            // Like a dispatch thread's: deeply nested JSON recurses.
            thread.stackSize = 8 << 20
            thread.start()
        }
        self.workers = workers
    }

    /// Hands `job` to the next worker in turn.
    public func submit(_ job: consuming Job) {
        let k = counters.withLock { counters in
            defer { counters.submitted += 1 }; return counters.submitted
        }
        workers[k % workers.count].push(job)
    }

    /// The oldest job not yet taken, once processed (waits for it); rethrows the job's error.
    public func next() throws -> Job {
        let k = counters.withLock { counters in
            defer { counters.taken += 1 }; return counters.taken
        }
        return try workers[k % workers.count].pop()
    }

    /// Lets the threads end once their jobs are done, waits for them and returns the states, in
    /// the order given. Jobs not taken are dropped.
    @discardableResult
    public func finish() -> [State] {
        for worker in workers { worker.close() }
        return workers.map { $0.join().value }
    }

    private final class Worker: Sendable {
        private struct Queues {
            var jobs: [Job?] = []
            var jobsHead = 0
            var done: [Result<Job, any Error>?] = []
            var doneHead = 0
            var closed = false
        }

        private let queues = Mutex(Queues())
        private let jobReady = DispatchSemaphore(value: 0)
        private let jobDone = DispatchSemaphore(value: 0)
        private let ended = DispatchSemaphore(value: 0)
        private let state: Mutex<Owned<State>?>

        init(state: Owned<State>) {
            self.state = Mutex(state)
        }

        func push(_ job: consuming Job) {
            var job: Job? = consume job
            queues.withLock { $0.jobs.append(job.take()) }
            jobReady.signal()
        }

        func close() {
            queues.withLock { $0.closed = true }
            jobReady.signal()
        }

        func pop() throws -> Job {
            jobDone.wait()
            return try queues.withLock { queues in
                let result = queues.done[queues.doneHead].take()!
                queues.doneHead += 1
                if queues.doneHead >= 64 { queues.done.removeFirst(queues.doneHead); queues.doneHead = 0 }
                return result
            }.get()
        }

        /// The thread's loop: the state is used by this thread only, until it ends.
        func run(_ process: @Sendable (inout State, inout Job) throws -> Void) {
            state.withLock { owned in
                while true {
                    jobReady.wait()
                    let next: Job? = queues.withLock { queues in
                        guard queues.jobsHead < queues.jobs.count else { return nil }
                        let job = queues.jobs[queues.jobsHead].take()
                        queues.jobsHead += 1
                        if queues.jobsHead >= 64 { queues.jobs.removeFirst(queues.jobsHead); queues.jobsHead = 0 }
                        return job
                    }
                    // A signal without a job comes only from `close()`, after every job was pushed.
                    guard var job = next else { break }
                    var result: Result<Job, any Error>?
                    do {
                        try process(&owned!.value, &job)
                        result = .success(consume job)
                    } catch {
                        result = .failure(error)
                    }
                    queues.withLock { $0.done.append(result.take()) }
                    jobDone.signal()
                }
            }
            ended.signal()
        }

        func join() -> Owned<State> {
            ended.wait()
            return state.withLock { $0.take()! }
        }
    }
}

/// A worker's state handed to its thread. `@unchecked Sendable` because states (row evaluators)
/// are classes the compiler cannot prove unshared: `OrderedWorkers` gives each one to exactly one
/// thread, which alone uses it until `finish()` has waited for that thread to end. The caller must
/// not use a state it gave away before `finish()` returns (states may share objects they only
/// read, such as a compiled plan, but nothing they write).
struct Owned<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
