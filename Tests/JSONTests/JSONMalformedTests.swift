import JSON
import ModuleErrors
import Testing

@Suite struct JSONMalformedTests {
    struct Case: CustomStringConvertible, Sendable {
        let text: [UInt8]
        let code: JSONErrorCode
        let offset: Int
        init(_ text: String, _ code: JSONErrorCode, _ offset: Int) {
            self.init(bytes: Array(text.utf8), code, offset)
        }
        init(bytes: [UInt8], _ code: JSONErrorCode, _ offset: Int) {
            self.text = bytes
            self.code = code
            self.offset = offset
        }
        var description: String { String(decoding: text, as: UTF8.self) }
    }

    static let cases: [Case] = [
        Case("<html><body>Bad Gateway</body></html>", .unexpectedCharacter, 0),
        Case("", .unexpectedEnd, 0),
        Case("  \n ", .unexpectedEnd, 4),
        Case(#"{"a": 1"#, .unexpectedEnd, 7),
        Case(#"{"a": 1, "b": [1, 2"#, .unexpectedEnd, 19),
        Case(#"{"a: 1}"#, .unexpectedEnd, 7),
        Case(#"{"a": "x}"#, .unexpectedEnd, 9),
        Case(#"{"a": 1} x"#, .trailingData, 9),
        Case(#"{"a": 1}}"#, .trailingData, 8),
        Case(#"[1] [2]"#, .trailingData, 4),
        Case("\"a\nb\"", .invalidString, 2),
        Case("\"tab\there\"", .invalidString, 4),
        Case(#""\x""#, .invalidEscape, 1),
        Case(#""\u12G4""#, .invalidEscape, 5),
        Case(#""\u12""#, .invalidEscape, 5),
        Case(#""\ud800""#, .invalidEscape, 1),
        Case(#""\udc00""#, .invalidEscape, 1),
        Case(#""\ud800\u0041""#, .invalidEscape, 7),
        Case(#""\"#, .unexpectedEnd, 2),
        Case("01", .invalidNumber, 1),
        Case("[-01]", .invalidNumber, 3),
        Case("1.", .invalidNumber, 2),
        Case("[1.]", .invalidNumber, 3),
        Case("-", .invalidNumber, 1),
        Case("1e", .invalidNumber, 2),
        Case("1e+", .invalidNumber, 3),
        Case(".5", .unexpectedCharacter, 0),
        Case("+1", .unexpectedCharacter, 0),
        Case("[1,]", .unexpectedCharacter, 3),
        Case("[1 2]", .unexpectedCharacter, 3),
        Case("{,}", .unexpectedCharacter, 1),
        Case(#"{"a" 1}"#, .unexpectedCharacter, 5),
        Case(#"{"a":1,}"#, .unexpectedCharacter, 7),
        Case(#"{a:1}"#, .unexpectedCharacter, 1),
        Case("[}", .unexpectedCharacter, 1),
        Case("{]", .unexpectedCharacter, 1),
        Case("tru", .unexpectedEnd, 3),
        Case("nul1", .unexpectedCharacter, 3),
        Case("True", .unexpectedCharacter, 0),
        Case("'a'", .unexpectedCharacter, 0),
        Case("NaN", .unexpectedCharacter, 0),
        Case(bytes: [0x22, 0xFF, 0x22], .invalidUTF8, 1),
        Case(bytes: [0x22, 0xC3, 0x22], .invalidUTF8, 2),
        Case(bytes: [0x22, 0xED, 0xA0, 0x80, 0x22], .invalidUTF8, 2), // UTF-8 encoded surrogate
        Case(bytes: [0x22, 0xC0, 0xAF, 0x22], .invalidUTF8, 1), // overlong
        Case(bytes: [0x22, 0xE2, 0x82], .unexpectedEnd, 3),
        Case(bytes: [0x5B, 0x31, 0x00, 0x5D], .unexpectedCharacter, 2)
    ]

    @Test(arguments: cases)
    func rejectsWithCodeAndOffset(_ c: Case) {
        let error = withDocument(c.text) { doc in jsonError { _ = try doc.root() } }
        #expect(error?.code == c.code, "\(c)")
        #expect(error?.offset == c.offset, "\(c): \(String(describing: error))")
        var out: [UInt8] = []
        let compactError = c.text.withUnsafeBytes { bytes in jsonError { try JSONCompactor.compact(bytes, into: &out) } }
        #expect(compactError?.description == error?.description)
    }

    @Test func errorDescriptionSaysWhatAndWhere() {
        let error = withDocument("<html>") { doc in jsonError { _ = try doc.root() } }
        #expect(error?.description == "JSON unexpectedCharacter at byte 0: expected a JSON value, found '<'")
    }

    /// A body cut at any byte throws (in both modes), never crashes, and points inside the text.
    @Test func everyTruncationThrows() throws {
        var r = SeededRandom(state: 7)
        let page =
            "{\"object\": \"list\", \"data\": [" + (0..<6).map { _ in randomJSON(&r) }.joined(separator: ", ")
            + "], \"has_more\": true, \"url\": \"/v1/invoices\", \"n\": -12.5e3, \"ok\": true}"
        let bytes = Array(page.utf8)
        try withDocument(bytes) { doc in _ = try doc.root() }
        for cut in 0..<bytes.count {
            let prefix = Array(bytes[0..<cut])
            for validating in [true, false] {
                let error = withDocument(prefix) { doc in jsonError { _ = try doc.root(validating: validating) } }
                #expect(error != nil, "cut at \(cut)")
                #expect((error?.offset ?? -1) <= cut && (error?.offset ?? -1) >= 0, "cut at \(cut)")
            }
        }
    }

    /// Random byte damage: the validating path either accepts text JSONSerialization also accepts,
    /// or throws; the fast path and navigation never crash or hang.
    @Test func survivesRandomCorruption() throws {
        var r = SeededRandom(state: 99)
        let alphabet = Array("{}[]\",:\\ 0-1.eEtrufalsn\u{0}\n".utf8) + [0xC3, 0xFF]
        for _ in 0..<1500 {
            var bytes = Array(randomJSON(&r).utf8)
            if bytes.isEmpty { continue }
            for _ in 0..<(1 + r.below(3)) {
                let at = r.below(bytes.count)
                switch r.below(3) {
                case 0: bytes[at] = alphabet[r.below(alphabet.count)]
                case 1: bytes.remove(at: at)
                default: bytes.insert(alphabet[r.below(alphabet.count)], at: at)
                }
                if bytes.isEmpty { break }
            }
            withDocument(bytes) { doc in
                // Numbers like 9e999 are valid JSON that neither Double nor Foundation can hold.
                if let root = try? doc.root(), let ours = try? canonicalValue(doc, root) {
                    #expect((try? foundationCanon(bytes)) == ours, "\(String(decoding: bytes, as: UTF8.self))")
                }
                if let root = try? doc.root(validating: false) {
                    _ = try? walkEverything(doc, root)
                }
            }
        }
    }

    private func walkEverything(_ doc: JSONDocument, _ value: JSONValue) throws {
        switch value.kind {
        case .object: try doc.forEachMember(value) { _, _, v in try walkEverything(doc, v) }
        case .array: try doc.forEachElement(value) { try walkEverything(doc, $0) }
        case .string: _ = try? doc.string(value)
        case .number: _ = try? doc.int64(value); _ = try? doc.double(value)
        case .bool, .null: _ = try doc.bool(value)
        }
    }
}
