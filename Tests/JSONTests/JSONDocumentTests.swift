import Foundation
import JSON
import ModuleErrors
import Testing

@Suite struct JSONDocumentTests {
    @Test func navigatesAndDecodesScalars() throws {
        let text = """
            {"id": "in_1", "amount": -1200, "paid": true, "void": false, "tax": null,
             "rate": 1.25, "lines": {"data": [{"id": "il_1"}, {"id": "il_2"}], "has_more": false}}
            """
        try withDocument(text) { doc in
            let root = try doc.root()
            #expect(root.kind == .object)
            #expect(try doc.string(try #require(try doc.member(root, "id"))) == "in_1")
            #expect(try doc.int64(try #require(try doc.member(root, "amount"))) == -1200)
            #expect(try doc.bool(try #require(try doc.member(root, "paid"))) == true)
            #expect(try doc.bool(try #require(try doc.member(root, "void"))) == false)
            let tax = try #require(try doc.member(root, "tax"))
            #expect(doc.isNull(tax) == true)
            #expect(try doc.int64(tax) == nil)
            #expect(try doc.string(tax) == nil)
            #expect(try doc.double(try #require(try doc.member(root, "rate"))) == 1.25)
            #expect(try doc.member(root, "missing") == nil)
            #expect(try doc.member(root, key: Array("amount".utf8)).map { doc.bytes($0).count } == 5)
            let lines = try #require(try doc.member(root, "lines"))
            let data = try #require(try doc.member(lines, "data"))
            var ids: [String] = []
            try doc.forEachElement(data) { line in
                let id = try #require(try doc.member(line, "id"))
                #expect(doc.equals(id, ids.isEmpty ? "il_1" : "il_2") == true)
                ids.append(try doc.string(id) ?? "")
            }
            #expect(ids == ["il_1", "il_2"])
            #expect(try doc.elementCount(data) == 2)
            let id = try #require(try doc.member(root, "id"))
            #expect(copied(doc.stringBytes(id)) == Array("in_1".utf8))
            #expect(copied(doc.bytes(id)) == Array("\"in_1\"".utf8))
            #expect(copied(doc.stringBytes(lines)).isEmpty)
            #expect(copied(doc.span) == Array(text.utf8))
            #expect(doc.equals(id, "in_1") == true)
            #expect(doc.equals(id, "in_2") == false)
            #expect(doc.equals(id, "in_") == false)
        }
    }

    /// A value found in one document and used on a shorter one: the view traps instead of reading
    /// past the text (the raw pointers it replaced read whatever lay there).
    @Test func aViewOfAValueFromAnotherDocumentTraps() async {
        await #expect(processExitsWith: .failure) {
            let value = withDocument(#"{"id": "in_1234567890"}"#) { doc in try? doc.member(try doc.root(), "id") }
            withDocument("{}") { doc in
                if let value { _ = doc.bytes(value).count }
            }
        }
    }

    @Test func accessorsRejectTheWrongType() throws {
        try withDocument(
            #"{"s": "12", "n": 12, "f": 1.5, "e": 1e2, "big": 9223372036854775808, "neg": -9223372036854775809, "min": -9223372036854775808}"#
        ) { doc in
            let root = try doc.root()
            func value(_ key: StaticString) throws -> JSONValue { try #require(try doc.member(root, key)) }
            #expect(jsonError { _ = try doc.int64(try value("s")) }?.code == .typeMismatch)
            #expect(jsonError { _ = try doc.string(try value("n")) }?.code == .typeMismatch)
            #expect(jsonError { _ = try doc.bool(try value("n")) }?.code == .typeMismatch)
            #expect(jsonError { _ = try doc.int64(try value("f")) }?.code == .typeMismatch)
            #expect(jsonError { _ = try doc.int64(try value("e")) }?.code == .typeMismatch)
            #expect(jsonError { _ = try doc.int64(try value("big")) }?.code == .numberOutOfRange)
            #expect(jsonError { _ = try doc.int64(try value("neg")) }?.code == .numberOutOfRange)
            #expect(try doc.int64(try value("min")) == Int64.min)
            #expect(jsonError { _ = try doc.member(try value("n"), "x") }?.code == .typeMismatch)
            #expect(jsonError { try doc.forEachElement(root) { _ in } }?.code == .typeMismatch)
            #expect(try doc.double(try value("e")) == 100)
        }
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let text = #"["a\"b\\c\/d\b\f\n\r\t", "\u0041\u00e9\u20ac", "\ud83d\ude00!", "caf\u00E9 \u65e5", "plain é 😀", ""]"#
        try withDocument(text) { doc in
            var got: [String] = []
            try doc.forEachElement(try doc.root()) { got.append(try doc.string($0) ?? "<nil>") }
            #expect(got == ["a\"b\\c/d\u{8}\u{C}\n\r\t", "A\u{E9}\u{20AC}", "\u{1F600}!", "caf\u{E9} \u{65E5}", "plain é 😀", ""])
        }
    }

    @Test func memberLookupUnescapesKeys() throws {
        let text = #"{"a\"b": 1, "\u0069d": 2, "caf\u00e9": 3, "\ud83d\ude00": 4, "id": 5, "": 6, "x\\y": 7}"#
        try withDocument(text) { doc in
            let root = try doc.root()
            func int(_ v: JSONValue?) throws -> Int64? { try v.flatMap { try doc.int64($0) } }
            #expect(try int(try doc.member(root, "a\"b")) == 1)
            #expect(try int(try doc.member(root, "id")) == 2) // the escaped spelling comes first
            #expect(try int(try doc.member(root, key: Array("café".utf8))) == 3)
            #expect(try int(try doc.member(root, key: Array("😀".utf8))) == 4)
            #expect(try int(try doc.member(root, "")) == 6)
            #expect(try int(try doc.member(root, "x\\y")) == 7)
            #expect(try doc.member(root, "a\\\"b") == nil)
            #expect(try doc.member(root, "i") == nil)

            let keys = JSONKeySet(["id", "café", "x\\y", "nope", "😀", "a\"b"])
            var values: [JSONValue?] = []
            try doc.members(root, keys, into: &values)
            #expect(try values.map { try int($0) } == [2, 3, 7, nil, 4, 1])

            var keysSeen: [String] = []
            try doc.forEachMember(root) { keyStart, keyEnd, _ in
                keysSeen.append(try doc.keyString(keyStart, keyEnd))
                if doc.keyEquals(keyStart, keyEnd, "id") { keysSeen.append("<id>") }
            }
            #expect(keysSeen == ["a\"b", "id", "<id>", "café", "😀", "id", "<id>", "", "x\\y"])
        }
    }

    @Test func membersFindsFirstOccurrenceAndReusesTheArray() throws {
        try withDocument(#"{"a": 1, "b": 2, "a": 3, "c": {"a": 9}}"#) { doc in
            let root = try doc.root()
            let keys = JSONKeySet(["c", "a", "zz"])
            var values: [JSONValue?] = [nil, nil, nil]
            try doc.members(root, keys, into: &values)
            #expect(try doc.int64(try #require(values[1])) == 1)
            #expect(values[0]?.kind == .object)
            #expect(values[2] == nil)
            #expect(try doc.int64(try #require(try doc.member(root, "a"))) == 1)
        }
    }

    @Test func agreesWithJSONSerializationOnRandomDocuments() throws {
        var r = SeededRandom(state: 42)
        var checked = 0
        for _ in 0..<400 {
            let text = randomJSON(&r)
            let bytes = Array(text.utf8)
            let expected = try #require(try foundationCanon(bytes))
            try withDocument(bytes) { doc in
                for validating in [true, false] {
                    let ours = try canonicalValue(doc, try doc.root(validating: validating))
                    #expect(ours == expected, "\(text)")
                }
            }
            checked += 1
        }
        #expect(checked == 400)
    }

    @Test func handlesLargeArrays() throws {
        var text = "["
        for i in 0..<200_000 { text += (i == 0 ? "" : ",") + String(i) }
        text += "]"
        try withDocument(text) { doc in
            let root = try doc.root()
            var sum: Int64 = 0
            try doc.forEachElement(root) { sum += try doc.int64($0) ?? 0 }
            #expect(sum == Int64(199_999) * 200_000 / 2)
            #expect(try doc.elementCount(root) == 200_000)
        }
    }

    @Test func enforcesTheDepthLimit() throws {
        let limit = JSONDocument.maximumDepth
        let ok = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        try withDocument(ok) { doc in _ = try doc.root() }
        let deep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        let error = withDocument(deep) { doc in jsonError { _ = try doc.root() } }
        #expect(error?.code == .depthLimitExceeded)
        #expect(error?.offset == limit)
        let deepObject = String(repeating: #"{"a":"#, count: limit + 1) + "1" + String(repeating: "}", count: limit + 1)
        #expect(withDocument(deepObject) { doc in jsonError { _ = try doc.root() } }?.code == .depthLimitExceeded)
        // Far deeper than the limit: must throw, not exhaust the stack.
        let hostile = String(repeating: "[", count: 100_000)
        #expect(withDocument(hostile) { doc in jsonError { _ = try doc.root() } }?.code == .depthLimitExceeded)
        #expect(withDocument(hostile) { doc in jsonError { _ = try doc.root(validating: false) } }?.code == .unexpectedEnd)
    }

    @Test func emptyBufferThrows() {
        let doc = JSONDocument(UnsafeRawBufferPointer(start: nil, count: 0))
        #expect(jsonError { _ = try doc.root() }?.code == .unexpectedEnd)
        #expect(jsonError { _ = try doc.root(validating: false) }?.code == .unexpectedEnd)
    }

    @Test func validateChecksAFastFoundValue() throws {
        try withDocument(#"{"ok": [1, 2], "bad": [1, 02], "worse": [}{]}"#) { doc in
            let root = try doc.root(validating: false)
            try doc.validate(try #require(try doc.member(root, "ok")))
            let bad = try #require(try doc.member(root, "bad"))
            #expect(jsonError { try doc.validate(bad) }?.code == .invalidNumber)
            #expect(jsonError { try doc.validate(bad) }?.offset == 27)
            #expect(jsonError { _ = try doc.root() } != nil)
        }
    }
}
