/// One cell for the row-at-a-time convenience API (`ParquetFileWriter.append(_:)`).
///
/// The typed `write(_:...)` methods avoid building these on hot paths.
public enum ParquetValue: Sendable, Equatable {
    case null
    /// For string and JSON columns.
    case string(String)
    /// For string and JSON columns: raw UTF-8 bytes.
    case bytes([UInt8])
    /// For int64 columns, and timestamp columns (microseconds since the epoch).
    case int64(Int64)
    /// For decimal columns: the unscaled value.
    case decimal(ParquetDecimal)
    case bool(Bool)
    /// For date columns: days since 1970-01-01.
    case date(Int32)
}
