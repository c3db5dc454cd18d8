// Accessors: each validates the one value it decodes and allocates only for the String it returns.

extension JSONDocument {
    /// The decoded string (escapes and surrogate pairs resolved); nil for `null`.
    public func string(_ value: JSONValue) throws -> String? {
        switch value.kind {
        case .null: return nil
        case .string: return try decodedString(value.start + 1, value.end - 1)
        default: throw typeMismatch(value, expected: "a string")
        }
    }

    /// A key from `forEachMember`, decoded.
    public func keyString(_ keyStart: Int, _ keyEnd: Int) throws -> String {
        try decodedString(keyStart, keyEnd)
    }

    /// The integer value; nil for `null`. Throws for strings, fractions, exponents and overflow.
    public func int64(_ value: JSONValue) throws -> Int64? {
        switch value.kind {
        case .null: return nil
        case .number: break
        default: throw typeMismatch(value, expected: "an integer")
        }
        let end = try validatedNumber(at: value.start)
        guard end == value.end else {
            throw JSONError(.invalidNumber, "invalid number text", offset: end)
        }
        var i = value.start
        let negative = base[i] == asciiMinus
        if negative { i += 1 }
        var magnitude: UInt64 = 0
        while i < value.end {
            let c = base[i]
            guard isDigit(c) else {
                throw JSONError(.typeMismatch, "expected an integer, found a number with a fraction or exponent", offset: i)
            }
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(c &- asciiZero))
            if o1 || o2 { throw outOfRange(value) }
            magnitude = a
            i += 1
        }
        if negative {
            if magnitude > UInt64(Int64.max) + 1 { throw outOfRange(value) }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        if magnitude > UInt64(Int64.max) { throw outOfRange(value) }
        return Int64(magnitude)
    }

    private func outOfRange(_ value: JSONValue) -> JSONError {
        JSONError(
            .numberOutOfRange,
            "integer \(rawText(value)) does not fit in 64 bits", offset: value.start)
    }

    /// The number as a Double (nearest representable); nil for `null`.
    public func double(_ value: JSONValue) throws -> Double? {
        switch value.kind {
        case .null: return nil
        case .number: break
        default: throw typeMismatch(value, expected: "a number")
        }
        let end = try validatedNumber(at: value.start)
        guard end == value.end else {
            throw JSONError(.invalidNumber, "invalid number text", offset: end)
        }
        // Short texts fit a small String without a heap allocation; parsing is locale-independent.
        guard let d = Double(rawText(value)), d.isFinite else {
            throw JSONError(
                .numberOutOfRange, "number \(rawText(value)) is out of range for a Double",
                offset: value.start)
        }
        return d
    }

    /// The boolean value; nil for `null`.
    public func bool(_ value: JSONValue) throws -> Bool? {
        switch value.kind {
        case .null: return nil
        case .bool: return base[value.start] == 0x74
        default: throw typeMismatch(value, expected: "a boolean")
        }
    }

    @inline(__always)
    public func isNull(_ value: JSONValue) -> Bool { value.kind == .null }

    /// True when `value` is a string whose decoded text equals `literal`.
    @inline(__always)
    public func equals(_ value: JSONValue, _ literal: StaticString) -> Bool {
        guard value.kind == .string else { return false }
        return withUTF8(literal) { rawString(value.start + 1, value.end - 1, equals: $0) }
    }

    /// True when `value` is a string whose decoded text equals the UTF-8 bytes `utf8`.
    public func equals(_ value: JSONValue, utf8: UnsafeRawBufferPointer) -> Bool {
        guard value.kind == .string else { return false }
        return rawString(value.start + 1, value.end - 1, equals: utf8)
    }

    /// True when the key `keyStart..<keyEnd` (from `forEachMember`) decodes to `literal`.
    @inline(__always)
    public func keyEquals(_ keyStart: Int, _ keyEnd: Int, _ literal: StaticString) -> Bool {
        withUTF8(literal) { rawString(keyStart, keyEnd, equals: $0) }
    }

    /// Compares raw (escaped) string content with unescaped UTF-8 `target` without allocating in the
    /// common case. Unescaping never makes text longer, and only a backslash makes it shorter.
    @inline(__always)
    func rawString(_ from: Int, _ to: Int, equals target: UnsafeRawBufferPointer) -> Bool {
        let rawCount = to - from
        let n = target.count
        if rawCount < n { return false }
        guard let t = target.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            return rawCount == 0
        }
        if rawCount == n {
            return bytesMatch(base + from, t, n) && !containsBackslash(t, 0, n)
        }
        if !containsBackslash(base, from, to) { return false }
        return escapedString(from, to, equals: target)
    }

    /// Slow path of `rawString(_:_:equals:)` for text that contains escapes.
    private func escapedString(_ from: Int, _ to: Int, equals target: UnsafeRawBufferPointer) -> Bool {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: to - from) { scratch in
            guard let written = try? unescape(from, to, into: scratch), written == target.count else { return false }
            return bytesMatch(scratch.baseAddress!, target.baseAddress!.assumingMemoryBound(to: UInt8.self), written)
        }
    }

    private func decodedString(_ from: Int, _ to: Int) throws -> String {
        if from >= to { return "" }
        if !containsBackslash(base, from, to) {
            try checkUTF8(from, to)
            return String(decoding: UnsafeRawBufferPointer(start: base + from, count: to - from), as: UTF8.self)
        }
        let decoded = try String(unsafeUninitializedCapacity: to - from) { buffer in
            try unescape(from, to, into: buffer)
        }
        return decoded
    }

    /// Rejects control characters and malformed UTF-8 in an unescaped run (the accessor validates).
    private func checkUTF8(_ from: Int, _ to: Int) throws {
        var i = from
        while i < to {
            let c = base[i]
            if c < 0x20 {
                throw JSONError(.invalidString, "control character \(JSONError.show(c)) in a string must be escaped", offset: i)
            }
            i = c < 0x80 ? i + 1 : try utf8SequenceEnd(at: i, limit: to)
        }
    }

    private func utf8SequenceEnd(at i: Int, limit: Int) throws -> Int {
        let lead = base[i]
        var scalar: Unicode.Scalar?
        var length = 0
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: break
        }
        if length > 0 && i + length <= limit {
            var decoder = UTF8()
            var iterator = UnsafeRawBufferPointer(start: base + i, count: length).makeIterator()
            if case .scalarValue(let s) = decoder.decode(&iterator) { scalar = s }
        }
        guard let s = scalar, UTF8.width(s) == length else {
            throw JSONError(.invalidUTF8, "malformed UTF-8 sequence starting with \(JSONError.show(lead))", offset: i)
        }
        return i + length
    }

    /// Unescapes raw string content into `out` (capacity >= to - from); returns the bytes written.
    func unescape(_ from: Int, _ to: Int, into out: UnsafeMutableBufferPointer<UInt8>) throws -> Int {
        var i = from
        var w = 0
        while i < to {
            let c = base[i]
            if c != asciiBackslash {
                if c < 0x20 {
                    throw JSONError(.invalidString, "control character \(JSONError.show(c)) in a string must be escaped", offset: i)
                }
                if c >= 0x80 {
                    let end = try utf8SequenceEnd(at: i, limit: to)
                    while i < end {
                        out[w] = base[i]
                        w += 1
                        i += 1
                    }
                    continue
                }
                out[w] = c
                w += 1
                i += 1
                continue
            }
            guard i + 1 < to else {
                throw JSONError(.invalidEscape, "string ends inside an escape", offset: i)
            }
            let e = base[i + 1]
            var simple: UInt8 = 0
            switch e {
            case asciiQuote: simple = asciiQuote
            case asciiBackslash: simple = asciiBackslash
            case 0x2F: simple = 0x2F
            case 0x62: simple = 0x08
            case 0x66: simple = 0x0C
            case 0x6E: simple = 0x0A
            case 0x72: simple = 0x0D
            case 0x74: simple = 0x09
            case 0x75: break
            default:
                throw JSONError(.invalidEscape, "invalid escape '\\\(JSONError.show(e))'", offset: i)
            }
            if e != 0x75 {
                out[w] = simple
                w += 1
                i += 2
                continue
            }
            guard i + 6 <= to else { throw JSONError(.invalidEscape, "\\u escape needs four hex digits", offset: i) }
            var scalar = try hexUnit(at: i + 2, escape: i)
            i += 6
            if scalar >= 0xDC00 && scalar <= 0xDFFF {
                throw JSONError(.invalidEscape, "unpaired low surrogate", offset: i - 6)
            }
            if scalar >= 0xD800 && scalar <= 0xDBFF {
                guard i + 6 <= to, base[i] == asciiBackslash, base[i + 1] == 0x75 else {
                    throw JSONError(.invalidEscape, "high surrogate is not followed by a low surrogate", offset: i - 6)
                }
                let low = try hexUnit(at: i + 2, escape: i)
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw JSONError(.invalidEscape, "high surrogate is not followed by a low surrogate", offset: i)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                i += 6
            }
            // Encode the scalar as UTF-8 (at most 4 bytes; the escape took at least 6).
            if scalar < 0x80 {
                out[w] = UInt8(scalar)
                w += 1
            } else if scalar < 0x800 {
                out[w] = UInt8(0xC0 | (scalar >> 6))
                out[w + 1] = UInt8(0x80 | (scalar & 0x3F))
                w += 2
            } else if scalar < 0x10000 {
                out[w] = UInt8(0xE0 | (scalar >> 12))
                out[w + 1] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
                out[w + 2] = UInt8(0x80 | (scalar & 0x3F))
                w += 3
            } else {
                out[w] = UInt8(0xF0 | (scalar >> 18))
                out[w + 1] = UInt8(0x80 | ((scalar >> 12) & 0x3F))
                out[w + 2] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
                out[w + 3] = UInt8(0x80 | (scalar & 0x3F))
                w += 4
            }
        }
        return w
    }
}
