/// A deterministic generator of whole Stripe accounts in the 2025-03-31 ("basil") shape.
///
/// Every object is a pure function of (config, stream, index): object N is built on demand in O(1)
/// (O(children) for documents), so a server can page over 100,000 invoices without holding them.
/// Ids carry the index (`in_T00000042`, `il_T00000042_0003`), and `created` never decreases with the
/// index, so Stripe's newest-first order (created desc, then id desc) is simply descending index.
public struct AccountGenerator: Sendable {
    public let config: AccountConfig
    /// Unix time of the oldest object.
    public let startTime: Int64
    let span: Int64
    let currencyCount: Int

    /// Special cases every account of sufficient size contains, by index.
    public enum Special {
        /// A draft invoice with no lines.
        public static let emptyDraftInvoice = 0
        public static let tenLineInvoice = 1
        public static let elevenLineInvoice = 2
        public static let manyLineInvoice = 3
        public static let manyLineInvoiceLineCount = 250
        /// The credit note with more lines than one page (crediting the 250-line invoice).
        public static let manyLineCreditNote = 0
        public static let manyLineCreditNoteLineCount = 150
        /// A subscription with 12 items (more than the 10 embedded).
        public static let manyItemSubscription = 1
        public static let manyItemSubscriptionItemCount = 12
    }

    public init(_ config: AccountConfig = AccountConfig()) {
        precondition(!config.currencies.isEmpty, "at least one currency")
        precondition(config.years >= 1, "at least one year of history")
        var config = config
        config.priceVariants = max(4, config.priceVariants)
        config.products = max(1, config.products)
        self.config = config
        span = Int64(config.years) * 365 * 86_400
        startTime = config.endTime - span
        currencyCount = config.currencies.count
    }

    // MARK: Counts

    public var customerCount: Int { max(0, config.customers) }
    public var subscriptionCount: Int { customerCount == 0 ? 0 : max(0, config.subscriptions ?? customerCount) }
    public var invoiceCount: Int { max(0, config.invoices) }
    public var creditNoteCount: Int {
        guard invoiceCount > Special.manyLineInvoice else { return 0 }
        return max(1, config.creditNotes ?? invoiceCount / 20)
    }
    public var productCount: Int { config.products }
    public var priceCount: Int { currencyCount * PriceKind.allCases.count * config.priceVariants }
    public var couponCount: Int { max(0, config.coupons) }
    public var deletedCustomerCount: Int { customerCount > 7 ? (customerCount - 8) / 50 + 1 : 0 }
    public var eventCount: Int { customerCount == 0 ? max(0, config.events) : max(config.events, deletedCustomerCount * 10) }

    /// Indices generated for `stream` (for customers this includes deleted ones, which are not listed).
    public func count(_ stream: FixtureStream) -> Int {
        switch stream {
        case .customers: return customerCount
        case .products: return productCount
        case .prices: return priceCount
        case .coupons: return couponCount
        case .subscriptions: return subscriptionCount
        case .invoices: return invoiceCount
        case .creditNotes: return creditNoteCount
        case .events: return eventCount
        }
    }

    /// Whether object `index` appears in its list endpoint (deleted customers do not, nor, with
    /// `unlistedReferences`, the inline price and the deleted product).
    public func isListed(_ stream: FixtureStream, _ index: Int) -> Bool {
        guard index >= 0, index < count(stream) else { return false }
        switch stream {
        case .customers: return !isDeletedCustomer(index)
        case .prices: return index != inlinePrice
        case .products: return index != deletedProduct
        default: return true
        }
    }

    /// Whether `GET /v1/<stream>/<id>` answers the object (listed ones, and the inline price).
    public func isRetrievable(_ stream: FixtureStream, _ index: Int) -> Bool {
        isListed(stream, index) || (stream == .prices && index == inlinePrice && index >= 0 && index < count(stream))
    }

    /// With `unlistedReferences`: the inline price (subscription 0's first item's).
    public var inlinePrice: Int? {
        guard config.unlistedReferences, subscriptionCount > 0, priceCount > 0 else { return nil }
        return subscriptionPlan(0).items.first?.price
    }

    /// With `unlistedReferences`: the deleted product (the last one).
    public var deletedProduct: Int? { config.unlistedReferences && productCount > 1 ? productCount - 1 : nil }

    /// Whether deleted customer `k` (0-based) has its `customer.deleted` event.
    func hasDeletionEvent(_ k: Int) -> Bool { !(config.unlistedReferences && k % 2 == 1) }

    public func isDeletedCustomer(_ index: Int) -> Bool { index % 50 == 7 }

    /// Index of the n-th deleted customer.
    func deletedCustomer(_ n: Int) -> Int { 7 + 50 * n }

    // MARK: Ids

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    public func id(_ stream: FixtureStream, _ index: Int) -> String { stream.idPrefix + "T" + Self.pad(index, 8) }

    /// The index encoded in `id`, or nil when `id` is not a well-formed id of this stream's
    /// objects within this account.
    public func index(_ stream: FixtureStream, fromID id: String) -> Int? {
        guard let value = Self.parseIndex(id, prefix: stream.idPrefix + "T"), value < count(stream) else { return nil }
        return value
    }

    static func parseIndex(_ id: String, prefix: String) -> Int? {
        guard id.hasPrefix(prefix) else { return nil }
        let digits = id.dropFirst(prefix.count)
        guard digits.count == 8, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    public func invoiceLineID(_ invoice: Int, _ line: Int) -> String { "il_T" + Self.pad(invoice, 8) + "_" + Self.pad(line, 4) }
    public func creditNoteLineID(_ note: Int, _ line: Int) -> String { "cnli_T" + Self.pad(note, 8) + "_" + Self.pad(line, 4) }
    public func subscriptionItemID(_ subscription: Int, _ item: Int) -> String {
        "si_T" + Self.pad(subscription, 8) + "_" + Self.pad(item, 2)
    }

    /// (parent index, child index) from a child id such as `il_T00000042_0003`.
    static func parseChildID(_ id: String, prefix: String, childWidth: Int) -> (Int, Int)? {
        guard id.hasPrefix(prefix) else { return nil }
        let rest = id.dropFirst(prefix.count)
        let parts = rest.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 8, parts[1].count == childWidth,
            parts[0].allSatisfy({ $0.isASCII && $0.isNumber }), parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
            let parent = Int(parts[0]), let child = Int(parts[1])
        else { return nil }
        return (parent, child)
    }

    // MARK: Time

    /// `created` of object `index`; never decreases as the index grows.
    public func created(_ stream: FixtureStream, _ index: Int) -> Int64 {
        let week: Int64 = 7 * 86_400
        switch stream {
        case .products: return startTime + Int64(index) * 3_600
        case .prices: return startTime + 86_400 + Int64(index) * 600
        case .coupons: return startTime + 2 * 86_400 + Int64(index) * 3_600
        case .customers: return spread(index, customerCount, from: startTime + week, to: config.endTime - 3 * 86_400)
        case .subscriptions:
            return spread(index, subscriptionCount, from: startTime + week, to: config.endTime - 3 * 86_400) + 600
        case .invoices:
            if let burst = config.burst {
                let inBurst = Int(Double(invoiceCount) * burst.fraction)
                let before = (invoiceCount - inBurst) / 2
                let day = startTime + Int64(burst.day) * 86_400
                if index < before { return spread(index, before, from: startTime + week, to: startTime + 180 * 86_400) + 1_200 }
                if index < before + inBurst { return spread(index - before, inBurst, from: day, to: day + 86_400) }
                return spread(
                    index - before - inBurst, invoiceCount - before - inBurst, from: config.endTime - 90 * 86_400,
                    to: config.endTime - 3 * 86_400) + 1_200
            }
            return spread(index, invoiceCount, from: startTime + week, to: config.endTime - 3 * 86_400) + 1_200
        case .creditNotes:
            let first = created(.invoices, Special.manyLineInvoice) + 3_600
            if index == 0 { return first }
            let base = spread(index, creditNoteCount, from: startTime + week, to: config.endTime - 2 * 86_400) + 5_000
            return max(base, first + Int64(index))
        case .events:
            return spread(index, eventCount, from: config.endTime - 30 * 86_400, to: config.endTime)
        }
    }

    private func spread(_ index: Int, _ count: Int, from: Int64, to: Int64) -> Int64 {
        guard count > 0 else { return from }
        return from + Int64(index) * (to - from) / Int64(count)
    }

    func rng(_ stream: FixtureStream, _ index: Int, _ salt: UInt64 = 0) -> SplitMix64 {
        SplitMix64(seed: config.seed &+ salt &* 0x1000_0000_01B3, tag: stream.tag, index: index)
    }

    // MARK: Currencies

    /// Customer currency: usd-heavy by default, uniform for custom currency lists.
    public func currencyIndex(customer: Int) -> Int {
        var r = rng(.customers, customer, 1)
        if config.currencies == AccountConfig().currencies {
            let roll = r.below(100)
            let cumulative = [40, 60, 75, 85, 93, 100]
            return cumulative.firstIndex(where: { roll < $0 }) ?? 0
        }
        return r.below(currencyCount)
    }

    func currency(_ index: Int) -> String { config.currencies[index] }

    /// Converts a USD-cent price to the currency's minor units at a rough, fixed rate, so zero-decimal
    /// and three-decimal currencies get realistic magnitudes. Fixture data only.
    func minorUnits(usdCents: Int64, currency index: Int) -> Int64 {
        let perMille: Int64
        switch currency(index) {
        case "eur": perMille = 920
        case "gbp": perMille = 790
        case "jpy": perMille = 1_500
        case "krw": perMille = 13_500
        case "bhd": perMille = 3_770
        case "kwd": perMille = 3_070
        default: perMille = 1_000
        }
        return max(1, (usdCents * perMille + 500) / 1_000)
    }

    /// Rounds `numerator / denominator` half away from zero.
    static func roundDiv<T: BinaryInteger>(_ numerator: T, _ denominator: T) -> T {
        let q = numerator / denominator
        let r = numerator % denominator
        if 2 * r.magnitude >= denominator.magnitude { return q + (numerator < 0 ? -1 : 1) }
        return q
    }

    /// `value * part / whole` rounded half away from zero, through 128 bits: large zero-decimal
    /// amounts (20,000 seats of KRW) overflow the 64-bit product. The result fits: |part| <= |whole|.
    static func share(_ value: Int64, _ part: Int64, of whole: Int64) -> Int64 {
        whole == 0 ? 0 : Int64(roundDiv(Int128(value) * Int128(part), Int128(whole)))
    }

    // MARK: Shared fragments

    var livemode: FixtureJSON { .bool(config.livemode) }

    func list(url: String, data: [FixtureJSON], hasMore: Bool, totalCount: Int?) -> FixtureJSON {
        var pairs: [(String, FixtureJSON)] = [
            ("object", "list"),
            ("data", .array(data)),
            ("has_more", .bool(hasMore))
        ]
        if let totalCount { pairs.append(("total_count", .int(totalCount))) }
        pairs.append(("url", .string(url)))
        return .object(pairs)
    }

    func metadata(_ pairs: [(String, String)]) -> FixtureJSON { .object(pairs.map { ($0.0, .string($0.1)) }) }
}
