/// Stream-generic access: served objects, complete objects, expected ids.
extension AccountGenerator {
    /// Options that change an object's rendering the way Stripe's `expand[]` does.
    public struct Rendering: Sendable, Equatable {
        /// `expand[]=data.discounts` (subscriptions and invoices lists) / `expand[]=discounts` (retrieve).
        /// On by default, as the extract asks for them.
        public var expandDiscounts: Bool
        /// `expand[]=data.tiers` (prices list) / `expand[]=tiers` (retrieve): tiered prices carry their
        /// tiers. On by default, as the extract asks for them.
        public var expandTiers: Bool

        public init(expandDiscounts: Bool = true, expandTiers: Bool = true) {
            self.expandDiscounts = expandDiscounts
            self.expandTiers = expandTiers
        }
    }

    /// Object N of `stream` as the API serves it: embedded child lists hold their first `childLimit`
    /// items (Stripe: 10) with `has_more` and `url`; nil embeds every child (the complete object).
    public func object(_ stream: FixtureStream, _ index: Int, childLimit: Int? = 10, rendering: Rendering = Rendering()) -> FixtureJSON {
        switch stream {
        case .customers: return customer(index)
        case .products: return product(index)
        case .prices: return price(index, expandTiers: rendering.expandTiers)
        case .coupons: return coupon(index)
        case .subscriptions: return subscription(index, itemLimit: childLimit, expandDiscounts: rendering.expandDiscounts)
        case .invoices: return invoice(index, lineLimit: childLimit, expandDiscounts: rendering.expandDiscounts)
        case .creditNotes: return creditNote(index, lineLimit: childLimit)
        case .events: return event(index)
        }
    }

    /// The object as the extract stage must write it: every child list complete (`has_more: false`,
    /// all items in `data`, same keys and key order as served). Events are served complete already
    /// (their payload snapshots keep Stripe's first-page child lists).
    public func completeObject(_ stream: FixtureStream, _ index: Int, rendering: Rendering = Rendering()) -> FixtureJSON {
        object(stream, index, childLimit: nil, rendering: rendering)
    }

    /// `completeObject` as one compact JSON line (without the newline): the expected raw file line.
    public func completeLine(_ stream: FixtureStream, _ index: Int, rendering: Rendering = Rendering()) -> [UInt8] {
        completeObject(stream, index, rendering: rendering).compactBytes()
    }

    /// Indices a full extract of `stream` must return, newest first (Stripe's order): all
    /// subscriptions (`status=all`), products and prices of both `active` states, customers
    /// without the deleted ones.
    public func expectedIndices(_ stream: FixtureStream) -> [Int] {
        (0..<count(stream)).reversed().filter { isListed(stream, $0) }
    }

    /// Ids a full extract of `stream` must return, newest first.
    public func expectedIDs(_ stream: FixtureStream) -> [String] { expectedIndices(stream).map { id(stream, $0) } }

    /// Ids of the complete child list of a document (invoice lines, credit note lines, subscription items).
    public func expectedChildIDs(_ stream: FixtureStream, _ index: Int) -> [String] {
        switch stream {
        case .invoices: return (0..<invoiceLineCount(index)).map { invoiceLineID(index, $0) }
        case .creditNotes: return (0..<creditNoteLineCount(index)).map { creditNoteLineID(index, $0) }
        case .subscriptions: return (0..<subscriptionItemCount(index)).map { subscriptionItemID(index, $0) }
        default: return []
        }
    }

    /// Ids of the deleted customers (only visible through `customer.deleted` events).
    public var deletedCustomerIDs: [String] { (0..<deletedCustomerCount).map { id(.customers, deletedCustomer($0)) } }
}
