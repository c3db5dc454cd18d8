/// The codes of one module's errors (`CoreErrorCode`, `LoadErrorCode`, ...).
public protocol ModuleErrorCode: Sendable, Hashable {}

/// The shape every stage module's error shares: a code, a message that names what failed and how
/// to fix it, and an optional cause. Each module has its own type (`CoreError`, `LoadError`,
/// `TransformError`): a distinct specialisation, so `catch let e as LoadError` sees only its own.
public struct ModuleError<Code: ModuleErrorCode>: Error, CustomStringConvertible, Sendable {
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
