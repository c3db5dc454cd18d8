import Core
import Foundation
import Parquet
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
                json +=
                    "\"" + String(UTCDate.isoString(unixSeconds: seconds).dropLast()) + "."
                    + String(repeating: "0", count: 6 - fraction.count) + fraction + "Z\""
            case .date: json += "\"" + UTCDate.dayString(Int(days(row, index))) + "\""
            case .json: json += #"{"k":"\#(mix(row, index) % 50)"}"#
            }
        }
        json += "}"
        line.append(contentsOf: json.utf8)
    }
}
