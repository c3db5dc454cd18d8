import Core
import Synchronization
import Testing

struct WorkerPoolTests {
    struct Failure: Error, Equatable { let index: Int }

    /// Results come back in index order whatever order the threads finish in; `alongside` runs on
    /// the calling thread meanwhile.
    @Test func mapKeepsIndexOrder() throws {
        var readAlongside = false
        let results = try WorkerPool.map(200, workers: 4, alongside: { readAlongside = true }) { index in
            // Uneven job lengths, so later indices often finish first.
            var x = 0
            for i in 0..<((200 - index) * 500) { x &+= i }
            return (index, x &* 0)
        }
        #expect(readAlongside)
        #expect(results.map(\.0) == Array(0..<200))
    }

    /// After failures, the error of the lowest failing index is rethrown, every time.
    @Test func mapRethrowsTheLowestFailingIndex() {
        for _ in 0..<20 {
            #expect(throws: Failure(index: 7)) {
                _ = try WorkerPool.map(64, workers: 4) { index in
                    if index == 7 || index == 9 || index == 30 { throw Failure(index: index) }
                    return index
                }
            }
        }
    }

    /// An error of `alongside` wins over the jobs' errors, and no job runs on after it.
    @Test func mapRethrowsTheAlongsideError() {
        #expect(throws: Failure(index: -1)) {
            _ = try WorkerPool.map(8, workers: 2, alongside: { throw Failure(index: -1) }) { index in
                if index == 0 { throw Failure(index: 0) }
                return index
            }
        }
    }

    /// One worker: the jobs run on the calling thread, in order.
    @Test func mapWithOneWorkerRunsInline() throws {
        #expect(try WorkerPool.map(5, workers: 1) { $0 * 2 } == [0, 2, 4, 6, 8])
    }

    /// Jobs come back in submission order, each processed by the worker k mod n with the state
    /// that worker owns; `finish()` returns the states with what they accumulated.
    @Test func orderedWorkersReturnJobsInOrderAndStatesAtTheEnd() throws {
        final class Counter { var jobs = 0; var sum = 0 }
        struct Job: Sendable { var value: Int; var worker = -1; var seenBefore = -1 }
        let counters = [Counter(), Counter(), Counter()]
        let workers = OrderedWorkers<(Int, Counter), Job>(states: counters.enumerated().map { ($0.offset, $0.element) }) { state, job in
            job.worker = state.0
            job.seenBefore = state.1.jobs
            state.1.jobs += 1
            state.1.sum += job.value
        }
        var taken: [Job] = []
        for value in 0..<100 {
            workers.submit(Job(value: value))
            if value >= 5 { taken.append(try workers.next()) }
        }
        for _ in 0..<5 { taken.append(try workers.next()) }
        let states = workers.finish()
        #expect(taken.map(\.value) == Array(0..<100))
        #expect(taken.map(\.worker) == (0..<100).map { $0 % 3 })
        #expect(taken.map(\.seenBefore) == (0..<100).map { $0 / 3 })
        #expect(states.map(\.1.jobs) == [34, 33, 33])
        #expect(states.map(\.1.sum).reduce(0, +) == (0..<100).reduce(0, +))
    }

    /// A background job's result or error comes back from `wait()`.
    @Test func backgroundReturnsItsResultOrError() throws {
        #expect(try WorkerPool.Background { 6 * 7 }.wait() == 42)
        #expect(throws: Failure(index: 3)) { try WorkerPool.Background<Int> { throw Failure(index: 3) }.wait() }
    }
}
