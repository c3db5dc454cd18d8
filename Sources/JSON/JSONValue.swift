/// The JSON type of a value, known from its first byte.
public enum JSONKind: Sendable, Equatable {
    case object, array, string, number, bool, null
}

/// One value inside a `JSONDocument`: a byte range of the document's buffer.
///
/// `start` is the first byte of the value and `end` is one past its last byte; for strings the range
/// includes both quotes. Values are only made by `JSONDocument` and are meaningful only for the
/// document (the buffer) they came from.
public struct JSONValue: Sendable, Equatable {
    public let start: Int
    public let end: Int
    public let kind: JSONKind

    /// A value covering `start..<end` of a document whose kind is `kind`. Navigation makes these;
    /// code that scans a document's bytes itself (single-pass extractors) may make them too, and is
    /// then responsible for the range being one complete value of that kind.
    @inline(__always)
    public init(start: Int, end: Int, kind: JSONKind) {
        self.start = start
        self.end = end
        self.kind = kind
    }

    /// Number of bytes of the raw value text.
    public var count: Int { end - start }
}
