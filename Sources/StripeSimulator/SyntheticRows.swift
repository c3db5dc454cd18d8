public import Core

/// Deterministic invoice-line-like values for any table schema: ids unique per row, a few hundred
/// customers, a handful of currencies and statuses, amounts spread over orders of magnitude, dates
/// over three years, some nulls in nullable columns. The load tests write them as staging lines and
/// the Parquet micro-benchmark (Benchmarks/) as typed values: one generator, the same rows.
public struct SyntheticRows: Sendable {
    /// One value, typed as the column's schema type says.
    public enum Value: Equatable, Sendable {
        case null
        case string(String)
        case int64(Int64)
        /// `unscaled` / 10^scale.
        case decimal(unscaled: Int64, scale: Int)
        case bool(Bool)
        /// Microseconds since 1970-01-01T00:00:00Z.
        case timestampMicros(Int64)
        /// Days since 1970-01-01.
        case date(days: Int32)
        /// A JSON text.
        case json(String)
    }

    public let schema: TableSchema
    private let currencies = ["usd", "eur", "gbp", "jpy", "krw", "bhd"]
    private let words = ["draft", "open", "paid", "void", "subscription", "invoiceitem", "Pro plan", "Seats", "Usage"]

    public init(schema: TableSchema) { self.schema = schema }

    /// The value of `column` (an index into the schema's columns) in row `row`.
    public func value(row: Int, column: Int) -> Value {
        let type = schema.columns[column].type
        if schema.columns[column].nullable && mix(row, column) % 10 == 0 { return .null }
        switch type {
        case .string: return .string(text(row, column))
        case .int64: return .int64(Int64(mix(row, column) % 100_000))
        case .decimal(let precision, let scale): return .decimal(unscaled: unscaled(row, column, precision: precision), scale: scale)
        case .bool: return .bool(mix(row, column) % 3 == 0)
        case .timestamp: return .timestampMicros(Int64(days(row)) * 86_400_000_000 + Int64(mix(row, column) % 86_400_000_000))
        case .date: return .date(days: days(row))
        case .json: return .json(#"{"k":"\#(mix(row, column) % 50)"}"#)
        }
    }

    private func mix(_ row: Int, _ column: Int) -> UInt64 {
        var x = UInt64(row) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(column) &* 0xBF58_476D_1CE4_E5B9
        x ^= x >> 31
        x = x &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 29)
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

    private func days(_ row: Int) -> Int32 { Int32(19_000 + (row / 50) % 1_100) }

    private func unscaled(_ row: Int, _ column: Int, precision: Int) -> Int64 {
        let magnitude = Int64(mix(row, column) % 10_000_000)
        let value = mix(row, column) % 17 == 0 ? -magnitude : magnitude
        return precision >= 18 ? value : value % 100_000
    }
}
