import JSON
import ModuleErrors
import Testing

/// `requireUniqueKeys` finds a key twice in one object (issue 11, item 14) at any depth and in objects
/// of any size; equal keys in different objects are fine. Plain validation accepts them (RFC 8259).
@Suite struct JSONDuplicateKeyTests {
    static func error(_ text: String) -> JSONError? {
        withDocument(Array(text.utf8)) { doc in jsonError { try doc.requireUniqueKeys(try doc.root()) } }
    }

    @Test func validationAloneAcceptsThem() {
        #expect(withDocument(Array(#"{"a":1,"a":2}"#.utf8)) { doc in jsonError { _ = try doc.root() } } == nil)
    }

    @Test func duplicateKeysAreErrors() {
        let e = Self.error(#"{"a":1,"a":2}"#)
        #expect(e?.code == .duplicateKey)
        #expect(e?.offset == 7)
        #expect(e?.message.contains("\"a\"") == true)
        #expect(Self.error(#"{"x":{"id":"in_1","lines":[],"id":"in_2"}}"#)?.code == .duplicateKey)
        #expect(Self.error(#"[{"a":1},{"b":{"c":true,"c":null}}]"#)?.code == .duplicateKey)
        // More keys than the in-place fingerprints hold: the duplicate is the 100th key.
        let many = (0..<99).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect(Self.error("{" + many + ",\"k3\":0}")?.code == .duplicateKey)
        #expect(Self.error("{" + many + ",\"k99\":0}") == nil)
        // Deeper objects (smaller table), and keys that share their first and last 8 bytes.
        #expect(Self.error("{\"a\":[{\"b\":{" + many + ",\"k50\":0}}]}")?.code == .duplicateKey)
        #expect(Self.error("{\"a\":[{\"b\":{" + many + "}}]}") == nil)
        #expect(Self.error(#"{"amount_X_remaining":1,"amount_Y_remaining":2}"#) == nil)
        #expect(Self.error(#"{"amount_X_remaining":1,"amount_Y_remaining":2,"amount_X_remaining":3}"#)?.code == .duplicateKey)
    }

    @Test func equalKeysInDifferentObjectsAreFine() {
        #expect(Self.error(#"{"a":{"a":1},"b":{"a":2},"c":[{"a":3},{"a":4}]}"#) == nil)
        #expect(Self.error(#"{"ab":1,"ba":2,"a":3,"b":4}"#) == nil)
    }
}
