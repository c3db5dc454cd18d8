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
    /// child-list pages past the `embedded` first items of each document, plus `/v1/account`, plus
    /// one retrieval per id the facts name that no listing returns (when customers are listed).
    public func requestFloor(listings: [Listing], limit: Int, embedded: Int = 10) -> Int {
        let router = FixtureRouter(generator: self)
        let listed = Set(listings.map(\.stream))
        var requests = 1 + unlistedReferences().filter { listed.contains($0.key) }.values.reduce(0) { $0 + $1.count }
        for listing in listings {
            let include =
                (try? router.filter(
                    listing.stream, FixtureRouter.Query(listing.filters.map { "\($0.0)=\($0.1)" }.joined(separator: "&")[...]))) ?? { _ in
                    true
                }
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
            let include =
                (try? router.filter(
                    listing.stream, FixtureRouter.Query(listing.filters.map { "\($0.0)=\($0.1)" }.joined(separator: "&")[...]))) ?? { _ in
                    true
                }
            return total + (0..<count(listing.stream)).filter { isListed(listing.stream, $0) && include($0) }.count
        }
    }
}

/// What facts name but no listing returns: the extract's referenced pass retrieves each id once.
extension AccountGenerator {
    /// Per stream, the ids that subscriptions, invoices, credit notes and prices name but the
    /// listings do not return (deleted customers, the inline price, the deleted product), sorted.
    public func unlistedReferences() -> [FixtureStream: [String]] {
        var customers = Set<Int>()
        if deletedCustomerCount > 0 {
            for index in 0..<subscriptionCount where isDeletedCustomer(subscriptionPlan(index).customer) {
                customers.insert(subscriptionPlan(index).customer)
            }
            // Credit notes name their invoice's customer: covered by the invoices.
            for index in 0..<invoiceCount where isDeletedCustomer(invoicePlan(index).customer) {
                customers.insert(invoicePlan(index).customer)
            }
        }
        var out: [FixtureStream: [String]] = [:]
        if !customers.isEmpty { out[.customers] = customers.map { id(.customers, $0) }.sorted() }
        if let price = inlinePrice { out[.prices] = [id(.prices, price)] }
        if let product = deletedProduct, (0..<priceCount).contains(where: { priceProduct($0) == product }) {
            out[.products] = [id(.products, product)]
        }
        return out
    }

    /// The lines the referenced pass appends to `stream`'s file (sorted by id): Stripe's deleted
    /// stub for a customer, the object for the inline price; nothing for a 404.
    public func referencedLines(_ stream: FixtureStream) -> [[UInt8]] {
        referencedIDs(stream).compactMap { id -> [UInt8]? in
            guard let index = index(stream, fromID: id) else { return nil }
            if stream == .customers {
                return FixtureJSON.object([("id", .string(id)), ("object", "customer"), ("deleted", true)]).compactBytes()
            }
            return completeLine(stream, index)
        }
    }

    /// The ids of `referencedLines(stream)`: the unlisted references that answer (not 404), sorted.
    public func referencedIDs(_ stream: FixtureStream) -> [String] {
        (unlistedReferences()[stream] ?? []).filter { id in
            guard let index = index(stream, fromID: id) else { return false }
            return stream == .customers || isRetrievable(stream, index)
        }
    }

    /// Requests the referenced pass makes: one per unlisted referenced id (404s included).
    public var unlistedReferenceCount: Int { unlistedReferences().values.reduce(0) { $0 + $1.count } }
}
