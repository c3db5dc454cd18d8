import Core
import JSON

/// Monthly recurring revenue per subscription item, exactly, under a named rule
/// (`transform.mrr_rule`).
///
/// Per item: unit amount (the price's `unit_amount_decimal`, or its tiers) x quantity per billing
/// period (divided by `transform_quantity`), normalised to a month: day x 365/12, week x 52/12,
/// month x 1, year x 1/12, each divided by the interval count. Which items count (`mrr_status`):
///
/// | Stripe status / item            | stripe rule        | chartmogul rule    |
/// |---------------------------------|--------------------|--------------------|
/// | active, past_due                | counted            | counted            |
/// | active with pause_collection    | paused (0)         | counted            |
/// | trialing                        | trialing (0)       | trialing (0)       |
/// | paused (trial ended, no method) | paused (0)         | paused (0)         |
/// | unpaid, canceled                | churned (0)        | churned (0)        |
/// | incomplete, incomplete_expired  | incomplete (0)     | incomplete (0)     |
/// | metered price                   | metered (0)        | metered (0)        |
/// | amount or coupon not knowable   | unknown (null)     | unknown (null)     |
///
/// Discounts that reduce MRR: `forever` coupons under both rules; `repeating` coupons whose
/// discount is still running at the snapshot (no end, or end after it) under chartmogul only;
/// `once` coupons never. Item-level discounts apply to the item; subscription-level discounts apply
/// to the subscription's counted total and are shared across its items in proportion to their
/// amounts. Percent-off multiplies by (100 - p)/100; amount-off subtracts the coupon's amount per
/// billing period, normalised the same way; never below 0. Tax is never part of MRR. Every step is an
/// exact fraction of arbitrary-precision integers (int64 amounts x int64 quantities at 12 decimals
/// and their discount shares never overflow); the result is in major units, rounded once, half-even,
/// to 6 decimals.
enum MRRCalculator {
    /// Why an item contributes what it does (the `mrr_status` column).
    enum Status: String, CaseIterable {
        case counted, trialing, paused, churned, incomplete, metered, unknown
    }

    /// A discount as the MRR sees it: its coupon and when it ends (`endKnown` false when only the
    /// discount id was given).
    struct Discount {
        let coupon: TransformCatalog.Coupon
        let end: Int64?
        let endKnown: Bool
    }

    /// The status of an item under `rule`, before its amount is known; `stripeStatus` is Stripe's own,
    /// `pauseCollection` whether collection is paused.
    static func status(stripeStatus: String, pauseCollection: Bool, metered: Bool, rule: PipelineDefinition.MRRRule) -> Status {
        if metered { return .metered }
        switch stripeStatus {
        case "active", "past_due": return pauseCollection && rule == .stripe ? .paused : .counted
        case "trialing": return .trialing
        case "paused": return .paused
        case "unpaid", "canceled": return .churned
        case "incomplete", "incomplete_expired": return .incomplete
        default: return .unknown
        }
    }

    /// Whether `discount` reduces MRR under `rule` at `snapshot` (Unix seconds); nil when it cannot be
    /// told (a repeating discount given by id only, under chartmogul).
    static func reduces(_ discount: Discount, rule: PipelineDefinition.MRRRule, snapshot: Int64) -> Bool? {
        switch discount.coupon.duration {
        case "forever": return true
        case "repeating":
            guard rule == .chartmogul else { return false }
            guard discount.endKnown else { return nil }
            return discount.end.map { $0 > snapshot } ?? true
        default: return false
        }
    }
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

    /// `amount` after one discount if it reduces MRR under the rule; nil when that cannot be told or
    /// it cannot be applied (an amount-off coupon in another currency).
    static func apply(
        _ discount: Discount, to amount: ExactFraction, factor: (Int128, Int128)?, currency: String,
        rule: PipelineDefinition.MRRRule, snapshot: Int64
    ) -> ExactFraction? {
        guard let reduces = reduces(discount, rule: rule, snapshot: snapshot) else { return nil }
        guard reduces else { return amount }
        let coupon = discount.coupon
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

    /// One tier of a tiered price (minor units).
    struct Tier: Sendable {
        let upTo: Int64?
        let unit: ExactFraction
        let flat: ExactFraction
    }

    /// The tiers of a `tiers` array (Stripe's order: ascending `up_to`, the last one null).
    static func tiers(_ document: JSONDocument, _ tiers: JSONValue) throws -> [Tier] {
        var result: [Tier] = []
        try document.forEachElement(tiers) { tier in
            guard tier.kind == .object else { return }
            let upTo = try document.member(tier, "up_to").flatMap { try document.int64($0) }
            func decimal(_ exact: StaticString, _ whole: StaticString) throws -> ExactFraction? {
                if let v = try document.member(tier, exact), v.kind == .string, let d = ExactMath.parse(document.stringBytes(v)) {
                    return ExactFraction(d)
                }
                if let v = try document.member(tier, whole), let n = try document.int64(v) { return ExactFraction(Int128(n)) }
                return nil
            }
            result.append(
                Tier(
                    upTo: upTo, unit: try decimal("unit_amount_decimal", "unit_amount") ?? .zero,
                    flat: try decimal("flat_amount_decimal", "flat_amount") ?? .zero))
        }
        return result
    }

    /// One billing period's amount (minor units) of `quantity` on a tiered price: graduated sums each
    /// tier's units (plus its flat amount when reached); volume prices every unit at the tier the
    /// quantity falls in (plus that tier's flat amount). nil when no tier covers the quantity.
    static func tieredAmount(_ tiers: [Tier], quantity: Int64, volume: Bool) -> ExactFraction? {
        if volume {
            guard let tier = tiers.first(where: { $0.upTo == nil || quantity <= $0.upTo! }) else { return nil }
            return tier.unit * ExactFraction(Int128(quantity)) + tier.flat
        }
        var total = ExactFraction.zero
        var previous: Int64 = 0
        for tier in tiers {
            let ceiling = tier.upTo.map { min($0, quantity) } ?? quantity
            let inTier = ceiling - previous
            if inTier > 0 { total = total + tier.unit * ExactFraction(Int128(inTier)) + tier.flat }
            guard let upTo = tier.upTo, upTo < quantity else { return total }
            previous = upTo
        }
        return quantity == 0 ? total : nil
    }

    /// Final MRR per item (major units, 6 decimals): subscription-level discounts applied to the
    /// counted total and shared in proportion. `subscriptionDiscounts` nil means a coupon is unknown.
    /// nil for an item whose MRR cannot be known or does not fit the column (10^32 major units a month).
    static func allocate(
        gross: [ExactFraction?], zero: [Bool], period: [(Int128, Int128)?], exponent: [Int],
        currency: [String], subscriptionDiscounts: [Discount]?,
        rule: PipelineDefinition.MRRRule, snapshot: Int64
    ) -> [ExactDecimal?] {
        let zeroValue = ExactDecimal(units: 0, scale: resultScale)
        guard let discounts = subscriptionDiscounts else {
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
        for discount in discounts {
            guard let current = net else { break }
            net = apply(discount, to: current, factor: firstPeriod, currency: firstCurrency, rule: rule, snapshot: snapshot)
        }
        return gross.indices.map { i in
            if zero[i] { return zeroValue }
            guard let g = gross[i], let net else { return nil }
            let share = total.signum == 0 || discounts.isEmpty ? g : g * net / total
            guard let mrr = share.rounded(scale: resultScale, dividingByPowerOfTen: exponent[i]),
                ExactMath.fits(mrr.units, digits: resultPrecision)
            else { return nil }
            return mrr
        }
    }
}
