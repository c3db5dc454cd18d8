import JSON
import ModuleErrors
import Testing

@Suite struct JSONParserTests {
    /// Indexed navigation must see exactly what plain navigation sees.
    @Test func indexedNavigationMatchesScanning() throws {
        var r = SeededRandom(state: 5)
        let parser = JSONParser()
        for _ in 0..<300 {
            let bytes = Array(randomJSON(&r).utf8)
            try bytes.withUnsafeBytes { text in
                let (indexed, root) = try parser.parse(text)
                let plain = JSONDocument(text)
                #expect(try canonicalValue(indexed, root) == canonicalValue(plain, try plain.root()))
                #expect(try shape(indexed, root) == shape(plain, try plain.root()))
            }
        }
    }

    /// A document kept past the next `parse` must not use the newer text's index.
    @Test func staleDocumentFallsBackToScanning() throws {
        let parser = JSONParser()
        let first = Array(#"{"a": {"x": [1, 2, {"y": 3}]}, "b": [[], {}], "c": 7}"#.utf8)
        let second = Array(#"[{"q": 1}, [2, [3]], {"z": {}}, "pad pad pad pad pad pad pad pad"]"#.utf8)
        try first.withUnsafeBytes { one in
            try second.withUnsafeBytes { two in
                let (doc, root) = try parser.parse(one)
                let expected = try shape(doc, root)
                _ = try parser.parse(two)
                #expect(try shape(doc, root) == expected)
                #expect(try doc.int64(try #require(try doc.member(root, "c"))) == 7)
            }
        }
    }

    @Test func rejectsWhatRootRejects() {
        let parser = JSONParser()
        for text in [#"{"a": [1, 2}"#, "[01]", "{\"a\":1} x", ""] {
            let bytes = Array(text.utf8)
            let parsed = bytes.withUnsafeBytes { t in jsonError { _ = try parser.parse(t) } }
            let plain = withDocument(bytes) { doc in jsonError { _ = try doc.root() } }
            #expect(parsed != nil && parsed?.description == plain?.description, "\(text)")
        }
    }

    /// Every value's byte range and kind, depth first.
    private func shape(_ doc: JSONDocument, _ value: JSONValue) throws -> [String] {
        var out = ["\(value.kind) \(value.start)..<\(value.end)"]
        switch value.kind {
        case .object: try doc.forEachMember(value) { _, _, v in out += try shape(doc, v) }
        case .array: try doc.forEachElement(value) { out += try shape(doc, $0) }
        default: break
        }
        return out
    }
}
