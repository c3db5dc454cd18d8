/// An error from zlib or from the deflate data it was given.
public struct ZlibError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        case library
        case corrupt
        case truncated
        case sizeMismatch
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "zlib \(code.rawValue): \(message)" }
}
