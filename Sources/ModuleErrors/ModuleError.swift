/// The codes of one module's errors (`CoreErrorCode`, `ZstdErrorCode`, ...): what failed, in a word
/// the exit status can be decided from.
public protocol ModuleErrorCode: Sendable, Hashable {
    /// What an error of this module carries besides its code, message and cause, for callers to act
    /// on (JSON's byte offset, libcurl's code, the currency a rate lookup failed for). Most have none.
    associatedtype Details: Sendable = Void

    /// How an error of this module reads on stderr and in logs. By default its message, then its
    /// cause in parentheses.
    static func describe(_ error: ModuleError<Self>) -> String
}

extension ModuleErrorCode {
    public static func describe(_ error: ModuleError<Self>) -> String { error.messageAndCause }
}

/// The shape every module's error shares: a code, a message that names what failed, where, and how
/// to fix it, and an optional cause. Each module has its own type (`CoreError`, `ZstdError`,
/// `JSONError`): a distinct specialisation, so `catch let e as LoadError` sees only its own.
public struct ModuleError<Code: ModuleErrorCode>: Error, CustomStringConvertible, Sendable {
    public let code: Code
    public let message: String
    public let cause: (any Error)?
    /// The module's own fields (`Code.Details`); `()` for most modules.
    public let details: Code.Details

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil, details: Code.Details) {
        self.code = code
        self.message = message
        self.cause = cause
        self.details = details
    }

    public var description: String { Code.describe(self) }

    /// The message, then the cause in parentheses when there is one.
    public var messageAndCause: String {
        if let cause { return "\(message) (\(cause))" }
        return message
    }
}

extension ModuleError where Code.Details == Void {
    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.init(code, message, cause: cause, details: ())
    }
}
