import Core
import JSON

/// Monthly recurring revenue per subscription item, exactly.
///
/// Per item: unit amount (the price's `unit_amount_decimal`, or its tiers) x quantity per billing
/// period, normalised to a month: day x 365/12, week x 52/12, month x 1, year x 1/12, each divided by
/// the interval count. Item-level permanent (`forever`) discounts apply to the item; subscription-level
/// permanent discounts apply to the subscription's total and are shared across its items in
/// proportion to their amounts. Percent-off multiplies by (100 - p)/100; amount-off subtracts the
/// coupon's amount per billing period, normalised the same way; never below 0. Every step is an
/// exact fraction of arbitrary-precision integers (int64 amounts x int64 quantities at 12 decimals
/// and their discount shares never overflow); the result is in major units, rounded once, half-even,
/// to 6 decimals. Trialing, canceled, incomplete and incomplete_expired subscriptions and metered prices
/// contribute 0.
enum MRRCalculator {
    static let zeroStatuses: Set<String> = ["trialing", "canceled", "incomplete", "incomplete_expired"]
    /// Decimals of the published MRR (major units).
    static let resultScale = 6
    /// Digits of the published MRR column (decimal(38,6)).
    static let resultPrecision = 38

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

    static func monthly(_ perPeriod: ExactFraction, _ factor: (Int128, Int128)) -> ExactFraction {
        perPeriod * ExactFraction(numerator: WideInt(factor.0), denominator: WideInt(factor.1))
    }

    /// `amount` after one coupon if it is permanent; nil when it cannot be applied (an amount-off
    /// coupon in another currency).
    static func apply(_ coupon: TransformCatalog.Coupon, to amount: ExactFraction, factor: (Int128, Int128)?, currency: String) -> ExactFraction? {
        guard coupon.isPermanent else { return amount }
        var result = amount
        if let percent = coupon.percentOff {
            let keep = ExactFraction(100) - ExactFraction(percent)
            result = result * keep / ExactFraction(100)
        } else if let off = coupon.amountOff {
            guard coupon.currency == nil || coupon.currency == currency, let factor else { return nil }
            result = result - monthly(ExactFraction(Int128(off)), factor)
        }
        return result.signum < 0 ? .zero : result
    }

    /// One billing period's amount (minor units) of `quantity` on a tiered price.
    static func tieredAmount(_ document: JSONDocument, _ tiers: JSONValue, quantity: Int64, volume: Bool) throws -> ExactFraction? {
        var total = ExactFraction.zero
        var previous: Int64 = 0
        var done = false
        try document.forEachElement(tiers) { tier in
            guard !done, tier.kind == .object else { return }
            let upTo = try document.member(tier, "up_to").flatMap { try document.int64($0) }
            func decimal(_ exact: StaticString, _ whole: StaticString) throws -> ExactFraction? {
                if let v = try document.member(tier, exact), v.kind == .string, let d = ExactMath.parse(document.stringBytes(v)) { return ExactFraction(d) }
                if let v = try document.member(tier, whole), let n = try document.int64(v) { return ExactFraction(Int128(n)) }
                return nil
            }
            let unit = try decimal("unit_amount_decimal", "unit_amount") ?? .zero
            let flat = try decimal("flat_amount_decimal", "flat_amount") ?? .zero
            if volume {
                if upTo == nil || quantity <= upTo! {
                    total = unit * ExactFraction(Int128(quantity)) + flat
                    done = true
                }
                return
            }
            let ceiling = upTo.map { min($0, quantity) } ?? quantity
            let inTier = ceiling - previous
            if inTier > 0 {
                total = total + unit * ExactFraction(Int128(inTier)) + flat
            }
            if let upTo, upTo < quantity { previous = upTo } else { done = true }
        }
        return done || quantity == 0 ? total : nil
    }

    /// Final MRR per item (major units, 6 decimals): subscription-level permanent discounts applied to
    /// the total and shared in proportion. `subscriptionCoupons` nil means a coupon is unknown. An
    /// item whose MRR does not fit the column (more than 10^32 major units a month) is nil.
    static func allocate(gross: [ExactFraction?], zero: [Bool], period: [(Int128, Int128)?], exponent: [Int],
                         currency: [String], subscriptionCoupons: [TransformCatalog.Coupon]?) -> [ExactDecimal?] {
        let zeroValue = ExactDecimal(units: 0, scale: resultScale)
        guard let coupons = subscriptionCoupons else {
            return gross.indices.map { zero[$0] ? zeroValue : nil }
        }
        var total = ExactFraction.zero
        var firstPeriod: (Int128, Int128)?
        var firstCurrency = ""
        for i in gross.indices where !zero[i] {
            guard let g = gross[i] else { continue }
            total = total + g
            if firstPeriod == nil { firstPeriod = period[i]; firstCurrency = currency[i] }
        }
        var net: ExactFraction? = total
        for coupon in coupons {
            guard let current = net else { break }
            net = apply(coupon, to: current, factor: firstPeriod, currency: firstCurrency)
        }
        return gross.indices.map { i in
            if zero[i] { return zeroValue }
            guard let g = gross[i], let net else { return nil }
            let share = total.signum == 0 || coupons.isEmpty ? g : g * net / total
            guard let mrr = share.rounded(scale: resultScale, dividingByPowerOfTen: exponent[i]),
                  ExactMath.fits(mrr.units, digits: resultPrecision) else { return nil }
            return mrr
        }
    }
}
