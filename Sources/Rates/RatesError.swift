public import ModuleErrors

/// What can fail in the rates module.
public enum RatesErrorCode: String, ModuleErrorCode {
    public typealias Details = RatesErrorDetails

    /// A rates file (ECB history or supplementary CSV) is malformed; the message names file and line.
    case invalidFile
    /// The supplementary file disagrees with ECB (or with itself) for a currency and date.
    case conflict
    /// No rate at all for the currency on or before the date.
    case missingRate
    /// The latest rate on or before the date is older than the maximum staleness.
    case staleRate
    /// The currency code is not a 3-letter code, or Core's currency table does not know its exponent.
    case unknownCurrency
    /// The amount is too large to convert exactly in 128-bit arithmetic.
    case amountOutOfRange
    /// Downloading new rates failed (network, HTTP status, a body that is not a rates history);
    /// the old rates are untouched.
    case download
    /// Reading or writing a rates file failed.
    case io
    /// Downloaded rates are well-formed but cover less, or move implausibly, against the store
    /// they would replace (`rates update`); the old rates are untouched.
    case refused
}

/// What a failed rate lookup was for (all nil for other errors), so the transform stage can reject
/// rows with a structured reason.
public struct RatesErrorDetails: Sendable {
    /// Uppercase currency code the lookup failed for.
    public var currency: String?
    /// The document day (days since 1970-01-01) the lookup failed for.
    public var day: Int?
    /// The latest rate day on or before `day`, if any.
    public var latestRateDay: Int?
}

/// An error from the rates module: a rates file that does not validate, a rate that is missing or too
/// old for a document, or a failed `rates update`.
///
/// Messages name what failed and how to fix it; lookup errors also carry the currency, the document day
/// and the latest rate day as fields so the transform stage can reject rows with a structured reason.
public typealias RatesError = ModuleError<RatesErrorCode>

extension ModuleError where Code == RatesErrorCode {
    public init(
        _ code: RatesErrorCode, _ message: String, cause: (any Error)? = nil,
        currency: String? = nil, day: Int? = nil, latestRateDay: Int? = nil
    ) {
        self.init(code, message, cause: cause, details: RatesErrorDetails(currency: currency, day: day, latestRateDay: latestRateDay))
    }

    /// Uppercase currency code the lookup failed for (lookup errors only).
    public var currency: String? { details.currency }
    /// The document day (days since 1970-01-01) the lookup failed for (lookup errors only).
    public var day: Int? { details.day }
    /// The latest rate day on or before `day`, if any (lookup errors only).
    public var latestRateDay: Int? { details.latestRateDay }
}
