import Benchmark
import Core
import Foundation
import Load
import Parquet
import StripeSimulator
import Zstd

/// The Parquet writer on invoice-line-shaped rows (schemas/invoice_lines.json): 100,000 synthetic
/// rows per iteration to one zstd file, with the load's default row group and zstd level (making the
/// rows' values is measured too, as it was in the former `stripe-bench parquet`). Besides wall and
/// CPU time it reports rows per wall second and the file's size (deterministic: same rows, same bytes). The last file stays at `$TMPDIR/stripe-warehouse-benchmarks/invoice_lines.parquet`
/// for comparing its size with another writer's (README, Benchmarks).
let benchmarks: @Sendable () -> Void = {
    let rows = 100_000
    let rowsPerSecond = BenchmarkMetric.custom("rows per s", polarity: .prefersLarger, useScalingFactor: false)
    let fileKilobytes = BenchmarkMetric.custom("file KB", polarity: .prefersSmaller, useScalingFactor: false)
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .mallocCountTotal, rowsPerSecond, fileKilobytes],
        units: [rowsPerSecond: .count, fileKilobytes: .count], warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 10)

    Benchmark("Parquet write 100k invoice lines (zstd)", configuration: configuration) { benchmark, schema in
        let directory = NSTemporaryDirectory() + "stripe-warehouse-benchmarks"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/invoice_lines.parquet"
        let defaults = LoadOptions()
        var options = ParquetWriterOptions(createdBy: ToolInfo.createdBy, compressor: try ZstdPages(level: defaults.zstdLevel))
        options.rowGroupRows = defaults.rowGroupRows
        let generator = SyntheticRows(schema: schema)
        let start = ContinuousClock.now
        benchmark.startMeasurement()
        let writer = try ParquetFileWriter(
            path: path,
            schema: try ParquetSchema(
                schema.columns.map {
                    ParquetColumn(name: $0.name, type: $0.type.parquetType, nullable: $0.nullable)
                }), options: options)
        for row in 0..<rows {
            try generator.write(row: row, to: writer)
            try writer.endRow()
        }
        try writer.close()
        benchmark.stopMeasurement()
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        benchmark.measurement(rowsPerSecond, Int((Double(rows) / max(seconds, 1e-9)).rounded()))
        let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        benchmark.measurement(fileKilobytes, bytes / 1024)
    } setup: {
        let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../schemas").standardized
            .path
        guard let schema = try SchemaSet.load(directory: schemas).table("invoice_lines") else {
            throw BenchmarkSetupError("\(schemas) has no invoice_lines schema")
        }
        return schema
    }
}

struct BenchmarkSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// zstd pages, as the load writes them.
final class ZstdPages: PageCompressor {
    private let compressor: ZstdCompressor
    init(level: Int32) throws { compressor = try ZstdCompressor(level: level) }
    var codec: CompressionCodec { .zstd }
    func compress(_ input: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) throws {
        try compressor.compress(input, appendingTo: &output)
    }
}

extension ColumnType {
    /// The Parquet type the load writes for a schema column type.
    var parquetType: ParquetColumnType {
        switch self {
        case .string, .json: .string
        case .int64: .int64
        case .decimal(let precision, let scale): .decimal(precision: precision, scale: scale)
        case .bool: .bool
        case .timestamp: .timestampMicros
        case .date: .date
        }
    }
}

extension SyntheticRows {
    /// Row `row` as typed values, as the load writes them.
    func write(row: Int, to writer: ParquetFileWriter) throws {
        for index in schema.columns.indices {
            switch value(row: row, column: index) {
            case .null: try writer.writeNull(index)
            case .string(let text), .json(let text): try writer.write(index, string: text)
            case .int64(let value): try writer.write(index, int64: value)
            case .decimal(let unscaled, _): try writer.write(index, decimal: ParquetDecimal(unscaled))
            case .bool(let value): try writer.write(index, bool: value)
            case .timestampMicros(let value): try writer.write(index, int64: value)
            case .date(let days): try writer.write(index, date: days)
            }
        }
    }
}
