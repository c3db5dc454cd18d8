import Benchmark
import Core
import Foundation
import Rates
import StripeSimulator
import Transform

/// The transform stage in-process on a generated raw run (2,000 invoices of 500 customers over two
/// years, every stream): reading and verifying the raw files, mapping every table with currency
/// conversion, writing the staging files and manifest. The raw run is written once, before the
/// iterations; each iteration re-transforms it (a re-run replaces the staging run). Figures per
/// iteration: wall and CPU time, peak RSS, and raw MB per wall second and rows per wall second.
///
/// For the shipped executable on a large run (200,000 invoices) see `stripe-bench transform-load`.
let benchmarks: @Sendable () -> Void = {
    let megabytesPerSecond = BenchmarkMetric.custom("raw MB per s", polarity: .prefersLarger, useScalingFactor: false)
    let rowsPerSecond = BenchmarkMetric.custom("rows per s", polarity: .prefersLarger, useScalingFactor: false)
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .mallocCountTotal, megabytesPerSecond, rowsPerSecond],
        units: [megabytesPerSecond: .count, rowsPerSecond: .count], warmupIterations: 1, maxDuration: .seconds(10),
        maxIterations: 20)

    Benchmark("Transform 2,000 generated invoices", configuration: configuration) { benchmark, stage in
        benchmark.startMeasurement()
        let report = try stage.run(runId: TransformFixture.runId)
        benchmark.stopMeasurement()
        let statistics = report.statistics
        let seconds = max(statistics.seconds, 1e-9)
        benchmark.measurement(megabytesPerSecond, Int((Double(statistics.inputBytes) / 1e6 / seconds).rounded()))
        benchmark.measurement(rowsPerSecond, Int((Double(statistics.tables.reduce(0) { $0 + $1.rowsOut }) / seconds).rounded()))
    } setup: {
        try TransformFixture.stage()
    }
}

enum TransformFixture {
    static let runId = "bench-transform"

    /// Writes the raw run under `$TMPDIR/stripe-warehouse-benchmarks/transform` and returns a stage
    /// that converts with the shipped ECB snapshot plus the demo's supplementary rates (the
    /// generated account bills in currencies ECB lacks).
    static func stage() throws -> TransformStage {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../..").standardized.path
        let root = NSTemporaryDirectory() + "stripe-warehouse-benchmarks/transform"
        try? FileManager.default.removeItem(atPath: root)
        let config = AccountConfig(seed: 2026, customers: 500, invoices: 2_000, events: 200, years: 2)
        try RawRunWriter(generator: AccountGenerator(config)).write(outputRoot: root, runId: runId, pipeline: "bench")
        var pipeline = PipelineDefinition(name: "bench", path: "bench", mode: .test)
        pipeline.output = root
        pipeline.transform.maxRejectRatio = 1
        pipeline.fx.supplementary = repository + "/pipelines/demo-supplementary-rates.csv"
        pipeline.fx.maxStalenessDays = 36_500
        return TransformStage(
            pipeline: pipeline, paths: RunPaths(root: root), schemas: try SchemaSet.load(directory: repository + "/schemas"),
            ratesPath: try RatesStore.shippedSnapshotPath())
    }
}
