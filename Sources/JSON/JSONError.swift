public import ModuleErrors

/// What is wrong with a JSON text.
public enum JSONErrorCode: String, ModuleErrorCode {
    /// The byte offset into the buffer the document was created from.
    public typealias Details = Int

    /// The text ends in the middle of a value (a cut body, an unterminated string or container).
    case unexpectedEnd
    /// A byte that cannot start or continue the expected token (an HTML page, a missing comma).
    case unexpectedCharacter
    /// A raw control character inside a string.
    case invalidString
    /// A backslash escape that JSON does not define, bad hex digits, or an unpaired surrogate.
    case invalidEscape
    /// Bytes that are not well-formed UTF-8.
    case invalidUTF8
    /// A number that breaks the JSON grammar (`01`, `1.`, `-`, `1e`).
    case invalidNumber
    /// Containers nested deeper than `JSONDocument.maximumDepth`.
    case depthLimitExceeded
    /// Non-whitespace after the single top-level value.
    case trailingData
    /// The same key twice in one object (RFC 8259 leaves the meaning open; here it is an error).
    case duplicateKey
    /// An accessor was asked for a type the value does not have (a string read as an integer).
    case typeMismatch
    /// An integer that does not fit the requested type.
    case numberOutOfRange

    public static func describe(_ error: JSONError) -> String { "JSON \(error.code.rawValue) at byte \(error.offset): \(error.message)" }
}

/// A malformed, truncated or mistyped JSON text: what went wrong and at which byte.
public typealias JSONError = ModuleError<JSONErrorCode>

extension ModuleError where Code == JSONErrorCode {
    public init(_ code: JSONErrorCode, _ message: String, offset: Int) {
        self.init(code, message, details: offset)
    }

    /// Byte offset into the buffer the document was created from.
    public var offset: Int { details }

    /// A human-readable rendering of one input byte for messages: `'<'` or `0x0A`.
    static func show(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return "0x" + (hex.count == 1 ? "0" + hex : hex)
    }
}
