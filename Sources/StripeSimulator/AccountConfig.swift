/// What a generated Stripe account contains. Every knob is independent, so a benchmark can ask for
/// 100,000 invoices with only a few hundred customers. Defaults give a small, realistic account.
public struct AccountConfig: Sendable, Equatable {
    /// Everything derives from this seed: same seed, same bytes.
    public var seed: UInt64 = 42
    /// Customers generated, including the few that are deleted (visible only as `customer.deleted`
    /// events): every customer whose index is 7 modulo 50.
    public var customers: Int = 200
    /// Subscriptions; nil means one per customer.
    public var subscriptions: Int? = nil
    /// Invoices (the first four are the special cases: 0, 10, 11 and 250 lines).
    public var invoices: Int = 1_000
    /// Credit notes; nil means one per 20 invoices (at least one when there are invoices).
    public var creditNotes: Int? = nil
    /// Events, all in the last 30 days of history; raised if needed so that every deleted customer
    /// has its `customer.deleted` event.
    public var events: Int = 500
    public var products: Int = 16
    /// Prices come in 8 kinds (monthly, yearly, quarterly, metered, bi-weekly, tiered, one-time,
    /// daily) per currency; this many variants of each. At least 4 (the 12-item subscription needs them).
    public var priceVariants: Int = 4
    public var coupons: Int = 12
    /// Years of history, ending at `endTime`.
    public var years: Int = 3
    /// Unix time of the newest object (fixed, so output never depends on the clock). 2025-06-01.
    public var endTime: Int64 = 1_748_736_000
    /// Lower-case ISO codes. The defaults cover two-, zero- (jpy, krw) and three-decimal (bhd) currencies.
    public var currencies: [String] = ["usd", "eur", "gbp", "jpy", "krw", "bhd"]
    public var livemode: Bool = false
    /// Very uneven invoice density when set (see `Burst`).
    public var burst: Burst? = nil

    /// A share of the invoices created on one day, `day` days after the start of history; the
    /// rest fall in the first 180 days and the last 90, leaving years with no invoice at all.
    public struct Burst: Sendable, Equatable {
        public var fraction: Double
        public var day: Int

        public init(fraction: Double, day: Int) {
            self.fraction = fraction
            self.day = day
        }
    }
    public var apiVersion: String = "2025-03-31.basil"
    /// What no listing shows although facts name it, as an old account holds it: every second
    /// deleted customer was deleted before the events window (no `customer.deleted` event), the
    /// first price of subscription 0 is an inline (`price_data`) price (never listed, retrievable
    /// by id) and the last product is deleted (404) while prices still name it.
    public var unlistedReferences: Bool = false

    public init(
        seed: UInt64 = 42, customers: Int = 200, subscriptions: Int? = nil, invoices: Int = 1_000,
        creditNotes: Int? = nil, events: Int = 500, years: Int = 3
    ) {
        self.seed = seed
        self.customers = customers
        self.subscriptions = subscriptions
        self.invoices = invoices
        self.creditNotes = creditNotes
        self.events = events
        self.years = years
    }

    /// The account id served by `/v1/account`, derived from the seed.
    public var accountID: String {
        let hex = String(seed, radix: 16)
        return "acct_T" + String(repeating: "0", count: max(0, 16 - hex.count)) + hex
    }
}
