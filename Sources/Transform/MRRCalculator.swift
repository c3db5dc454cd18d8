import Core
import JSON

/// Monthly recurring revenue per subscription item, exactly.
///
/// Per item: unit amount (the price's `unit_amount_decimal`, or its tiers) x quantity per billing
/// period, normalised to a month: day x 365/12, week x 52/12, month x 1, year x 1/12, each divided by
/// the interval count. Item-level permanent (`forever`) discounts apply to the item; subscription-level
/// permanent discounts apply to the subscription's total and are shared across its items in
/// proportion to their amounts. Percent-off multiplies by (100 - p)/100; amount-off subtracts the
/// coupon's amount per billing period, normalised the same way; never below 0. Intermediate values
/// are kept at 12 decimals of the minor unit; the result is in major units, rounded half-even to 6
/// decimals. Trialing, canceled, incomplete and incomplete_expired subscriptions and metered prices
/// contribute 0.
enum MRRCalculator {
    static let zeroStatuses: Set<String> = ["trialing", "canceled", "incomplete", "incomplete_expired"]
    /// Decimals of intermediate minor-unit amounts.
    static let workScale = 12
    /// Decimals of the published MRR (major units).
    static let resultScale = 6

    /// (numerator, denominator) turning one billing period's amount into a month's.
    static func monthlyFactor(interval: String, count: Int64) -> (Int128, Int128)? {
        guard count > 0 else { return nil }
        let c = Int128(count)
        switch interval {
        case "day": return (365, 12 * c)
        case "week": return (52, 12 * c)
        case "month": return (1, c)
        case "year": return (1, 12 * c)
        default: return nil
        }
    }

    static func monthly(_ perPeriod: ExactDecimal, _ factor: (Int128, Int128)) throws -> ExactDecimal {
        let scaled = try ExactMath.multiply(perPeriod, ExactDecimal(units: factor.0, scale: 0))
        return try ExactMath.divide(scaled, ExactDecimal(units: factor.1, scale: 0), scale: workScale)
    }

    /// `amount` after one coupon if it is permanent; nil when it cannot be applied (an amount-off
    /// coupon in another currency).
    static func apply(_ coupon: TransformCatalog.Coupon, to amount: ExactDecimal, factor: (Int128, Int128)?, currency: String) throws -> ExactDecimal? {
        guard coupon.isPermanent else { return amount }
        var result = amount
        if let percent = coupon.percentOff {
            let keep = try ExactMath.subtract(ExactDecimal(units: 100, scale: 0), percent)
            result = try ExactMath.divide(try ExactMath.multiply(result, keep), ExactDecimal(units: 100, scale: 0), scale: workScale)
        } else if let off = coupon.amountOff {
            guard coupon.currency == nil || coupon.currency == currency, let factor else { return nil }
            result = try ExactMath.subtract(result, try monthly(ExactDecimal(units: Int128(off), scale: 0), factor))
        }
        if result.units < 0 { result = ExactDecimal(units: 0, scale: workScale) }
        return try ExactMath.rescale(result, to: workScale)
    }

    /// One billing period's amount (minor units) of `quantity` on a tiered price.
    static func tieredAmount(_ document: JSONDocument, _ tiers: JSONValue, quantity: Int64, volume: Bool) throws -> ExactDecimal? {
        var total = ExactDecimal(units: 0, scale: 0)
        var previous: Int64 = 0
        var done = false
        try document.forEachElement(tiers) { tier in
            guard !done, tier.kind == .object else { return }
            let upTo = try document.member(tier, "up_to").flatMap { try document.int64($0) }
            func decimal(_ exact: StaticString, _ whole: StaticString) throws -> ExactDecimal? {
                if let v = try document.member(tier, exact), v.kind == .string { return ExactMath.parse(document.stringBytes(v)) }
                if let v = try document.member(tier, whole), let n = try document.int64(v) { return ExactDecimal(units: Int128(n), scale: 0) }
                return nil
            }
            let unit = try decimal("unit_amount_decimal", "unit_amount") ?? ExactDecimal(units: 0, scale: 0)
            let flat = try decimal("flat_amount_decimal", "flat_amount") ?? ExactDecimal(units: 0, scale: 0)
            if volume {
                if upTo == nil || quantity <= upTo! {
                    total = try ExactMath.add(try ExactMath.multiply(unit, ExactDecimal(units: Int128(quantity), scale: 0)), flat)
                    done = true
                }
                return
            }
            let ceiling = upTo.map { min($0, quantity) } ?? quantity
            let inTier = ceiling - previous
            if inTier > 0 {
                total = try ExactMath.add(total, try ExactMath.add(try ExactMath.multiply(unit, ExactDecimal(units: Int128(inTier), scale: 0)), flat))
            }
            if let upTo, upTo < quantity { previous = upTo } else { done = true }
        }
        return done || quantity == 0 ? total : nil
    }

    /// Final MRR per item (major units, 6 decimals): subscription-level permanent discounts applied to
    /// the total and shared in proportion. `subscriptionCoupons` nil means a coupon is unknown.
    static func allocate(gross: [ExactDecimal?], zero: [Bool], period: [(Int128, Int128)?], exponent: [Int],
                         currency: [String], subscriptionCoupons: [TransformCatalog.Coupon]?) throws -> [ExactDecimal?] {
        let zeroValue = ExactDecimal(units: 0, scale: resultScale)
        guard let coupons = subscriptionCoupons else {
            return gross.indices.map { zero[$0] ? zeroValue : nil }
        }
        var total = ExactDecimal(units: 0, scale: workScale)
        var firstPeriod: (Int128, Int128)?
        var firstCurrency = ""
        for i in gross.indices where !zero[i] {
            guard let g = gross[i] else { continue }
            total = try ExactMath.add(total, g)
            if firstPeriod == nil { firstPeriod = period[i]; firstCurrency = currency[i] }
        }
        var net: ExactDecimal? = total
        for coupon in coupons {
            guard let current = net else { break }
            net = try apply(coupon, to: current, factor: firstPeriod, currency: firstCurrency)
        }
        return try gross.indices.map { i in
            if zero[i] { return zeroValue }
            guard let g = gross[i], let net else { return nil }
            let share = total.units == 0 ? g : try ExactMath.divide(try ExactMath.multiply(g, net), total, scale: workScale)
            let major = ExactDecimal(units: share.units, scale: share.scale + exponent[i])
            return try ExactMath.rescale(major, to: resultScale)
        }
    }
}
