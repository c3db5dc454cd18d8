public import Core

/// The per-row conversion hot path: one per thread (not thread-safe), over a shared `RatesTable`.
///
/// It remembers the last source and reporting codes, and per source currency the last rate position and
/// effective rate used, so rows clustered by currency or date skip the binary search and one of the three
/// divisions. No allocation and no reference counting on success.
///
///     let converter = RatesConverter(table: table)
///     let c = try converter.convert(minorUnits: 12345, currency: "usd", on: UTCDate.parseDay("2024-03-02")!, to: "EUR")
///     // c.amount 114.17, c.rate 0.924812725423, c.rateDay 2024-03-01 (the Friday before)
public final class RatesConverter {
    public let table: RatesTable
    private let cache: UnsafeMutablePointer<RatesTable.Cache>

    public init(table: RatesTable) {
        self.table = table
        cache = .allocate(capacity: 1)
        cache.initialize(to: RatesTable.Cache(seriesCount: table.codes.count))
    }

    deinit {
        cache.pointee.release()
        cache.deinitialize(count: 1)
        cache.deallocate()
    }

    /// Same contract and results as `RatesTable.convert(minorUnits:currency:on:to:)`, with cached lookups.
    public func convert(minorUnits: Int64, currency: String, on day: Int, to reporting: String) throws -> Conversion {
        try table.convert(amountUnits: Int128(minorUnits), amountScale: nil, currency: currency, on: day, to: reporting, cache: cache)
    }

    /// Same contract and results as `RatesTable.convert(amount:currency:on:to:)`, with cached lookups.
    public func convert(amount: ExactDecimal, currency: String, on day: Int, to reporting: String) throws -> Conversion {
        try table.convert(amountUnits: amount.units, amountScale: amount.scale, currency: currency, on: day, to: reporting, cache: cache)
    }
}

extension RatesTable {
    /// A converter's memory of recent lookups.
    struct Cache {
        /// The last effective rate computed for a source series.
        struct Rate {
            var reportingIndex = -1
            var sourcePosition = -1
            var reportingPosition = -1
            var rate = ExactDecimal(units: 0, scale: 0)
        }

        var sourceSlot = -1
        var sourceIndex = -1
        var sourceExponent = -1
        var reportingSlot = -1
        var reportingIndex = -1
        var reportingExponent = -1
        /// Last position used per series.
        let positions: UnsafeMutableBufferPointer<Int>
        /// Last effective rate per source series.
        let rates: UnsafeMutableBufferPointer<Rate>

        init(seriesCount: Int) {
            positions = .allocate(capacity: max(seriesCount, 1))
            positions.initialize(repeating: -1)
            rates = .allocate(capacity: max(seriesCount, 1))
            rates.initialize(repeating: Rate())
        }

        func release() {
            positions.deallocate()
            rates.deallocate()
        }
    }

    /// 10^0 ... 10^38, inline (no heap array to retain on the hot path).
    static let powersOfTen: InlineArray<39, Int128> = {
        var table = InlineArray<39, Int128>(repeating: 1)
        for i in 1...38 { table[i] = table[i - 1] * 10 }
        return table
    }()

    /// One as an exact decimal at the rate scale.
    static let rateOne = ExactDecimal(units: 1_000_000_000_000, scale: Conversion.rateScale)

    /// `(n / 10^ns) / (d / 10^ds)` rounded half-even at `scale` by Core's `ExactDecimal.divided(by:scale:)`,
    /// with the operands pre-scaled here (overflow-checked) so that the division itself needs no scaling;
    /// nil when that does not fit in 128 bits.
    @inline(__always)
    static func divide(_ n: Int128, scale ns: Int, by d: Int128, scale ds: Int, to scale: Int) -> ExactDecimal? {
        let factor = ds + scale - ns
        if factor >= 0 {
            guard factor <= 38 else { return nil }
            let (scaled, overflow) = n.multipliedReportingOverflow(by: powersOfTen[factor])
            guard !overflow else { return nil }
            return ExactDecimal(units: scaled, scale: ds + scale).divided(by: ExactDecimal(units: d, scale: ds), scale: scale)
        }
        guard -factor <= 38, ns - scale <= 38 else { return nil }
        let (scaled, overflow) = d.multipliedReportingOverflow(by: powersOfTen[-factor])
        guard !overflow else { return nil }
        return ExactDecimal(units: n, scale: ns).divided(by: ExactDecimal(units: scaled, scale: ns - scale), scale: scale)
    }

    func resolve(_ code: String, slot: Int) throws -> (index: Int, exponent: Int) {
        let index = Int(codeIndex[slot])
        let exponent = index >= 0 ? exponents[index] : (Currency.exponent(of: code) ?? -1)
        guard exponent >= 0 else {
            throw RatesError(
                .unknownCurrency,
                "currency \(code.uppercased()) is not one Stripe supports (Core's currency table has no exponent for it), so its minor units cannot be read",
                currency: code.uppercased())
        }
        return (index, exponent)
    }

    /// The conversion itself. `amountScale` nil: `amountUnits` are minor units (scale = the source
    /// currency's exponent); otherwise the amount is `amountUnits / 10^amountScale` major units.
    func convert(
        amountUnits: Int128, amountScale: Int?, currency: String, on day: Int, to reporting: String,
        cache: UnsafeMutablePointer<Cache>?
    ) throws -> Conversion {
        guard let sourceSlot = Self.slot(currency) else {
            throw RatesError(.unknownCurrency, "'\(currency)' is not a 3-letter currency code", currency: currency, day: day)
        }
        guard let reportingSlot = Self.slot(reporting) else {
            throw RatesError(
                .unknownCurrency, "reporting currency '\(reporting)' is not a 3-letter currency code; set fx.reporting_currency",
                currency: reporting, day: day)
        }
        let sourceIndex: Int, sourceExponent: Int, reportingIndex: Int, reportingExponent: Int
        if let cache, cache.pointee.sourceSlot == sourceSlot {
            sourceIndex = cache.pointee.sourceIndex
            sourceExponent = cache.pointee.sourceExponent
        } else {
            (sourceIndex, sourceExponent) = try resolve(currency, slot: sourceSlot)
            if let cache {
                cache.pointee.sourceSlot = sourceSlot
                cache.pointee.sourceIndex = sourceIndex
                cache.pointee.sourceExponent = sourceExponent
            }
        }
        if let cache, cache.pointee.reportingSlot == reportingSlot {
            reportingIndex = cache.pointee.reportingIndex
            reportingExponent = cache.pointee.reportingExponent
        } else {
            (reportingIndex, reportingExponent) = try resolve(reporting, slot: reportingSlot)
            if let cache {
                cache.pointee.reportingSlot = reportingSlot
                cache.pointee.reportingIndex = reportingIndex
                cache.pointee.reportingExponent = reportingExponent
            }
        }

        let amountScale = amountScale ?? sourceExponent
        if sourceSlot == reportingSlot {
            let amount = ExactDecimal(units: amountUnits, scale: amountScale)
            guard let rounded = Self.divide(amountUnits, scale: amountScale, by: 1, scale: 0, to: reportingExponent),
                let unrounded = Self.divide(amountUnits, scale: amountScale, by: 1, scale: 0, to: Conversion.unroundedScale)
            else {
                throw RatesError(
                    .amountOutOfRange,
                    "amount \(amount) \(codes.indices.contains(sourceIndex) ? codes[sourceIndex] : currency.uppercased()) is too large for 128-bit arithmetic at \(Conversion.unroundedScale) decimals",
                    currency: currency.uppercased(), day: day)
            }
            let one = ExactDecimal(units: 1, scale: 0)
            return Conversion(
                amount: rounded, unrounded: unrounded, rate: Self.rateOne, rateDay: day,
                sourceRatePerEUR: one, sourceRateDay: day, reportingRatePerEUR: one, reportingRateDay: day)
        }

        let sp = try position(
            series: sourceIndex, currency: currency, day: day,
            cached: sourceIndex >= 0 ? cache?.pointee.positions[sourceIndex] ?? -1 : -1)
        let rp = try position(
            series: reportingIndex, currency: reporting, day: day,
            cached: reportingIndex >= 0 ? cache?.pointee.positions[reportingIndex] ?? -1 : -1)
        let sourceUnits = Int128(units[sp]), sourceScale = Int(scales[sp])
        let targetUnits = Int128(units[rp]), targetScale = Int(scales[rp])

        let (numerator, overflow) = amountUnits.multipliedReportingOverflow(by: targetUnits)
        let numeratorScale = amountScale + targetScale
        guard !overflow,
            let amount = Self.divide(numerator, scale: numeratorScale, by: sourceUnits, scale: sourceScale, to: reportingExponent),
            let unrounded = Self.divide(
                numerator, scale: numeratorScale, by: sourceUnits, scale: sourceScale, to: Conversion.unroundedScale)
        else {
            throw RatesError(
                .amountOutOfRange,
                "amount \(ExactDecimal(units: amountUnits, scale: amountScale)) \(codes[sourceIndex]) on \(UTCDate.dayString(day)) is too large to convert to \(codes[reportingIndex]) exactly in 128-bit arithmetic",
                currency: codes[sourceIndex], day: day)
        }
        var rate: ExactDecimal
        if let cache, cache.pointee.rates[sourceIndex].reportingIndex == reportingIndex,
            cache.pointee.rates[sourceIndex].sourcePosition == sp, cache.pointee.rates[sourceIndex].reportingPosition == rp
        {
            rate = cache.pointee.rates[sourceIndex].rate
        } else {
            guard
                let effective = Self.divide(targetUnits, scale: targetScale, by: sourceUnits, scale: sourceScale, to: Conversion.rateScale)
            else {
                throw RatesError(
                    .amountOutOfRange,
                    "the \(codes[reportingIndex]) per \(codes[sourceIndex]) rate on \(UTCDate.dayString(day)) does not fit 128-bit arithmetic at \(Conversion.rateScale) decimals (check the supplementary rates' digits)",
                    currency: codes[sourceIndex], day: day)
            }
            rate = effective
            if let cache {
                cache.pointee.rates[sourceIndex] = Cache.Rate(
                    reportingIndex: reportingIndex, sourcePosition: sp, reportingPosition: rp, rate: rate)
            }
        }
        if let cache {
            cache.pointee.positions[sourceIndex] = sp
            cache.pointee.positions[reportingIndex] = rp
        }
        let sourceDay = Int(days[sp]), reportingDay = Int(days[rp])
        return Conversion(
            amount: amount, unrounded: unrounded, rate: rate, rateDay: min(sourceDay, reportingDay),
            sourceRatePerEUR: ExactDecimal(units: sourceUnits, scale: sourceScale), sourceRateDay: sourceDay,
            reportingRatePerEUR: ExactDecimal(units: targetUnits, scale: targetScale), reportingRateDay: reportingDay)
    }
}
