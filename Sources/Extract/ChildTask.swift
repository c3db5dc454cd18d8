import Core
import Dispatch
import ModuleErrors
import Synchronization

/// Completing one object's child list (pages past the embedded first one), done by whichever
/// worker is free: the unit that read the object waits for it and writes the objects of its page
/// in their order, so the bytes do not depend on who did the work.
final class ChildTask: Sendable {
    struct Outcome: Sendable {
        var line: [UInt8]
        var pages: Int
        var requests: Int
        var error: ExtractError?
    }

    let stream: String
    let line: [UInt8]
    let parentId: String
    private let outcome = Mutex<Outcome?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    init(stream: String, line: [UInt8], parentId: String) {
        self.stream = stream
        self.line = line
        self.parentId = parentId
    }

    /// Runs the completion with the calling worker's client; returns the requests it took.
    @discardableResult
    func run(_ completer: ChildListCompleter, client: StripeClient) -> Int {
        let before = client.requestCount
        var result: Outcome
        do {
            let (complete, pages) = try completer.complete(line, parentId: parentId)
            result = Outcome(line: complete, pages: pages, requests: client.requestCount - before, error: nil)
        } catch {
            result = Outcome(
                line: [], pages: 0, requests: client.requestCount - before,
                error: (error as? ExtractError) ?? ExtractError(.io, "stream \(stream), child list of \(parentId): \(error)"))
        }
        let requests = result.requests
        outcome.withLock { $0 = result }
        finished.signal()
        return requests
    }

    /// Blocks until the task has run.
    func wait() -> Outcome {
        finished.wait()
        finished.signal()
        return outcome.withLock { $0 }
            ?? Outcome(line: [], pages: 0, requests: 0, error: ExtractError(.io, "child list of \(parentId) was never completed"))
    }
}
