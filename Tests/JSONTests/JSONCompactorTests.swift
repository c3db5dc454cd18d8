import Foundation
import JSON
import ModuleErrors
import Testing

@Suite struct JSONCompactorTests {
    @Test func keepsKeyOrderNumberTextAndEscapes() throws {
        let pretty = """
            {
              "zeta" : 1.50,
              "alpha": [ 1E+2 , -0.0, 100 ],
              "s"    : "a \\u00e9 \\/ \\" \\\\ \\ud83d\\ude00 é",
              "dup": 1, "dup": 2,
              "empty": { },
              "list":\t[\r\n]
            }
            """
        #expect(
            try compacted(pretty)
                == #"{"zeta":1.50,"alpha":[1E+2,-0.0,100],"s":"a \u00e9 \/ \" \\ \ud83d\ude00 é","dup":1,"dup":2,"empty":{},"list":[]}"#)
    }

    @Test func keepsWhitespaceInsideStrings() throws {
        #expect(try compacted(" [ \"a  b\\t\" , \" \" ] ") == #"["a  b\t"," "]"#)
        #expect(try compacted("\"x\"") == "\"x\"")
        #expect(try compacted(" 12 ") == "12")
    }

    @Test func writesEachDataElementAsOneLineMatchingJSONSerialization() throws {
        var r = SeededRandom(state: 2024)
        let elements = (0..<50).map { _ in randomJSON(&r) }
        let page =
            "{\n  \"object\": \"list\",\n  \"data\": [\n" + elements.joined(separator: ",\n")
            + "\n  ],\n  \"has_more\": false\n}\n"
        var out: [UInt8] = []
        try withDocument(page) { doc in
            let root = try doc.root()
            let data = try #require(try doc.member(root, "data"))
            try doc.forEachElement(data) { element in
                try doc.compact(element, into: &out)
                out.append(0x0A)
            }
        }
        let lines = out.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == elements.count)
        for (line, original) in zip(lines, elements) {
            let lineBytes = Array(line)
            // Whitespace only outside strings: every line parses to the same value as the original...
            #expect(try foundationCanon(lineBytes) == foundationCanon(Array(original.utf8)))
            // ...and has exactly the original's non-whitespace bytes outside strings, in order.
            #expect(lineBytes == referenceStrip(Array(original.utf8)))
            #expect(!lineBytes.contains(0x0A))
            // Compacting again changes nothing.
            #expect(try compacted(String(decoding: lineBytes, as: UTF8.self)) == String(decoding: lineBytes, as: UTF8.self))
        }
    }

    /// A deliberately naive byte state machine as the oracle for "only insignificant whitespace removed".
    private func referenceStrip(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var inString = false
        var escaped = false
        for b in bytes {
            if inString {
                out.append(b)
                if escaped {
                    escaped = false
                } else if b == UInt8(ascii: "\\") {
                    escaped = true
                } else if b == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if b == UInt8(ascii: "\"") {
                inString = true
                out.append(b)
            } else if ![UInt8(ascii: " "), 0x0A, 0x0D, 0x09].contains(b) {
                out.append(b)
            }
        }
        return out
    }

    @Test func splicesAMergedChildList() throws {
        let invoice = """
            {
              "id": "in_1",
              "lines": {
                "object": "list",
                "data": [ {"id": "il_1"} ],
                "has_more": true,
                "url": "/v1/invoices/in_1/lines"
              },
              "total": 300
            }
            """
        var merged = JSONWriter()
        merged.beginObject()
        merged.key("object"); merged.string("list")
        merged.key("data"); merged.beginArray()
        for id in ["il_1", "il_2", "il_3"] {
            merged.beginObject(); merged.key("id"); merged.string(id); merged.endObject()
        }
        merged.endArray()
        merged.key("has_more"); merged.bool(false)
        merged.key("total_count"); merged.int64(3)
        merged.key("url"); merged.string("/v1/invoices/in_1/lines")
        merged.endObject()

        var out: [UInt8] = []
        let replaced = try Array(invoice.utf8).withUnsafeBytes { text in
            try merged.bytes.withUnsafeBytes { replacement in
                try JSONCompactor.compact(text, replacingMember: "lines", with: replacement, into: &out)
            }
        }
        #expect(replaced)
        #expect(
            String(decoding: out, as: UTF8.self)
                == #"{"id":"in_1","lines":{"object":"list","data":[{"id":"il_1"},{"id":"il_2"},{"id":"il_3"}],"has_more":false,"total_count":3,"url":"/v1/invoices/in_1/lines"},"total":300}"#
        )

        var untouched: [UInt8] = []
        let missing = try Array(invoice.utf8).withUnsafeBytes { text in
            try merged.bytes.withUnsafeBytes { replacement in
                try JSONCompactor.compact(text, replacingMember: "items", with: replacement, into: &untouched)
            }
        }
        #expect(!missing)
        #expect(untouched.isEmpty)

        let badReplacement = Array(invoice.utf8).withUnsafeBytes { text in
            Array("{\"data\": [".utf8).withUnsafeBytes { replacement in
                jsonError { _ = try JSONCompactor.compact(text, replacingMember: "lines", with: replacement, into: &out) }
            }
        }
        #expect(badReplacement?.code == .unexpectedEnd)
    }

    @Test func compactingAnElementValidatesIt() throws {
        try withDocument(#"[{"a": 01}, {"b": 1}]"#) { doc in
            let root = try doc.root(validating: false)
            var values: [JSONValue] = []
            try doc.forEachElement(root) { values.append($0) }
            var out: [UInt8] = []
            #expect(jsonError { try doc.compact(values[0], into: &out) }?.code == .invalidNumber)
            try doc.compact(values[1], into: &out)
            #expect(String(decoding: out, as: UTF8.self) == #"{"b":1}"#)
        }
    }
}
