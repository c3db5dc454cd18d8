// The strict path (RFC 8259): every byte of the value is checked. Recursion depth is bounded by
// `maximumDepth`, so hostile nesting throws instead of exhausting the stack.

extension JSONDocument {
    /// Validates the value starting at `i` (not whitespace) and returns its range and kind.
    func validatedValue(at i: Int, depth: Int) throws -> JSONValue {
        guard i < count else { throw expected("a JSON value", at: i) }
        switch base[i] {
        case asciiQuote:
            return JSONValue(start: i, end: try validatedString(contentStart: i + 1), kind: .string)
        case asciiOpenBrace:
            return JSONValue(start: i, end: try validatedObject(at: i, depth: depth + 1), kind: .object)
        case asciiOpenBracket:
            return JSONValue(start: i, end: try validatedArray(at: i, depth: depth + 1), kind: .array)
        case asciiMinus, asciiZero...asciiNine:
            return JSONValue(start: i, end: try validatedNumber(at: i), kind: .number)
        case 0x74:
            return JSONValue(start: i, end: try skipLiteral("true", at: i), kind: .bool)
        case 0x66:
            return JSONValue(start: i, end: try skipLiteral("false", at: i), kind: .bool)
        case 0x6E:
            return JSONValue(start: i, end: try skipLiteral("null", at: i), kind: .null)
        default:
            throw expected("a JSON value", at: i)
        }
    }

    @inline(__always)
    private func recordEnd(_ start: Int, _ end: Int) {
        if let ends { ends[start] = Int32(truncatingIfNeeded: end) }
    }

    private func checkDepth(_ depth: Int, at i: Int) throws {
        if depth > JSONDocument.maximumDepth {
            throw JSONError(
                .depthLimitExceeded, "containers nested deeper than \(JSONDocument.maximumDepth) levels", offset: i)
        }
    }

    private func validatedObject(at start: Int, depth: Int) throws -> Int {
        try checkDepth(depth, at: start)
        var i = skipWhitespace(start + 1)
        if i < count && base[i] == asciiCloseBrace {
            recordEnd(start, i + 1)
            return i + 1
        }
        while true {
            guard i < count && base[i] == asciiQuote else { throw expected("a string key or '}'", at: i) }
            i = skipWhitespace(try validatedString(contentStart: i + 1))
            guard i < count && base[i] == asciiColon else { throw expected("':' after an object key", at: i) }
            i = skipWhitespace(i + 1)
            i = skipWhitespace(try validatedValue(at: i, depth: depth).end)
            if try !nextItem(&i, closing: asciiCloseBrace, name: "'}'") {
                recordEnd(start, i)
                return i
            }
        }
    }

    /// After a member or element: past a ',' and its whitespace (true), or past `closing` (false).
    @inline(__always)
    private func nextItem(_ i: inout Int, closing: UInt8, name: StaticString) throws -> Bool {
        guard i < count else { throw expected("',' or \(name)", at: i) }
        if base[i] == asciiComma {
            i = skipWhitespace(i + 1)
            return true
        }
        guard base[i] == closing else { throw expected("',' or \(name)", at: i) }
        i += 1
        return false
    }

    private func validatedArray(at start: Int, depth: Int) throws -> Int {
        try checkDepth(depth, at: start)
        var i = skipWhitespace(start + 1)
        if i < count && base[i] == asciiCloseBracket {
            recordEnd(start, i + 1)
            return i + 1
        }
        while true {
            i = skipWhitespace(try validatedValue(at: i, depth: depth).end)
            if try !nextItem(&i, closing: asciiCloseBracket, name: "']'") {
                recordEnd(start, i)
                return i
            }
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`; returns the index after the number.
    func validatedNumber(at start: Int) throws -> Int {
        var i = start
        if base[i] == asciiMinus { i += 1 }
        guard i < count, isDigit(base[i]) else { throw numberError("expected a digit", at: i, start: start) }
        if base[i] == asciiZero {
            i += 1
            if i < count && isDigit(base[i]) {
                throw numberError("leading zeros are not allowed", at: i, start: start)
            }
        } else {
            while i < count && isDigit(base[i]) { i += 1 }
        }
        if i < count && base[i] == asciiDot {
            i += 1
            guard i < count, isDigit(base[i]) else {
                throw numberError("expected a digit after the decimal point", at: i, start: start)
            }
            while i < count && isDigit(base[i]) { i += 1 }
        }
        if i < count && (base[i] == 0x65 || base[i] == 0x45) {
            i += 1
            if i < count && (base[i] == asciiPlus || base[i] == asciiMinus) { i += 1 }
            guard i < count, isDigit(base[i]) else {
                throw numberError("expected a digit in the exponent", at: i, start: start)
            }
            while i < count && isDigit(base[i]) { i += 1 }
        }
        return i
    }

    private func numberError(_ what: String, at i: Int, start: Int) -> JSONError {
        let found = i < count ? "found \(JSONError.show(base[i]))" : "found the end of input"
        return JSONError(.invalidNumber, "invalid number starting at byte \(start): \(what), \(found)", offset: i)
    }

    /// `contentStart` is the byte after the opening quote; returns the index after the closing quote.
    func validatedString(contentStart: Int) throws -> Int {
        var i = contentStart
        while true {
            while i &+ 8 <= count {
                let w = loadWord(base, i)
                let mask =
                    bytesEqual(w, asciiQuote) | bytesEqual(w, asciiBackslash) | bytesBelowSpace(w)
                    | nonASCIIBytes(w)
                if mask != 0 {
                    i &+= firstFlaggedByte(mask)
                    break
                }
                i &+= 8
            }
            guard i < count else {
                throw JSONError(.unexpectedEnd, "unterminated string starting at byte \(contentStart - 1)", offset: count)
            }
            let c = base[i]
            if c == asciiQuote {
                return i + 1
            } else if c == asciiBackslash {
                i = try validatedEscape(at: i)
            } else if c < 0x20 {
                throw JSONError(
                    .invalidString, "control character \(JSONError.show(c)) in a string must be escaped", offset: i)
            } else if c >= 0x80 {
                i = try validatedUTF8(at: i)
            } else {
                i += 1
            }
        }
    }

    /// `i` is at a backslash; returns the index after the escape (both halves of a surrogate pair).
    private func validatedEscape(at i: Int) throws -> Int {
        guard i + 1 < count else {
            throw JSONError(.unexpectedEnd, "unexpected end of input inside an escape", offset: count)
        }
        switch base[i + 1] {
        case asciiQuote, asciiBackslash, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: // " \ / b f n r t
            return i + 2
        case 0x75: // u
            let unit = try hexUnit(at: i + 2, escape: i)
            if unit >= 0xDC00 && unit <= 0xDFFF {
                throw JSONError(.invalidEscape, "unpaired low surrogate \\u\(hex4(unit))", offset: i)
            }
            if unit >= 0xD800 && unit <= 0xDBFF {
                guard i + 7 < count, base[i + 6] == asciiBackslash, base[i + 7] == 0x75 else {
                    throw JSONError(.invalidEscape, "high surrogate \\u\(hex4(unit)) is not followed by a low surrogate", offset: i)
                }
                let low = try hexUnit(at: i + 8, escape: i + 6)
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw JSONError(.invalidEscape, "high surrogate \\u\(hex4(unit)) is not followed by a low surrogate", offset: i + 6)
                }
                return i + 12
            }
            return i + 6
        default:
            throw JSONError(.invalidEscape, "invalid escape '\\\(JSONError.show(base[i + 1]))'", offset: i)
        }
    }

    /// The four hex digits at `i` (the escape's backslash is at `escape`).
    func hexUnit(at i: Int, escape: Int) throws -> UInt32 {
        var unit: UInt32 = 0
        for k in 0..<4 {
            guard i + k < count else {
                throw JSONError(.unexpectedEnd, "unexpected end of input inside the \\u escape at byte \(escape)", offset: count)
            }
            guard let digit = hexValue(base[i + k]) else {
                throw JSONError(
                    .invalidEscape, "\\u escape at byte \(escape) needs four hex digits, found \(JSONError.show(base[i + k]))",
                    offset: i + k)
            }
            unit = unit << 4 | digit
        }
        return unit
    }

    private func hex4(_ unit: UInt32) -> String {
        let s = String(unit, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }

    /// `i` is at a byte >= 0x80; returns the index after one well-formed UTF-8 sequence.
    private func validatedUTF8(at i: Int) throws -> Int {
        let lead = base[i]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default:
            throw JSONError(.invalidUTF8, "byte \(JSONError.show(lead)) cannot start a UTF-8 sequence", offset: i)
        }
        guard i + length <= count else {
            throw JSONError(.unexpectedEnd, "unexpected end of input inside a UTF-8 sequence", offset: count)
        }
        let second = base[i + 1]
        guard second >= low && second <= high else {
            throw JSONError(.invalidUTF8, "invalid UTF-8 continuation byte \(JSONError.show(second))", offset: i + 1)
        }
        var k = 2
        while k < length {
            let b = base[i + k]
            guard b & 0xC0 == 0x80 else {
                throw JSONError(.invalidUTF8, "invalid UTF-8 continuation byte \(JSONError.show(b))", offset: i + k)
            }
            k += 1
        }
        return i + length
    }
}
