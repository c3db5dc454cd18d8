/// An error of the transform stage as a whole (per-row problems are rejects, not errors).
public struct TransformError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        /// The raw run is missing, incomplete or does not match its manifest.
        case input
        /// The rates could not be loaded or pinned.
        case rates
        /// More rows were rejected than `transform.max_reject_ratio` allows.
        case tooManyRejects
        /// Writing the staging files failed.
        case output
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
