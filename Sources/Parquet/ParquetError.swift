public import ModuleErrors

/// What can fail in the Parquet module.
public enum ParquetErrorCode: String, ModuleErrorCode {
    /// The schema cannot be written (duplicate or empty names, bad decimal precision...).
    case invalidSchema
    /// A value does not fit its column (wrong kind, null in a required column, out of range).
    case invalidValue
    /// A row was ended with a column missing or written twice.
    case incompleteRow
    /// Reading or writing the file failed.
    case io
    /// The page compressor failed.
    case compression
    /// The writer was used after `close()` or after an earlier failure.
    case closed

    public static func describe(_ error: ParquetError) -> String { "parquet \(error.code.rawValue): \(error.messageAndCause)" }
}

/// The one error type of the Parquet module: a code, a message naming what failed, an optional cause.
public typealias ParquetError = ModuleError<ParquetErrorCode>
