public import Core

/// Times conversions for the transform benchmark (not a test: it asserts nothing).
public enum RatesBenchmark {
    public struct Result: Sendable {
        public let conversions: Int
        public let seconds: Double
        public var conversionsPerSecond: Double { seconds > 0 ? Double(conversions) / seconds : 0 }
        /// Sum of all unrounded amounts, so the work cannot be optimised away (and runs can be compared).
        public let checksum: ExactDecimal
    }

    /// Converts `count` amounts through one `RatesConverter`, cycling over `currencies` and walking days
    /// backwards from the table's last ECB day over `spanDays` (so both cache hits and binary searches happen).
    public static func run(table: RatesTable, count: Int, currencies: [String] = ["usd", "gbp", "jpy", "chf", "sek", "aud"],
                           reporting: String = "EUR", spanDays: Int = 3650) throws -> Result {
        let converter = RatesConverter(table: table)
        var sum = ExactDecimal(units: 0, scale: Conversion.unroundedScale)
        let start = ContinuousClock.now
        var day = table.ecbLastDay
        for i in 0..<count {
            let currency = currencies[i % currencies.count]
            if i % currencies.count == 0 { day = table.ecbLastDay - (i / currencies.count) % max(spanDays, 1) }
            let conversion = try converter.convert(minorUnits: Int64(1000 + i % 100_000), currency: currency, on: day, to: reporting)
            sum.units &+= conversion.unrounded.units
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Result(conversions: count, seconds: seconds, checksum: sum)
    }
}
