/// An error from the zstd library or from a zstd file.
public struct ZstdError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        case library
        case io
        case truncated
        case corrupt
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "zstd \(code.rawValue): \(message)" }
}
