import Benchmark
import Core
import Foundation
import Load
import Parquet
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
        let generator = SyntheticInvoiceLine(schema: schema)
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

/// Deterministic invoice-line-like values for any schema (the load tests' synthetic staging rows):
/// ids unique per row, a few hundred customers, a handful of currencies, amounts over orders of
/// magnitude, dates over three years, some nulls in nullable columns.
struct SyntheticInvoiceLine {
    let schema: TableSchema
    private let currencies = ["usd", "eur", "gbp", "jpy", "krw", "bhd"]
    private let words = ["draft", "open", "paid", "void", "subscription", "invoiceitem", "Pro plan", "Seats", "Usage"]

    init(schema: TableSchema) { self.schema = schema }

    private func mix(_ row: Int, _ column: Int) -> UInt64 {
        var x = UInt64(row) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(column) &* 0xBF58_476D_1CE4_E5B9
        x ^= x >> 31
        x = x &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 29)
    }

    private func isNull(_ row: Int, _ column: Int) -> Bool {
        schema.columns[column].nullable && mix(row, column) % 10 == 0
    }

    private func text(_ row: Int, _ column: Int) -> String {
        let name = schema.columns[column].name
        let r = mix(row, column)
        if name.hasSuffix("_id") || name == "invoice_number" {
            let prefix = String(name.prefix(2))
            // The primary key is unique per row, as in real staging output.
            let key =
                name == schema.primaryKey.first
                ? UInt64(row)
                : (name == "customer_id" ? r % 700 : (name == "invoice_id" || name == "invoice_number" ? UInt64(row / 3) : r % 5_000))
            return "\(prefix)_\(String(key, radix: 36))\(String(key &* 2_654_435_761 % 1_000_003, radix: 36))"
        }
        if name.contains("currency") { return currencies[Int(r % UInt64(currencies.count))] }
        if name == "description" { return "\(words[Int(r % 9)]) × \(r % 40 + 1) (at \(r % 9_000 / 100).00 / month)" }
        return words[Int(r % UInt64(words.count))]
    }

    private func days(_ row: Int, _ column: Int) -> Int32 { Int32(19_000 + (row / 50) % 1_100) }

    private func micros(_ row: Int, _ column: Int) -> Int64 {
        Int64(days(row, column)) * 86_400_000_000 + Int64(mix(row, column) % 86_400_000_000)
    }

    private func unscaled(_ row: Int, _ column: Int, precision: Int) -> Int64 {
        let magnitude = Int64(mix(row, column) % 10_000_000)
        let value = mix(row, column) % 17 == 0 ? -magnitude : magnitude
        return precision >= 18 ? value : value % 100_000
    }

    func write(row: Int, to writer: ParquetFileWriter) throws {
        for (index, column) in schema.columns.enumerated() {
            if isNull(row, index) {
                try writer.writeNull(index)
                continue
            }
            switch column.type {
            case .string: try writer.write(index, string: text(row, index))
            case .int64: try writer.write(index, int64: Int64(mix(row, index) % 100_000))
            case .decimal(let precision, _): try writer.write(index, decimal: ParquetDecimal(unscaled(row, index, precision: precision)))
            case .bool: try writer.write(index, bool: mix(row, index) % 3 == 0)
            case .timestamp: try writer.write(index, int64: micros(row, index))
            case .date: try writer.write(index, date: days(row, index))
            case .json: try writer.write(index, string: #"{"k":"\#(mix(row, index) % 50)"}"#)
            }
        }
    }
}
