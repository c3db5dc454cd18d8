import Benchmark
import Core
import Rates

/// Currency conversions through one `RatesConverter` over the shipped ECB history, the lookups
/// the transform makes per converted row: a thousand conversions per iteration, cycling over six
/// currencies and walking days backwards from the last ECB day over ten years (cache hits and
/// binary searches both happen). The figures are per conversion;
/// each thousand starts with a fresh converter (an empty cache).
let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal], warmupIterations: 3, scalingFactor: .kilo,
        maxDuration: .seconds(3))

    Benchmark("Rates convert (cached converter)", configuration: configuration) { benchmark, table in
        let converter = RatesConverter(table: table)
        let currencies = ["usd", "gbp", "jpy", "chf", "sek", "aud"]
        var sum = ExactDecimal(units: 0, scale: Conversion.unroundedScale)
        let first = benchmark.currentIteration * benchmark.scaledIterations.count
        var day = table.ecbLastDay
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            let n = first + i
            if n % currencies.count == 0 { day = table.ecbLastDay - (n / currencies.count) % 3650 }
            let conversion = try converter.convert(
                minorUnits: Int64(1000 + n % 100_000), currency: currencies[n % currencies.count], on: day, to: "EUR")
            sum.units &+= conversion.unrounded.units
        }
        benchmark.stopMeasurement()
        blackHole(sum)
    } setup: {
        try RatesTable(ecbPath: RatesStore.shippedSnapshotPath())
    }
}
