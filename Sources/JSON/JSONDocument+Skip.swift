// The fast path: finds where a value ends without validating its contents. Strings are scanned
// eight bytes at a time for '"' and '\'; containers by counting brackets while skipping strings.
// Bounds are always checked, so malformed input throws instead of reading past the buffer.

extension JSONDocument {
    /// The value starting at byte `i` (not whitespace), found by the fast skip: its extent is
    /// known (strings terminated, brackets balanced) but its contents are not validated. For
    /// callers that walk a document's bytes themselves.
    public func skippedValue(at i: Int) throws -> JSONValue {
        try skipValue(at: i)
    }

    /// The value starting at `i` (which must not be whitespace), skipped fast.
    @inline(__always)
    func skipValue(at i: Int) throws -> JSONValue {
        guard i < count else { throw expected("a JSON value", at: i) }
        switch base[i] {
        case asciiQuote:
            return JSONValue(start: i, end: try skipString(contentStart: i + 1), kind: .string)
        case asciiOpenBrace:
            return JSONValue(start: i, end: try skipContainer(at: i), kind: .object)
        case asciiOpenBracket:
            return JSONValue(start: i, end: try skipContainer(at: i), kind: .array)
        case asciiMinus, asciiZero...asciiNine:
            var j = i + 1
            while j < count {
                let c = base[j]
                if isDigit(c) || c == asciiDot || c == 0x65 || c == 0x45 || c == asciiPlus || c == asciiMinus {
                    j += 1
                } else {
                    break
                }
            }
            return JSONValue(start: i, end: j, kind: .number)
        case 0x74: // t
            return JSONValue(start: i, end: try skipLiteral("true", at: i), kind: .bool)
        case 0x66: // f
            return JSONValue(start: i, end: try skipLiteral("false", at: i), kind: .bool)
        case 0x6E: // n
            return JSONValue(start: i, end: try skipLiteral("null", at: i), kind: .null)
        default:
            throw expected("a JSON value", at: i)
        }
    }

    /// Checks the literal at `i` and returns the index after it.
    @inline(__always)
    func skipLiteral(_ literal: StaticString, at i: Int) throws -> Int {
        let n = literal.utf8CodeUnitCount
        let text = literal.utf8Start
        var k = 0
        while k < n {
            guard i + k < count, base[i + k] == text[k] else {
                if i + k >= count {
                    throw JSONError(.unexpectedEnd, "unexpected end of input inside literal '\(literal)'", offset: count)
                }
                throw JSONError(
                    .unexpectedCharacter,
                    "invalid literal: expected '\(literal)', found \(JSONError.show(base[i + k]))", offset: i + k)
            }
            k += 1
        }
        return i + n
    }

    /// `contentStart` is the byte after an opening quote; returns the index after the closing quote.
    @inline(__always)
    func skipString(contentStart: Int) throws -> Int {
        var i = contentStart
        while true {
            while i &+ 8 <= count {
                let w = loadWord(base, i)
                let mask = bytesEqual(w, asciiQuote) | bytesEqual(w, asciiBackslash)
                if mask != 0 {
                    i &+= firstFlaggedByte(mask)
                    break
                }
                i &+= 8
            }
            while i < count {
                let c = base[i]
                if c == asciiQuote { return i + 1 }
                if c == asciiBackslash {
                    i &+= 2
                    break
                }
                i &+= 1
            }
            if i >= count {
                throw JSONError(
                    .unexpectedEnd, "unterminated string starting at byte \(contentStart - 1)", offset: count)
            }
        }
    }

    /// `i` is at '{' or '['; returns the index after the matching closing bracket. Only bracket
    /// balance is checked (`[}` is accepted); `validate`/`root()` catch the rest.
    ///
    /// Byte-wise outside strings (compact JSON's `"key":value,` rhythm predicts well) and eight
    /// bytes at a time inside them. Measured faster than a fully word-at-a-time bracket counter.
    @inline(__always)
    func skipContainer(at i: Int) throws -> Int {
        if let ends {
            // Recorded by this document's validation (JSONParser); checked so a misuse cannot crash.
            let end = Int(ends[i])
            if end > i && end <= count { return end }
        }
        var depth = 1
        var j = i + 1
        while j < count {
            let c = base[j]
            if c == asciiQuote {
                j = try skipString(contentStart: j &+ 1)
            } else if c == asciiOpenBrace || c == asciiOpenBracket {
                depth &+= 1
                j &+= 1
            } else if c == asciiCloseBrace || c == asciiCloseBracket {
                depth &-= 1
                j &+= 1
                if depth == 0 { return j }
            } else {
                j &+= 1
            }
        }
        let what = base[i] == asciiOpenBrace ? "object" : "array"
        throw JSONError(.unexpectedEnd, "unterminated \(what) starting at byte \(i)", offset: count)
    }
}
