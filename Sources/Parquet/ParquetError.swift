/// The one error type of the Parquet module: a code, a message naming what failed, an optional cause.
public struct ParquetError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
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
    }

    public let code: Code
    public let message: String
    public let cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause { return "parquet \(code.rawValue): \(message) (\(cause))" }
        return "parquet \(code.rawValue): \(message)"
    }
}
