/// A non-owning, allocation-free view over one JSON text held in memory the caller keeps alive.
///
/// `~Escapable`: a document lives no longer than the bytes it was made from (the buffer variable
/// given to `init`, e.g. a `withUnsafeBytes` closure's argument): the compiler rejects storing it in
/// a property, returning it from that scope or capturing it in an escaping closure. The byte views
/// it hands out (`span`, `bytes`, `stringBytes`) are `Span<UInt8>`s bound to the same bytes: the
/// compiler rejects keeping them past that scope too. Code that must give the bytes to C (memcmp,
/// hashing, zstd) calls the span's `withUnsafeBytes` for exactly that call.
///
/// For hot loops over many texts, `JSONParser` validates once and indexes container ends.
///
/// Which calls validate:
/// - `root()` (and `validate(_:)`, `JSONCompactor`, `compact`) check the FULL grammar: structure,
///   strings (control characters, escapes, surrogate pairs, UTF-8), numbers, literals, depth.
/// - `root(validating: false)` only finds the extent of the top-level value (brackets balanced,
///   strings terminated) and rejects trailing data; it is the fast path for trusted NDJSON.
/// - Navigation (`member`, `members`, `forEachMember`, `forEachElement`) checks the syntax of the
///   level it walks (quotes, colons, commas, brackets, literals) and skips nested values fast:
///   nested values are only bracket-balanced, not validated.
/// - Accessors (`string`, `int64`, `double`, `bool`) fully validate the one value they decode.
/// - `bytes`, `stringBytes`, `isNull`, `equals`, `keyEquals` never throw and validate nothing.
/// Nothing ever reads outside the buffer, crashes or loops on malformed input: it throws `JSONError`.
public struct JSONDocument: ~Escapable {
    /// Containers nested deeper than this are rejected by the validating calls.
    public static let maximumDepth = 256

    @usableFromInline let base: UnsafePointer<UInt8>
    @usableFromInline let count: Int
    /// Container ends recorded by validation, indexed by a container's first byte (documents made
    /// by `JSONParser` only; the document borrows the parser's index).
    let ends: UnsafeMutablePointer<Int32>?

    /// A document over `bytes`; it cannot outlive the variable `bytes` (see the type's documentation).
    @_lifetime(borrow bytes)
    public init(_ bytes: UnsafeRawBufferPointer) {
        (base, count) = Self.start(bytes)
        ends = nil
    }

    /// A document over `bytes` that records and uses container ends in `endIndex` (at least
    /// `bytes.count` entries).
    @_lifetime(borrow bytes, borrow endIndex)
    init(_ bytes: UnsafeRawBufferPointer, endIndex: borrowing JSONParser.EndIndex) {
        (base, count) = Self.start(bytes)
        ends = endIndex.ends
    }

    private static func start(_ bytes: UnsafeRawBufferPointer) -> (UnsafePointer<UInt8>, Int) {
        guard let address = bytes.baseAddress, bytes.count > 0 else { return (UnsafePointer(emptyByte), 0) }
        return (address.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    /// The whole text, as given to `init`; it lives no longer than those bytes (like the document).
    public var span: Span<UInt8> {
        @_lifetime(copy self)
        @inlinable @inline(__always)
        get {
            let whole = unsafe Span(_unsafeStart: base, count: count)
            return unsafe _overrideLifetime(whole, copying: self)
        }
    }

    /// The single top-level value; the text must be exactly one value plus optional whitespace.
    /// Validates the whole text when `validating` (the default); see the type's documentation.
    public func root(validating: Bool = true) throws -> JSONValue {
        let start = skipWhitespace(0)
        if start >= count {
            throw JSONError(.unexpectedEnd, "empty input: expected a JSON value", offset: count)
        }
        let value = validating ? try validatedValue(at: start, depth: 0) : try skipValue(at: start)
        let after = skipWhitespace(value.end)
        if after < count {
            throw JSONError(
                .trailingData,
                "unexpected \(JSONError.show(base[after])) after the JSON value that ends at byte \(value.end)",
                offset: after)
        }
        return value
    }

    /// Fully validates one value (normally found by fast navigation) without decoding it.
    public func validate(_ value: JSONValue) throws {
        let checked = try validatedValue(at: value.start, depth: 0)
        if checked.end != value.end {
            throw JSONError(.unexpectedCharacter, "value does not end where it was found to end", offset: checked.end)
        }
    }

    /// The value of the first member named `key`, or nil when the object has no such member.
    @inline(__always)
    public func member(_ object: JSONValue, _ key: StaticString) throws -> JSONValue? {
        try withUTF8(key) { target in
            try member(object, utf8: target)
        }
    }

    /// The value of the first member whose (unescaped) name is `key`, or nil.
    @inline(__always)
    public func member(_ object: JSONValue, key: [UInt8]) throws -> JSONValue? {
        try key.withUnsafeBytes { try member(object, utf8: $0) }
    }

    /// The value of the first member whose (unescaped) name equals the UTF-8 bytes `utf8`, or nil.
    public func member(_ object: JSONValue, utf8 target: UnsafeRawBufferPointer) throws -> JSONValue? {
        var found: JSONValue?
        try walkObject(object) { keyStart, keyEnd, value in
            if rawString(keyStart, keyEnd, equals: target) {
                found = value
                return false
            }
            return true
        }
        return found
    }

    /// Calls `body` for every member in order. `keyStart..<keyEnd` is the key's raw (still escaped)
    /// text between its quotes; compare it with `keyEquals` or decode it with `keyString`.
    public func forEachMember(
        _ object: JSONValue, _ body: (_ keyStart: Int, _ keyEnd: Int, _ value: JSONValue) throws -> Void
    ) throws {
        try walkObject(object) { keyStart, keyEnd, value in
            try body(keyStart, keyEnd, value)
            return true
        }
    }

    /// Calls `body` for every element of an array, in order.
    public func forEachElement(_ array: JSONValue, _ body: (JSONValue) throws -> Void) throws {
        try walkArray(array) { value in
            try body(value)
            return true
        }
    }

    /// Number of elements of an array (walks it once).
    public func elementCount(_ array: JSONValue) throws -> Int {
        var n = 0
        try walkArray(array) { _ in
            n += 1
            return true
        }
        return n
    }

    /// Looks up many members in ONE pass over the object: afterwards `values[i]` holds the value of
    /// `keys` entry i (first occurrence) or nil. `values` is resized to `keys.count`, so passing the
    /// same array every time allocates nothing. Stops early once every key has been found.
    public func members(_ object: JSONValue, _ keys: JSONKeySet, into values: inout [JSONValue?]) throws {
        if values.count != keys.count {
            values = [JSONValue?](repeating: nil, count: keys.count)
        } else {
            for i in values.indices { values[i] = nil }
        }
        if keys.count == 0 {
            try walkObject(object) { _, _, _ in false }
            return
        }
        var remaining = keys.count
        try values.withUnsafeMutableBufferPointer { slots in
            try walkObject(object) { keyStart, keyEnd, value in
                if let index = keys.index(ofRawKey: base, keyStart, keyEnd), slots[index] == nil {
                    slots[index] = value
                    remaining -= 1
                    return remaining > 0
                }
                return true
            }
        }
    }

    /// The raw text of a value (strings include their quotes). Traps when `value` does not lie
    /// inside this document (a value found in another document).
    @_lifetime(copy self)
    @inlinable @inline(__always)
    public func bytes(_ value: JSONValue) -> Span<UInt8> {
        span.extracting(value.start..<value.end)
    }

    /// The raw, still-escaped bytes between a string's quotes; empty for values that are not strings.
    @_lifetime(copy self)
    @inlinable @inline(__always)
    public func stringBytes(_ value: JSONValue) -> Span<UInt8> {
        guard value.kind == .string else { return span.extracting(0..<0) }
        return span.extracting((value.start + 1)..<(value.end - 1))
    }

    /// The raw text of a value as a String (for messages; invalid UTF-8 is repaired).
    func rawText(_ value: JSONValue) -> String {
        String(decoding: UnsafeBufferPointer(start: base + value.start, count: value.end - value.start), as: UTF8.self)
    }

    @inline(__always)
    func skipWhitespace(_ from: Int) -> Int {
        var i = from
        while i < count && isJSONWhitespace(base[i]) { i &+= 1 }
        return i
    }

    /// The error for a missing token at `i`: unexpected end, or the byte found instead.
    func expected(_ what: String, at i: Int) -> JSONError {
        if i >= count {
            return JSONError(.unexpectedEnd, "unexpected end of input, expected \(what)", offset: count)
        }
        return JSONError(.unexpectedCharacter, "expected \(what), found \(JSONError.show(base[i]))", offset: i)
    }

    func typeMismatch(_ value: JSONValue, expected what: String) -> JSONError {
        JSONError(.typeMismatch, "expected \(what), found \(value.kind)", offset: value.start)
    }

    /// Walks an object's members; `body` returns false to stop.
    @inline(__always)
    func walkObject(_ object: JSONValue, _ body: (Int, Int, JSONValue) throws -> Bool) throws {
        guard object.kind == .object else { throw typeMismatch(object, expected: "an object") }
        var i = skipWhitespace(object.start + 1)
        if i < count && base[i] == asciiCloseBrace { return }
        while true {
            guard i < count && base[i] == asciiQuote else { throw expected("a string key or '}'", at: i) }
            let keyStart = i + 1
            let keyEnd = try skipString(contentStart: keyStart) - 1
            i = keyEnd + 1
            if i < count && base[i] == asciiColon {
                i += 1
            } else {
                i = skipWhitespace(i)
                guard i < count && base[i] == asciiColon else { throw expected("':' after an object key", at: i) }
                i += 1
            }
            i = skipWhitespace(i)
            let value = try skipValue(at: i)
            if try !body(keyStart, keyEnd, value) { return }
            i = skipWhitespace(value.end)
            guard i < count else { throw expected("',' or '}'", at: i) }
            let c = base[i]
            if c == asciiComma {
                i = skipWhitespace(i + 1)
            } else if c == asciiCloseBrace {
                return
            } else {
                throw expected("',' or '}'", at: i)
            }
        }
    }

    /// Walks an array's elements; `body` returns false to stop.
    @inline(__always)
    func walkArray(_ array: JSONValue, _ body: (JSONValue) throws -> Bool) throws {
        guard array.kind == .array else { throw typeMismatch(array, expected: "an array") }
        var i = skipWhitespace(array.start + 1)
        if i < count && base[i] == asciiCloseBracket { return }
        while true {
            let value = try skipValue(at: i)
            if try !body(value) { return }
            i = skipWhitespace(value.end)
            guard i < count else { throw expected("',' or ']'", at: i) }
            let c = base[i]
            if c == asciiComma {
                i = skipWhitespace(i + 1)
            } else if c == asciiCloseBracket {
                return
            } else {
                throw expected("',' or ']'", at: i)
            }
        }
    }
}

/// Stands in for the base address of an empty buffer; never read (count is 0).
/// `nonisolated(unsafe)`: initialised once (a lazy global), never written or read through afterwards.
nonisolated(unsafe) private let emptyByte: UnsafeMutablePointer<UInt8> = {
    let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 8)
    p.initialize(repeating: 0, count: 8)
    return p
}()
