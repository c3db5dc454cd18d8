import Core
import Foundation
import Parquet
import StripeSimulator
import Zstd

/// Synthetic staging files for the load tests.
enum SyntheticStaging {
    /// Writes `count` synthetic rows shaped by `schema` as a staging file (`<table>.ndjson.zst`
    /// encoding), then `extraLines` verbatim. Values are deterministic (same count, same bytes).
    static func write(count: Int, schema: TableSchema, path: String, extraLines: [String] = []) throws {
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
}

/// `SyntheticRows` (StripeSimulator) as staging lines: the encoding the transform writes.
struct SyntheticStagingRow {
    let rows: SyntheticRows

    init(schema: TableSchema) { rows = SyntheticRows(schema: schema) }

    func appendJSON(row: Int, to line: inout [UInt8]) {
        var json = "{"
        for (index, column) in rows.schema.columns.enumerated() {
            if index > 0 { json += "," }
            json += "\"\(column.name)\":"
            switch rows.value(row: row, column: index) {
            case .null: json += "null"
            case .string(let text): json += "\"\(text)\""
            case .int64(let value): json += String(value)
            case .decimal(let unscaled, let scale): json += "\"" + ParquetDecimal(unscaled).formatted(scale: scale) + "\""
            case .bool(let value): json += value ? "true" : "false"
            case .timestampMicros(let value):
                let seconds = value / 1_000_000
                let fraction = String(value % 1_000_000)
                json +=
                    "\"" + String(UTCDate.isoString(unixSeconds: seconds).dropLast()) + "."
                    + String(repeating: "0", count: 6 - fraction.count) + fraction + "Z\""
            case .date(let days): json += "\"" + UTCDate.dayString(Int(days)) + "\""
            case .json(let text): json += text
            }
        }
        json += "}"
        line.append(contentsOf: json.utf8)
    }
}
