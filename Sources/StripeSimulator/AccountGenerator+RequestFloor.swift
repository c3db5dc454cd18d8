/// The fewest requests that can fetch a generated account: the yardstick of the extract benchmark
/// and of the request-count tests, computed from the generated data, not from a run.
extension AccountGenerator {
    /// One listing of a stream: its query filters (a "pass", e.g. `active=false`).
    public struct Listing: Sendable {
        public var stream: FixtureStream
        public var filters: [(String, String)]

        public init(stream: FixtureStream, filters: [(String, String)]) {
            self.stream = stream
            self.filters = filters
        }
    }

    /// Pages of `limit` for every listing (an empty listing still takes one request), plus the
    /// child-list pages past the `embedded` first items of each document, plus `/v1/account`.
    public func requestFloor(listings: [Listing], limit: Int, embedded: Int = 10) -> Int {
        let router = FixtureRouter(generator: self)
        var requests = 1
        for listing in listings {
            let include = (try? router.filter(listing.stream, FixtureRouter.Query(listing.filters.map { "\($0.0)=\($0.1)" }.joined(separator: "&")[...]))) ?? { _ in true }
            var objects = 0
            var childPages = 0
            for index in 0..<count(listing.stream) where isListed(listing.stream, index) && include(index) {
                objects += 1
                let children: Int
                switch listing.stream {
                case .invoices: children = invoiceLineCount(index)
                case .creditNotes: children = creditNoteLineCount(index)
                case .subscriptions: children = subscriptionItemCount(index)
                default: children = 0
                }
                if children > embedded { childPages += (children - embedded + limit - 1) / limit }
            }
            requests += max(1, (objects + limit - 1) / limit) + childPages
        }
        return requests
    }

    /// Objects a complete extract returns for these listings (embedded children not counted).
    public func objectCount(listings: [Listing]) -> Int {
        let router = FixtureRouter(generator: self)
        return listings.reduce(0) { total, listing in
            let include = (try? router.filter(listing.stream, FixtureRouter.Query(listing.filters.map { "\($0.0)=\($0.1)" }.joined(separator: "&")[...]))) ?? { _ in true }
            return total + (0..<count(listing.stream)).filter { isListed(listing.stream, $0) && include($0) }.count
        }
    }
}
