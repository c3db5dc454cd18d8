public import Core
import Digest

/// ECB's daily reference rates (per 1 EUR), merged with the user's supplementary rates, ready for
/// per-row conversion into a reporting currency.
///
/// Lookup rules:
/// - A document on day D uses each currency's latest published rate on or before D (weekends and
///   holidays take the previous business day; `N/A` days are gaps and fall back the same way).
/// - Cross rates go through EUR: `amount_reporting = amount / rate(source) * rate(reporting)`.
/// - EUR has rate 1 on every day that has a row in the ECB file.
/// - Converting a currency into itself is the identity: rate 1, rate day = the document's day, no lookup.
/// - If the latest rate is more than `maxStalenessDays` before D, or there is none (including D before
///   the currency's first rate), the lookup throws a `RatesError` naming the currency, the day, the
///   latest rate available and the fix. Never a silent 0.
///
/// Immutable and `Sendable`: share one table between threads; give each thread its own
/// `RatesConverter` (cached lookups) for the per-row hot path.
///
/// Typical use in the transform stage:
///
///     let table = try RatesStore(paths: paths).table(fx: pipeline.fx)   // fx.rates or store or snapshot
///     let converter = RatesConverter(table: table)                      // one per thread
///     let c = try converter.convert(minorUnits: amount, currency: "usd", on: documentDay, to: pipeline.fx.reportingCurrency)
///     // c.amount (scale = reporting exponent), c.unrounded (scale 12), c.rate (scale 12),
///     // UTCDate.dayString(c.rateDay); on RatesError reject the row with error.message.
///     // Manifest: table.sha256.
///
/// `@unchecked Sendable`: every stored property is a `let`, and the unsafe buffers are written only inside
/// `init` and freed only in `deinit`, so threads share nothing but reads.
public final class RatesTable: @unchecked Sendable {
    // Immutable after init. The per-row path reads these through owned unsafe buffers so a lookup does
    // no reference counting: every series is a slice [seriesStart[s], seriesStart[s + 1]) of the flat
    // `days` / `units` / `scales` buffers, days ascending, rate = units / 10^scale per EUR.
    let days: UnsafeMutableBufferPointer<Int32>
    let units: UnsafeMutableBufferPointer<Int64>
    let scales: UnsafeMutableBufferPointer<UInt8>
    let seriesStart: UnsafeMutableBufferPointer<Int>
    /// Core's `Currency.exponent` per series, -1 when Stripe does not know the code (ECB's dead series).
    let exponents: UnsafeMutableBufferPointer<Int>
    /// Series index per 3-letter code (`RatesTable.slot`), -1 when absent.
    let codeIndex: UnsafeMutableBufferPointer<Int16>
    /// Uppercase code per series.
    let codes: [String]
    let eurIndex: Int

    /// Days a rate may be older than the document (default 7).
    public let maxStalenessDays: Int
    /// Name of the ECB file used in messages (its path or a label).
    public let ecbName: String
    /// Name of the supplementary file used in messages, if any.
    public let supplementaryName: String?
    /// sha256 of the decompressed ECB CSV bytes (the canonical form, independent of compression).
    public let ecbSha256: String
    /// sha256 of the supplementary file's bytes, if any.
    public let supplementarySha256: String?
    /// The rates data identity for manifests: `ecbSha256` alone without a supplementary file; with one,
    /// the sha256 of the two lines `"<ecbSha256>  ecb\n<supplementarySha256>  supplementary\n"`.
    public let sha256: String
    /// First and last day (days since 1970-01-01) with a row in the ECB file.
    public let ecbFirstDay: Int
    public let ecbLastDay: Int

    /// Loads an ECB history file (plain CSV, `.zst` or ECB's `.zip`, detected from the bytes) and an
    /// optional supplementary CSV `date,currency,rate_per_eur`.
    public convenience init(ecbPath: String, supplementaryPath: String? = nil, maxStalenessDays: Int = 7) throws {
        let ecb = try RatesData.readFile(ecbPath)
        let supplementary = try supplementaryPath.map { try RatesData.readFile($0) }
        try self.init(
            ecbCSV: ecb, ecbName: ecbPath, supplementaryCSV: supplementary,
            supplementaryName: supplementaryPath ?? "supplementary", maxStalenessDays: maxStalenessDays)
    }

    /// Builds the table from bytes: `ecbCSV` may be plain CSV, zstd or ECB's zip; `supplementaryCSV` is
    /// plain `date,currency,rate_per_eur` (or zstd). A supplementary rate that differs from ECB's for the
    /// same currency and day is an error, not an override; an identical one is accepted.
    public init(
        ecbCSV: [UInt8], ecbName: String = "eurofxref-hist.csv", supplementaryCSV: [UInt8]? = nil,
        supplementaryName: String = "supplementary.csv", maxStalenessDays: Int = 7
    ) throws {
        guard maxStalenessDays >= 0 else {
            throw RatesError(.invalidFile, "max staleness must be 0 or more days, got \(maxStalenessDays); set fx.max_staleness_days")
        }
        let ecbBytes = try RatesData.decode(ecbCSV, name: ecbName)
        let parsed = try Self.parseECB(ecbBytes, name: ecbName)
        var codes = parsed.codes
        var entries = parsed.entries
        var supplementaryHash: String?
        if let supplementaryCSV {
            let bytes = try RatesData.decode(supplementaryCSV, name: supplementaryName)
            supplementaryHash = SHA256.hex(bytes)
            let extra = try Self.parseSupplementary(bytes, name: supplementaryName)
            try Self.merge(extra, into: &codes, &entries, ecbName: ecbName, supplementaryName: supplementaryName)
        }
        // EUR: rate 1 on every ECB day.
        codes.append("EUR")
        entries.append(parsed.days.reversed().map { Entry(day: $0, units: 1, scale: 0, line: 0) })
        eurIndex = codes.count - 1

        let total = entries.reduce(0) { $0 + $1.count }
        days = .allocate(capacity: max(total, 1))
        units = .allocate(capacity: max(total, 1))
        scales = .allocate(capacity: max(total, 1))
        seriesStart = .allocate(capacity: codes.count + 1)
        exponents = .allocate(capacity: codes.count)
        codeIndex = .allocate(capacity: 26 * 26 * 26)
        codeIndex.initialize(repeating: -1)
        var offset = 0
        for (s, list) in entries.enumerated() {
            seriesStart[s] = offset
            // ECB lists newest first: reversing is the common case, sorting the fallback.
            var ordered = Array(list.reversed())
            if !Self.ascending(ordered) { ordered.sort { $0.day < $1.day } }
            for entry in ordered {
                days[offset] = entry.day
                units[offset] = entry.units
                scales[offset] = entry.scale
                offset += 1
            }
            exponents[s] = Currency.exponent(of: codes[s]) ?? -1
            if let slot = Self.slot(codes[s]) { codeIndex[slot] = Int16(s) }
        }
        seriesStart[codes.count] = offset
        self.codes = codes

        self.maxStalenessDays = maxStalenessDays
        self.ecbName = ecbName
        self.supplementaryName = supplementaryCSV == nil ? nil : supplementaryName
        ecbSha256 = SHA256.hex(ecbBytes)
        supplementarySha256 = supplementaryHash
        if let supplementaryHash {
            sha256 = SHA256.hex("\(ecbSha256)  ecb\n\(supplementaryHash)  supplementary\n")
        } else {
            sha256 = ecbSha256
        }
        ecbFirstDay = Int(parsed.days[0])
        ecbLastDay = Int(parsed.days[parsed.days.count - 1])
    }

    deinit {
        days.deallocate()
        units.deallocate()
        scales.deallocate()
        seriesStart.deallocate()
        exponents.deallocate()
        codeIndex.deallocate()
    }

    private static func ascending(_ entries: [Entry]) -> Bool {
        var i = 1
        while i < entries.count {
            if entries[i - 1].day >= entries[i].day { return false }
            i += 1
        }
        return true
    }

    func count(_ s: Int) -> Int { seriesStart[s + 1] - seriesStart[s] }

    /// Uppercase codes with at least one rate, EUR included, sorted.
    public var currencies: [String] {
        codes.indices.filter { count($0) > 0 }.map { codes[$0] }.sorted()
    }

    /// Number of rates held (all currencies, EUR's implicit 1s excluded).
    public var rateCount: Int {
        codes.indices.reduce(0) { $0 + ($1 == eurIndex ? 0 : count($1)) }
    }

    static func merge(
        _ extra: [SupplementaryEntry], into codes: inout [String], _ entries: inout [[Entry]],
        ecbName: String, supplementaryName: String
    ) throws {
        var seen: [String: Int32] = [:]
        var column: [String: Int] = [:]
        for (i, code) in codes.enumerated() { column[code] = i }
        // ECB's days per column, for conflict checks.
        var ecbByDay: [Int: [Int32: Entry]] = [:]
        for item in extra {
            let key = "\(item.code) \(item.entry.day)"
            if let first = seen[key] {
                throw invalid(
                    supplementaryName, Int(item.entry.line),
                    "repeats \(item.code) on \(UTCDate.dayString(Int(item.entry.day))) of line \(first)")
            }
            seen[key] = item.entry.line
            let index: Int
            if let existing = column[item.code] {
                index = existing
            } else {
                codes.append(item.code)
                entries.append([])
                index = codes.count - 1
                column[item.code] = index
                ecbByDay[index] = [:]
            }
            if ecbByDay[index] == nil {
                var map: [Int32: Entry] = [:]
                for entry in entries[index] { map[entry.day] = entry }
                ecbByDay[index] = map
            }
            if let published = ecbByDay[index]?[item.entry.day] {
                let a = ExactDecimal(units: Int128(published.units), scale: Int(published.scale))
                let b = ExactDecimal(units: Int128(item.entry.units), scale: Int(item.entry.scale))
                if a == b { continue } // both canonical, so equal values are equal structs
                throw RatesError(
                    .conflict,
                    "\(supplementaryName) line \(item.entry.line): \(item.code) on \(UTCDate.dayString(Int(item.entry.day))) is \(b) per EUR but \(ecbName) line \(published.line) publishes \(a); supplementary rates cannot override ECB: remove or correct the line"
                )
            }
            entries[index].append(item.entry)
        }
    }

    /// Case-insensitive index of a 3-letter code into `codeIndex` (0 ..< 26^3) without allocating;
    /// nil if not 3 ASCII letters.
    @inline(__always)
    static func slot(_ code: String) -> Int? {
        var slot = 0
        var count = 0
        for byte in code.utf8 {
            count += 1
            let upper = byte & 0xDF
            guard count <= 3, upper >= 0x41, upper <= 0x5A, byte >= 0x41 else { return nil }
            slot = slot * 26 + Int(upper - 0x41)
        }
        return count == 3 ? slot : nil
    }

    /// Series index of `currency`, -1 if the table has no rates for it; throws if it is not a code.
    func seriesIndex(_ currency: String) throws -> Int {
        guard let slot = Self.slot(currency) else {
            throw RatesError(.unknownCurrency, "'\(currency)' is not a 3-letter currency code", currency: currency)
        }
        return Int(codeIndex[slot])
    }

    /// The per-EUR rate of `currency` for a document on `day` (days since 1970-01-01, see `UTCDate`):
    /// the latest rate on or before it, within the staleness limit.
    public func rate(of currency: String, on day: Int) throws -> RateLookup {
        let index = try seriesIndex(currency)
        let p = try position(series: index, currency: currency, day: day, cached: -1)
        return RateLookup(
            currency: codes[index], ratePerEUR: ExactDecimal(units: Int128(units[p]), scale: Int(scales[p])),
            day: Int(days[p]))
    }

    /// Absolute position in the flat buffers of the rate for `day` in series `index`, trying `cached`
    /// first, else a binary search; throws when there is none or it is too old.
    @inline(__always)
    func position(series index: Int, currency: String, day: Int, cached: Int) throws -> Int {
        guard index >= 0 else { throw missing(currency: currency, day: day, series: nil) }
        let start = seriesStart[index]
        let end = seriesStart[index + 1]
        var p: Int
        if cached >= start && cached < end && Int(days[cached]) <= day && (cached + 1 == end || Int(days[cached + 1]) > day) {
            p = cached
        } else {
            var lo = start, hi = end
            while lo < hi {
                let mid = (lo + hi) >> 1
                if Int(days[mid]) <= day { lo = mid + 1 } else { hi = mid }
            }
            p = lo - 1
        }
        guard p >= start else { throw missing(currency: currency, day: day, series: index) }
        if day - Int(days[p]) > maxStalenessDays { throw stale(series: index, day: day, latest: Int(days[p])) }
        return p
    }

    var sourceDescription: String {
        if let supplementaryName { return "\(ecbName) or \(supplementaryName)" }
        return ecbName
    }

    func missing(currency: String, day: Int, series: Int?) -> RatesError {
        let code = series.map { codes[$0] } ?? currency.uppercased()
        let date = UTCDate.dayString(day)
        guard let series, count(series) > 0 else {
            return RatesError(
                .missingRate,
                "currency \(code) has no rate on \(date) in \(sourceDescription) (latest available: none, ECB does not publish \(code)); add \(code) rates per EUR to the supplementary file (fx.supplementary, columns date,currency,rate_per_eur)",
                currency: code, day: day)
        }
        return RatesError(
            .missingRate,
            "currency \(code) has no rate on or before \(date) in \(sourceDescription) (latest available: none, its first rate is \(UTCDate.dayString(Int(days[seriesStart[series]])))); add \(code) rates per EUR for that period to the supplementary file (fx.supplementary, columns date,currency,rate_per_eur)",
            currency: code, day: day)
    }

    func stale(series: Int, day: Int, latest: Int) -> RatesError {
        RatesError(
            .staleRate,
            "currency \(codes[series]) has no rate on \(UTCDate.dayString(day)) in \(sourceDescription) (latest is \(UTCDate.dayString(latest)), \(day - latest) days earlier, more than the \(maxStalenessDays)-day limit); run `stripe-etl rates update`, add the rate to the supplementary file (fx.supplementary), or set fx.max_staleness_days",
            currency: codes[series], day: day, latestRateDay: latest)
    }

    /// Checks up front that `reporting` can be converted into: Core knows its exponent, and it has rates
    /// (or is EUR).
    public func validate(reporting: String) throws {
        let index = try seriesIndex(reporting)
        guard Currency.exponent(of: reporting) != nil else {
            throw RatesError(
                .unknownCurrency,
                "reporting currency \(reporting.uppercased()) is not a currency Stripe supports (Core's currency table has no exponent for it); set fx.reporting_currency",
                currency: reporting.uppercased())
        }
        guard index >= 0, count(index) > 0 else {
            throw RatesError(
                .missingRate,
                "reporting currency \(reporting.uppercased()) has no rates in \(sourceDescription); add it to the supplementary file (fx.supplementary) or set fx.reporting_currency",
                currency: reporting.uppercased())
        }
    }

    /// Converts `minorUnits` of `currency` (Stripe's integer amount, exponent from Core's `Currency`) on
    /// `day` (days since 1970-01-01 UTC) into `reporting`. See `Conversion` for the rounding rule.
    /// Thread-safe and allocation-free, with a binary search per leg; `RatesConverter` adds caching.
    public func convert(minorUnits: Int64, currency: String, on day: Int, to reporting: String) throws -> Conversion {
        try convert(amountUnits: Int128(minorUnits), amountScale: nil, currency: currency, on: day, to: reporting, cache: nil)
    }

    /// Converts an amount already in MAJOR units of `currency` at any scale (e.g. MRR normalised to a
    /// month, or `unit_amount_decimal` / 10^exponent), same rules as `convert(minorUnits:...)`; the
    /// identity case rounds half-even to the reporting exponent too.
    public func convert(amount: ExactDecimal, currency: String, on day: Int, to reporting: String) throws -> Conversion {
        try convert(amountUnits: amount.units, amountScale: amount.scale, currency: currency, on: day, to: reporting, cache: nil)
    }
}
