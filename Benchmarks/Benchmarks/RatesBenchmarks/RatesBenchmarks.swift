import Benchmark
import Core
import Rates

/// Currency conversions through one `RatesConverter` over the shipped ECB history, the lookups
/// the transform makes per converted row: a thousand conversions per iteration, cycling over six
/// currencies and walking days backwards from the last ECB day over ten years (cache hits and
/// binary searches both happen). The figures are per conversion.
let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal], warmupIterations: 3, scalingFactor: .kilo,
        maxDuration: .seconds(3))

    Benchmark("Rates convert (cached converter)", configuration: configuration) { benchmark, table in
        let converter = RatesConverter(table: table)
        let currencies = ["usd", "gbp", "jpy", "chf", "sek", "aud"]
        var sum = ExactDecimal(units: 0, scale: Conversion.unroundedScale)
        var day = table.ecbLastDay
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            if i % currencies.count == 0 { day = table.ecbLastDay - (i / currencies.count) % 3650 }
            let conversion = try converter.convert(minorUnits: Int64(1000 + i), currency: currencies[i % currencies.count], on: day, to: "EUR")
            sum.units &+= conversion.unrounded.units
        }
        benchmark.stopMeasurement()
        blackHole(sum)
    } setup: {
        try RatesTable(ecbPath: RatesStore.shippedSnapshotPath())
    }
}
