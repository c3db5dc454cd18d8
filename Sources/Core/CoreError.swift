/// An error from the shared core: configuration, files, manifests and schemas.
public struct CoreError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        /// A pipeline file or command line that is wrong; exit code 64.
        case configuration
        /// A schema file that is missing or malformed.
        case schema
        /// A run directory that is missing, incomplete or inconsistent.
        case incompleteRun
        /// Reading or writing a file failed.
        case io
        /// Another process holds the pipeline's lock.
        case locked
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
