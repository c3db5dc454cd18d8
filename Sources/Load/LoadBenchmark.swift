public import Core
import Foundation
import Parquet
import Zstd

/// Measures the Parquet writer on invoice-line-shaped rows (what `stripe-bench` prints).
public enum LoadBenchmark {
    public struct Result: Sendable, CustomStringConvertible {
        public var rows: Int
        public var seconds: Double
        public var bytes: Int
        /// Peak resident set size of the process (VmHWM), when the platform reports it.
        public var peakRSSBytes: Int?
        /// Compressed input read (staging files), when the benchmark read any.
        public var inputBytes: Int?

        public var rowsPerSecond: Double { Double(rows) / max(seconds, 1e-9) }

        public var description: String {
            let rss = peakRSSBytes.map { String(format: "%.1f MB", Double($0) / 1_048_576) } ?? "n/a"
            let input = inputBytes.map { String(format: ", read %.1f MB of staging", Double($0) / 1_048_576) } ?? ""
            return String(format: "%d rows in %.2f s: %.0f rows/s, wrote %d bytes (%.1f MB)%@, peak RSS %@",
                          rows, seconds, rowsPerSecond, bytes, Double(bytes) / 1_048_576, input, rss)
        }
    }

    /// Writes `count` synthetic invoice lines, shaped by `schema` (schemas/invoice_lines.json),
    /// as one zstd Parquet file at `path`. Values are deterministic (same count, same bytes).
    public static func writeInvoiceLines(count: Int, schema: TableSchema, path: String, options: LoadOptions = LoadOptions()) throws -> Result {
        let generator = SyntheticStagingRow(schema: schema)
        var settings = ParquetWriterOptions(createdBy: ToolInfo.createdBy, compressor: try ZstdPageCompressor(level: options.zstdLevel))
        settings.rowGroupRows = options.rowGroupRows
        let writer = try ParquetFileWriter(path: path, schema: try schema.parquetSchema(), options: settings)
        let start = DispatchTime.now().uptimeNanoseconds
        for row in 0..<count {
            try generator.write(row: row, to: writer)
            try writer.endRow()
        }
        try writer.close()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        return Result(rows: count, seconds: seconds, bytes: size, peakRSSBytes: peakResidentSetBytes(), inputBytes: nil)
    }

    /// Writes the same synthetic rows as a staging file (`<table>.ndjson.zst` encoding), e.g. to
    /// time the whole load stage or to feed DuckDB the same rows.
    public static func writeStagingInvoiceLines(count: Int, schema: TableSchema, path: String, extraLines: [String] = []) throws {
        let generator = SyntheticStagingRow(schema: schema)
        let output = try ZstdFileWriter(path: path, level: 3)
        var line: [UInt8] = []
        for row in 0..<count {
            line.removeAll(keepingCapacity: true)
            generator.appendJSON(row: row, to: &line)
            line.append(10)
            try output.write(line)
        }
        for extra in extraLines { try output.write(extra + "\n") }
        try output.close()
    }

    /// Times the load stage on staging run `runId` of `outputRoot` (for `stripe-bench load`).
    ///
    /// The load writes into a fresh scratch root (`scratchRoot`, default a temporary directory,
    /// removed afterwards) whose `staging/<runId>` links to the real one, so the real output
    /// tree is never touched. `bytes` is the Parquet (or NDJSON/CSV) written, `inputBytes` the
    /// compressed staging read.
    public static func loadStagingRun(outputRoot: String, runId: String, schemasDirectory: String,
                                      options: LoadOptions = LoadOptions(), scratchRoot: String? = nil) throws -> Result {
        let source = RunPaths(root: outputRoot)
        let root = scratchRoot ?? NSTemporaryDirectory() + "stripe-load-bench-\(getpid())"
        try? FileManager.default.removeItem(atPath: root)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let paths = RunPaths(root: root)
        try FileManager.default.createDirectory(atPath: paths.stagingRoot, withIntermediateDirectories: true)
        let stagingDirectory = URL(fileURLWithPath: source.staging(runId)).standardizedFileURL.path
        try FileManager.default.createSymbolicLink(atPath: paths.staging(runId), withDestinationPath: stagingDirectory)
        let stage = LoadStage(paths: paths, schemas: try SchemaSet.load(directory: schemasDirectory), options: options)
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try stage.run(runId: runId)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let tables = result.manifest.tables.values
        return Result(rows: tables.reduce(0) { $0 + $1.rows }, seconds: seconds,
                      bytes: tables.reduce(0) { $0 + $1.partitions.reduce(0) { $0 + $1.file.bytes } },
                      peakRSSBytes: peakResidentSetBytes(), inputBytes: tables.reduce(0) { $0 + $1.source.bytes })
    }

    /// Writes `count` synthetic invoice lines as a staging run (untimed), then times loading it to
    /// zstd Parquet through the real load path (for `stripe-bench parquet`). Everything happens
    /// under `workDirectory`, which is removed afterwards.
    public static func loadSyntheticInvoiceLines(count: Int, schemasDirectory: String, workDirectory: String,
                                                 options: LoadOptions = LoadOptions()) throws -> Result {
        try? FileManager.default.removeItem(atPath: workDirectory)
        defer { try? FileManager.default.removeItem(atPath: workDirectory) }
        let schemas = try SchemaSet.load(directory: schemasDirectory)
        guard let schema = schemas.table("invoice_lines") else {
            throw LoadError(.configuration, "\(schemasDirectory) has no invoice_lines schema")
        }
        let source = workDirectory + "/source"
        try writeSyntheticStagingRun(root: source, runId: "bench", tables: [(schema, count)])
        var options = options
        options.tables = ["invoice_lines"]
        return try loadStagingRun(outputRoot: source, runId: "bench", schemasDirectory: schemasDirectory,
                                  options: options, scratchRoot: workDirectory + "/load")
    }

    /// Writes `staging/<runId>/` under `root` with `count` synthetic rows per table, manifest last.
    public static func writeSyntheticStagingRun(root: String, runId: String, tables: [(TableSchema, Int)], snapshotDate: String = "2025-06-01") throws {
        let paths = RunPaths(root: root)
        let directory = paths.staging(runId)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var entries: [String: StagingManifest.Table] = [:]
        for (schema, count) in tables {
            let path = paths.stagingFile(runId, table: schema.table)
            try writeStagingInvoiceLines(count: count, schema: schema, path: path)
            entries[schema.table] = StagingManifest.Table(file: try FileEntry.describe(path: path, relativeTo: directory),
                                                          schemaHash: schema.hash, rowsIn: count, rowsOut: count, rowsRejected: 0)
        }
        try AtomicFile.write("", to: paths.stagingRejects(runId))
        let manifest = StagingManifest(
            runId: runId, pipeline: "bench", snapshotDate: snapshotDate, rawManifestSha256: String(repeating: "0", count: 64),
            inputs: [:], tables: entries, rejects: try FileEntry.describe(path: paths.stagingRejects(runId), relativeTo: directory),
            reportingCurrency: "EUR", ratesSha256: nil)
        try ManifestCoding.write(manifest, to: paths.stagingManifest(runId))
    }

    /// VmHWM from /proc/self/status, in bytes.
    public static func peakResidentSetBytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.filter(\.isNumber)
            return Int(digits).map { $0 * 1024 }
        }
        return nil
    }
}

/// Deterministic invoice-line-like values for any schema: ids unique per row, a few hundred
/// customers, a handful of currencies and statuses, amounts spread over orders of magnitude,
/// dates over three years, some nulls in nullable columns.
struct SyntheticStagingRow {
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
            let key = name == schema.primaryKey.first ? UInt64(row) : (name == "customer_id" ? r % 700 : (name == "invoice_id" || name == "invoice_number" ? UInt64(row / 3) : r % 5_000))
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

    func appendJSON(row: Int, to line: inout [UInt8]) {
        var json = "{"
        for (index, column) in schema.columns.enumerated() {
            if index > 0 { json += "," }
            json += "\"\(column.name)\":"
            if isNull(row, index) {
                json += "null"
                continue
            }
            switch column.type {
            case .string: json += "\"\(text(row, index))\""
            case .int64: json += String(mix(row, index) % 100_000)
            case .decimal(let precision, let scale):
                json += "\"" + ParquetDecimal(unscaled(row, index, precision: precision)).formatted(scale: scale) + "\""
            case .bool: json += mix(row, index) % 3 == 0 ? "true" : "false"
            case .timestamp:
                let value = micros(row, index)
                let seconds = value / 1_000_000
                let fraction = String(value % 1_000_000)
                json += "\"" + String(UTCDate.isoString(unixSeconds: seconds).dropLast()) + "." + String(repeating: "0", count: 6 - fraction.count) + fraction + "Z\""
            case .date: json += "\"" + UTCDate.dayString(Int(days(row, index))) + "\""
            case .json: json += #"{"k":"\#(mix(row, index) % 50)"}"#
            }
        }
        json += "}"
        line.append(contentsOf: json.utf8)
    }
}
