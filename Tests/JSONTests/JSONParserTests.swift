import JSON
import ModuleErrors
import Testing

@Suite struct JSONParserTests {
    /// Indexed navigation must see exactly what plain navigation sees.
    @Test func indexedNavigationMatchesScanning() throws {
        var r = SeededRandom(state: 5)
        var parser = JSONParser()
        for _ in 0..<300 {
            let bytes = Array(randomJSON(&r).utf8)
            try bytes.withUnsafeBytes { text in
                let plain = JSONDocument(text)
                let plainRoot = try plain.root()
                let (expectedCanon, expectedShape) = (try canonicalValue(plain, plainRoot), try shape(plain, plainRoot))
                let (canon, found): (Canon, [String]) = try parser.parse(text) { indexed, root in
                    (try canonicalValue(indexed, root), try shape(indexed, root))
                }
                #expect(canon == expectedCanon)
                #expect(found == expectedShape)
            }
        }
    }

    /// The index is reused: a text whose containers open where the previous text's did, but end
    /// elsewhere, is navigated by its own ends.
    @Test func reusedIndexHoldsTheCurrentTextsEnds() throws {
        var parser = JSONParser()
        let first = Array(#"{"a": {"x": [1, 2, {"y": 3}]}, "b": [[], {}], "c": 7}"#.utf8)
        let second = Array(#"{"a": {"x": []}, "b": [[{"y": 3}, 4, 5, 6], {}], "c": 8}"#.utf8)
        for (text, c) in [(first, 7), (second, 8), (first, 7)] {
            try text.withUnsafeBytes { bytes in
                let plain = JSONDocument(bytes)
                let expected = try shape(plain, try plain.root())
                let (found, foundC) = try parser.parse(bytes) { doc, root in
                    (try shape(doc, root), try doc.member(root, "c").flatMap { try doc.int64($0) })
                }
                #expect(found == expected)
                #expect(foundC == Int64(c))
            }
        }
    }

    @Test func rejectsWhatRootRejects() {
        var parser = JSONParser()
        for text in [#"{"a": [1, 2}"#, "[01]", "{\"a\":1} x", ""] {
            let bytes = Array(text.utf8)
            let parsed = bytes.withUnsafeBytes { t in jsonError { _ = try parser.parse(t) { _, _ in } } }
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
