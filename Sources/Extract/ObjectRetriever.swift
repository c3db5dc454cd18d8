import Core
import Foundation
import JSON
import Logging
import ModuleErrors
import Synchronization

/// Retrieves objects by id (`GET <stream path>/<id>`) at the pinned API version, with the list's
/// expansions and complete child lists, on `extract.max_in_flight` threads (one connection each)
/// under the run's one request budget. Used by incremental runs (changed objects) and by the
/// referenced pass (objects facts reference that no listing returned).
struct ObjectRetriever: Sendable {
    /// What the server answered for one id.
    enum Outcome: Sendable, Equatable {
        /// The object, compact, child lists complete.
        case object([UInt8])
        /// A `deleted: true` stub (Stripe's answer for a deleted customer), compact.
        case deleted([UInt8])
        /// 404: deleted (prices, products, ...) or never existed.
        case notFound
    }

    struct Retrieved: Sendable {
        var stream: String
        var id: String
        var outcome: Outcome
        /// Requests it took (the retrieval, its retries and child-list pages).
        var requests: Int
    }

    let pipeline: PipelineDefinition
    let settings: StripeClient.Settings
    let key: APIKey
    let budget: RequestBudget
    let logger: Logger
    /// Names the pass in error messages ("incremental", "referenced").
    let purpose: String

    /// Retrieves every `(stream, id)`; results in the order asked, whatever the scheduling. The
    /// first failure stops the others and is rethrown.
    func retrieve(_ objects: [(stream: String, id: String)], specs: [StreamSpec]) throws -> [Retrieved] {
        guard !objects.isEmpty else { return [] }
        let results = Mutex<[Int: Retrieved]>([:])
        let failure = Mutex<(any Error)?>(nil)
        let next = Atomic<Int>(0)
        let workers = max(1, min(pipeline.extract.maxInFlight, objects.count))
        let group = DispatchGroup()
        for index in 0..<workers {
            group.enter()
            let thread = Thread { [self] in
                defer { group.leave() }
                let client: StripeClient
                do { client = try StripeClient(settings: settings, key: key, budget: budget, logger: logger) } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                    return
                }
                while failure.withLock({ $0 == nil }) {
                    let i = next.add(1, ordering: .relaxed).oldValue
                    guard i < objects.count else { return }
                    let (stream, id) = objects[i]
                    guard let spec = specs.first(where: { $0.name == stream }) else { continue }
                    do {
                        let retrieved = try retrieve(spec, id: id, client: client)
                        results.withLock { $0[i] = retrieved }
                    } catch {
                        failure.withLock { if $0 == nil { $0 = error } }
                    }
                }
            }
            thread.name = "extract-\(purpose)-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        if let error = failure.withLock({ $0 }) { throw error }
        return results.withLock { found in (0..<objects.count).compactMap { found[$0] } }
    }

    private func retrieve(_ spec: StreamSpec, id: String, client: StripeClient) throws -> Retrieved {
        // Ids of products and coupons are chosen by the account: a path segment, percent-encoded.
        let path = spec.path + "/" + StripeClient.encode(id)
        // The list's expansions (`data.discounts`) name the object's own fields on a retrieval.
        let expand: [(String, String)] =
            pipeline.extract.expand
            ? Array(
                Set(
                    spec.passes.joined().filter { $0.0 == "expand[]" }.map {
                        String($0.1.hasPrefix("data.") ? $0.1.dropFirst(5) : $0.1[...])
                    })
            ).sorted().map { ("expand[]", $0) }
            : []
        let page = try client.get(
            path: path, query: expand, context: "stream \(spec.name) (\(purpose)) object \(id)", notFoundIsAnswer: true)
        if page.status == 404 { return Retrieved(stream: spec.name, id: id, outcome: .notFound, requests: page.attempts) }
        var line: [UInt8] = []
        let deleted = try page.body.withUnsafeBytes { bytes -> Bool in
            let document = JSONDocument(bytes)
            let root = try ListPager.parsed { try document.root() }
            try ListPager.parsed { try document.compact(root, into: &line) }
            if let value = try ListPager.parsed({ try document.member(root, "livemode") }),
                let livemode = try ListPager.parsed({ try document.bool(value) }),
                livemode != pipeline.livemode
            {
                throw ExtractError(
                    .livemodeMismatch,
                    "stream \(spec.name): object \(id) has livemode \(livemode) but pipeline \(pipeline.name) reads \(pipeline.mode.rawValue) data; check the key and the pipeline's mode (test and live data never mix)"
                )
            }
            return try ListPager.parsed { try document.member(root, "deleted").flatMap { try document.bool($0) } } == true
        }
        if deleted { return Retrieved(stream: spec.name, id: id, outcome: .deleted(line), requests: page.attempts) }
        var pages = 0
        if let child = spec.child {
            (line, pages) = try ChildListCompleter(client: client, child: child, limit: pipeline.extract.pageLimit, stream: spec.name)
                .complete(line, parentId: id)
        }
        return Retrieved(stream: spec.name, id: id, outcome: .object(line), requests: page.attempts + pages)
    }
}
