/// The one error type of the load stage: a code, a message naming the table, file and line, an optional cause.
public struct LoadError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        /// The staging run is missing, incomplete, or does not match its manifest or the schemas.
        case staging
        /// A staging row does not follow the row encoding of its schema.
        case badRow
        /// Writing, linking or publishing warehouse files failed.
        case io
        /// Options that cannot work (unknown table, unsupported partitioning).
        case configuration
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
        if let cause { return "\(message) (\(cause))" }
        return message
    }
}
