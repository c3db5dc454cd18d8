import Core

/// What the mapping looks up outside the object being mapped: product names, coupons, the coupon
/// behind each discount, and customers known to be deleted. Filled from the run's own raw streams.
final class TransformCatalog {
    struct Coupon {
        let id: String
        /// once, repeating or forever.
        let duration: String?
        let percentOff: ExactDecimal?
        let amountOff: Int64?
        let currency: String?

        var isPermanent: Bool { duration == "forever" }
    }

    /// Product id -> the product's name as raw JSON string text (quotes included, escapes kept).
    var productNames: [String: [UInt8]] = [:]
    var coupons: [String: Coupon] = [:]
    /// Discount id (di_...) -> coupon, for discounts seen expanded (or with a coupon id) anywhere.
    var discountCoupons: [String: Coupon] = [:]
    /// Price id -> tiers of tiered prices from the prices stream (volume: tiers_mode is volume).
    var priceTiers: [String: (tiers: [MRRCalculator.Tier], volume: Bool)] = [:]
    /// Customer id -> (events line, raw customer JSON) from customer.deleted events.
    var deletedCustomers: [String: (line: Int, object: [UInt8])] = [:]
    /// Deleted customer ids, in the order they were first seen.
    var deletedCustomerOrder: [String] = []
}

/// Run-wide settings the derivations need, taken from the pipeline and the raw run.
struct MappingSettings {
    /// `email`, `id` or `metadata.<field>`.
    var identityKey: String
    var livemode: Bool
    /// Lowercase reporting currency code and its exponent.
    var reportingCurrency: String
    var reportingExponent: Int
    var mrrDate: PipelineDefinition.MRRDate
    /// The run's snapshot day (days since 1970-01-01): fx.mrr_date = run_date converts MRR on it.
    var runDay: Int
    /// transform.mrr_rule.
    var mrrRule: PipelineDefinition.MRRRule = .stripe

    /// Start of the snapshot day in Unix seconds: a repeating discount runs when it ends after it.
    var snapshotSeconds: Int64 { Int64(runDay) * 86_400 }
}
