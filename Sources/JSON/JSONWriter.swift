/// Builds compact JSON straight into a byte buffer (no intermediate Strings). Commas and colons
/// are inserted automatically; the caller is responsible for balanced begin/end calls.
///
///     var w = JSONWriter()
///     w.beginObject(); w.key("id"); w.string("in_1"); w.key("amount"); w.int64(1200); w.endObject()
///     w.newline()   // NDJSON row separator
public struct JSONWriter {
    /// The output so far. Take it, or clear it with `reset()` to reuse the capacity.
    public var bytes: [UInt8]
    /// Whether the next value, key or container needs a preceding comma. It holds for the
    /// innermost open container only, which is enough: closing a container always leaves the
    /// parent right after a value.
    private var needsComma = false

    public init(capacity: Int = 1024) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Empties the buffer, keeping its capacity.
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        needsComma = false
    }

    @inline(__always)
    private mutating func separate() {
        if needsComma { bytes.append(asciiComma) }
    }

    public mutating func beginObject() {
        separate()
        bytes.append(asciiOpenBrace)
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(asciiCloseBrace)
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(asciiOpenBracket)
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(asciiCloseBracket)
        needsComma = true
    }

    /// Writes `"name":` (escaped as needed).
    public mutating func key(_ name: StaticString) {
        separate()
        withUTF8(name) { appendQuoted($0) }
        bytes.append(asciiColon)
        needsComma = false
    }

    public mutating func key(_ name: String) {
        separate()
        var name = name
        name.withUTF8 { appendQuoted(UnsafeRawBufferPointer($0)) }
        bytes.append(asciiColon)
        needsComma = false
    }

    /// Writes a key whose raw, already-escaped text is `escaped` (e.g. from `forEachMember`).
    public mutating func key(escaped: UnsafeRawBufferPointer) {
        separate()
        bytes.append(asciiQuote)
        bytes.append(contentsOf: escaped)
        bytes.append(asciiQuote)
        bytes.append(asciiColon)
        needsComma = false
    }

    /// Writes a string value, escaping `"`, `\` and control characters.
    public mutating func string(_ value: String) {
        separate()
        var value = value
        value.withUTF8 { appendQuoted(UnsafeRawBufferPointer($0)) }
        needsComma = true
    }

    /// Writes a string value from unescaped UTF-8 bytes.
    public mutating func string(utf8: UnsafeRawBufferPointer) {
        separate()
        appendQuoted(utf8)
        needsComma = true
    }

    /// Writes a string value whose raw, already-escaped text is `escaped` (from
    /// `JSONDocument.stringBytes`), so copying a string from input to output is a memcpy.
    public mutating func string(escaped: UnsafeRawBufferPointer) {
        separate()
        bytes.append(asciiQuote)
        bytes.append(contentsOf: escaped)
        bytes.append(asciiQuote)
        needsComma = true
    }

    public mutating func int64(_ value: Int64) {
        separate()
        appendDecimal(value)
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separate()
        if value {
            bytes.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
        } else {
            bytes.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
        }
        needsComma = true
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        needsComma = true
    }

    /// Inserts one complete, compact JSON value verbatim (not validated: e.g. `JSONDocument.bytes`
    /// of a value from a validated document, or a number text).
    public mutating func raw(_ json: UnsafeRawBufferPointer) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    public mutating func raw(_ json: [UInt8]) {
        json.withUnsafeBytes { raw($0) }
    }

    /// Ends an NDJSON line: appends `\n` and starts the next top-level value.
    public mutating func newline() {
        bytes.append(asciiNewline)
        needsComma = false
    }

    private mutating func appendQuoted(_ utf8: UnsafeRawBufferPointer) {
        bytes.append(asciiQuote)
        var runStart = 0
        var i = 0
        let n = utf8.count
        while i < n {
            let c = utf8[i]
            if c >= 0x20 && c != asciiQuote && c != asciiBackslash {
                i += 1
                continue
            }
            if i > runStart { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: utf8[runStart..<i])) }
            bytes.append(asciiBackslash)
            switch c {
            case asciiQuote: bytes.append(asciiQuote)
            case asciiBackslash: bytes.append(asciiBackslash)
            case 0x0A: bytes.append(0x6E)
            case 0x0D: bytes.append(0x72)
            case 0x09: bytes.append(0x74)
            case 0x08: bytes.append(0x62)
            case 0x0C: bytes.append(0x66)
            default:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x75, 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0xF)]])
            }
            i += 1
            runStart = i
        }
        if n > runStart { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: utf8[runStart..<n])) }
        bytes.append(asciiQuote)
    }

    private mutating func appendDecimal(_ value: Int64) {
        var magnitude = value.magnitude
        if value < 0 { bytes.append(asciiMinus) }
        var digits = 1
        var probe = magnitude
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        let end = bytes.count + digits
        bytes.append(contentsOf: repeatElement(asciiZero, count: digits))
        bytes.withUnsafeMutableBufferPointer { out in
            var k = end - 1
            repeat {
                out[k] = asciiZero + UInt8(magnitude % 10)
                magnitude /= 10
                k -= 1
            } while magnitude > 0
        }
    }
}
