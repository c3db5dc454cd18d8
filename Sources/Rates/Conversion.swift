public import Core

/// One amount converted into the reporting currency, with what an auditor needs to redo it by hand.
///
/// Rounding rule: `amount = source_amount × rate(reporting per EUR) ÷ rate(source per EUR)`, computed
/// exactly from the published rates (never through binary floating point) and rounded ONCE, half to even,
/// to the reporting currency's exponent (Core's `Currency.exponent`: JPY 0, EUR 2, BHD 3).
/// `unrounded` is the same exact quotient rounded half-even to `Conversion.unroundedScale` (12) decimals:
/// sum those and round the total once. `rate` is informational, rounded half-even to `Conversion.rateScale`
/// (12) decimals: amounts are computed from the exact per-EUR rates, not from the rounded `rate`.
public struct Conversion: Sendable, Equatable {
    /// Fraction digits of `rate`.
    public static let rateScale = 12
    /// Fraction digits of `unrounded`.
    public static let unroundedScale = 12

    /// The converted amount in the reporting currency's major units, scale = its exponent.
    public let amount: ExactDecimal
    /// The converted amount at scale 12 (half-even), for sums that round once at the end.
    public let unrounded: ExactDecimal
    /// Reporting-currency units per 1 unit of the source currency, scale 12 (half-even). 1 for identity.
    public let rate: ExactDecimal
    /// The rate's day (days since 1970-01-01): the OLDER of the two legs' publication days, so
    /// `day - rateDay` is the staleness. For identity conversions it is the document's own day.
    public let rateDay: Int
    /// Source currency units per 1 EUR as published (1 for EUR and for identity).
    public let sourceRatePerEUR: ExactDecimal
    /// Publication day of `sourceRatePerEUR`.
    public let sourceRateDay: Int
    /// Reporting currency units per 1 EUR as published (1 for EUR and for identity).
    public let reportingRatePerEUR: ExactDecimal
    /// Publication day of `reportingRatePerEUR`.
    public let reportingRateDay: Int

    public init(
        amount: ExactDecimal, unrounded: ExactDecimal, rate: ExactDecimal, rateDay: Int,
        sourceRatePerEUR: ExactDecimal, sourceRateDay: Int,
        reportingRatePerEUR: ExactDecimal, reportingRateDay: Int
    ) {
        self.amount = amount
        self.unrounded = unrounded
        self.rate = rate
        self.rateDay = rateDay
        self.sourceRatePerEUR = sourceRatePerEUR
        self.sourceRateDay = sourceRateDay
        self.reportingRatePerEUR = reportingRatePerEUR
        self.reportingRateDay = reportingRateDay
    }
}

/// A per-EUR rate as looked up for a day.
public struct RateLookup: Sendable, Equatable {
    /// Uppercase currency code.
    public let currency: String
    /// Units of the currency per 1 EUR, exactly as published.
    public let ratePerEUR: ExactDecimal
    /// The publication day used (the latest on or before the requested day).
    public let day: Int
}
