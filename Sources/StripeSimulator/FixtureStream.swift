/// The top-level streams of a generated account, named as the raw run files are
/// (`raw/<run_id>/<stream>.ndjson.zst`).
public enum FixtureStream: String, CaseIterable, Sendable {
    case customers
    case products
    case prices
    case coupons
    case subscriptions
    case invoices
    case creditNotes = "credit_notes"
    case events

    /// The Stripe list endpoint path.
    public var path: String { "/v1/\(rawValue)" }

    /// Stripe's `object` value for items of this stream.
    public var objectName: String {
        switch self {
        case .customers: return "customer"
        case .products: return "product"
        case .prices: return "price"
        case .coupons: return "coupon"
        case .subscriptions: return "subscription"
        case .invoices: return "invoice"
        case .creditNotes: return "credit_note"
        case .events: return "event"
        }
    }

    /// The id prefix (`in_`, `cus_`, ...) before the fixture's index part.
    public var idPrefix: String {
        switch self {
        case .customers: return "cus_"
        case .products: return "prod_"
        case .prices: return "price_"
        case .coupons: return "co_"
        case .subscriptions: return "sub_"
        case .invoices: return "in_"
        case .creditNotes: return "cn_"
        case .events: return "evt_"
        }
    }

    var tag: UInt64 {
        switch self {
        case .customers: return 1
        case .products: return 2
        case .prices: return 3
        case .coupons: return 4
        case .subscriptions: return 5
        case .invoices: return 6
        case .creditNotes: return 7
        case .events: return 8
        }
    }
}
