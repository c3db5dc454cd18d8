/// Rewrites JSON without insignificant whitespace, keeping everything else byte for byte: key
/// order, duplicate keys, number text and string escapes are exactly as in the input.
public enum JSONCompactor {
    /// Validates `text` (exactly one value plus whitespace) and appends its compact form to `out`.
    public static func compact(_ text: UnsafeRawBufferPointer, into out: inout [UInt8]) throws {
        let document = JSONDocument(text)
        try document.compact(try document.root(), into: &out)
    }

    /// Like `compact(_:into:)` for a top-level object, with the value of its first member `key`
    /// replaced by the JSON text `replacement` (validated, then compacted). Returns false, writing
    /// nothing, when the object has no such member.
    public static func compact(
        _ text: UnsafeRawBufferPointer, replacingMember key: StaticString, with replacement: UnsafeRawBufferPointer,
        into out: inout [UInt8]
    ) throws -> Bool {
        let document = JSONDocument(text)
        let root = try document.root()
        guard let old = try document.member(root, key) else { return false }
        try document.compact(root, replacing: old, with: replacement, into: &out)
        return true
    }
}

extension JSONDocument {
    /// Validates `value` and appends its compact form to `out`.
    public func compact(_ value: JSONValue, into out: inout [UInt8]) throws {
        try validate(value)
        appendStripped(value.start, value.end, into: &out)
    }

    /// Validates `value`, and appends its compact form with the nested value `old` (found inside
    /// `value`, e.g. by `member`) replaced by the JSON text `replacement` (validated and compacted).
    public func compact(
        _ value: JSONValue, replacing old: JSONValue, with replacement: UnsafeRawBufferPointer, into out: inout [UInt8]
    ) throws {
        guard old.start >= value.start && old.end <= value.end else {
            throw JSONError(.unexpectedCharacter, "the value to replace lies outside the value being compacted", offset: old.start)
        }
        try validate(value)
        let inserted = JSONDocument(replacement)
        let insertedRoot = try inserted.root()
        appendStripped(value.start, old.start, into: &out)
        inserted.appendStripped(insertedRoot.start, insertedRoot.end, into: &out)
        appendStripped(old.end, value.end, into: &out)
    }

    /// Appends `from..<to` without whitespace outside strings; `from` must not be inside a string
    /// and the range must already be known to be valid JSON (strings terminated).
    func appendStripped(_ from: Int, _ to: Int, into out: inout [UInt8]) {
        var runStart = from
        var i = from
        while i < to {
            let c = base[i]
            if c == asciiQuote {
                i = (try? skipString(contentStart: i + 1)) ?? to
                if i > to { i = to }
            } else if isJSONWhitespace(c) {
                if i > runStart { out.append(contentsOf: UnsafeRawBufferPointer(start: base + runStart, count: i - runStart)) }
                i += 1
                while i < to && isJSONWhitespace(base[i]) { i += 1 }
                runStart = i
            } else {
                i += 1
            }
        }
        if to > runStart { out.append(contentsOf: UnsafeRawBufferPointer(start: base + runStart, count: to - runStart)) }
    }
}
