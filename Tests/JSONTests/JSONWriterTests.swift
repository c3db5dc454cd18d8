import Foundation
import JSON
import Testing

@Suite struct JSONWriterTests {
    @Test func writesCompactJSON() {
        var w = JSONWriter()
        w.beginObject()
        w.key("id"); w.string("in_1")
        w.key("n"); w.int64(-42)
        w.key("ok"); w.bool(true)
        w.key("no"); w.bool(false)
        w.key("none"); w.null()
        w.key("list"); w.beginArray(); w.int64(0); w.beginObject(); w.endObject(); w.beginArray(); w.endArray(); w.endArray()
        w.key("raw"); w.raw(Array("{\"x\":1.50}".utf8))
        w.endObject()
        w.newline()
        w.beginArray(); w.endArray()
        #expect(
            String(decoding: w.bytes, as: UTF8.self)
                == "{\"id\":\"in_1\",\"n\":-42,\"ok\":true,\"no\":false,\"none\":null,\"list\":[0,{},[]],\"raw\":{\"x\":1.50}}\n[]")
        w.reset()
        #expect(w.bytes.isEmpty)
        w.int64(Int64.min)
        #expect(String(decoding: w.bytes, as: UTF8.self) == "-9223372036854775808")
    }

    @Test func escapesStringsSoAnIndependentReaderGetsThemBack() throws {
        let tricky = [
            "", "plain", "quote \" backslash \\ slash /", "ctl \u{0}\u{1}\u{8}\u{C}\n\r\t\u{1F}\u{7F}",
            "caf\u{E9} \u{20AC} \u{1F600} \u{65E5}\u{672C}", String(repeating: "x", count: 1000)
        ]
        let numbers: [Int64] = [0, 1, -1, 9, 10, 99, 100, 1234567890, Int64.max, Int64.min]
        var w = JSONWriter()
        w.beginObject()
        for (i, s) in tricky.enumerated() {
            w.key("k\(i) \"\u{1}")
            w.string(s)
        }
        w.key("numbers")
        w.beginArray()
        for n in numbers { w.int64(n) }
        w.endArray()
        w.key("bytes")
        "b\"\u{E9}".utf8.withContiguousStorageIfAvailable { w.string(utf8: UnsafeRawBufferPointer($0)) }
        w.key("escaped")
        Array(#"a\n\u00e9"#.utf8).withUnsafeBytes { w.string(escaped: $0) }
        w.endObject()

        let parsed = try #require(try foundationParse(w.bytes) as? [String: Any])
        for (i, s) in tricky.enumerated() {
            #expect(parsed["k\(i) \"\u{1}"] as? String == s)
        }
        #expect((parsed["numbers"] as? [NSNumber])?.map { $0.int64Value } == numbers)
        #expect(parsed["bytes"] as? String == "b\"\u{E9}")
        #expect(parsed["escaped"] as? String == "a\n\u{E9}")
        // Our own reader agrees too, and the output is already compact.
        var out: [UInt8] = []
        try w.bytes.withUnsafeBytes { try JSONCompactor.compact($0, into: &out) }
        #expect(out == w.bytes)
    }
}
