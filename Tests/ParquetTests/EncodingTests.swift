import Foundation
import Testing

@testable import Parquet

@Suite struct EncodingTests {
    private func rle(_ values: [UInt32], bitWidth: Int) -> [UInt8] {
        var output: [UInt8] = []
        values.withUnsafeBufferPointer { RLEBitPackedHybridEncoder.encode($0, bitWidth: bitWidth, into: &output) }
        return output
    }

    @Test func bitPackedRunMatchesTheSpecificationExample() {
        // Encodings.md: 0..7 at bit width 3 packs to 10001000 11000110 11111010.
        #expect(rle([0, 1, 2, 3, 4, 5, 6, 7], bitWidth: 3) == [0x03, 0x88, 0xC6, 0xFA])
    }

    @Test func longRunsBecomeRLERuns() {
        #expect(rle(Array(repeating: 1, count: 10), bitWidth: 1) == [0x14, 0x01])
        // 300 repeats: varint(600) = 0xD8 0x04; value 0x0102 at width 9 takes 2 bytes.
        #expect(rle(Array(repeating: 0x102, count: 300), bitWidth: 9) == [0xD8, 0x04, 0x02, 0x01])
    }

    @Test func shortTailIsPaddedToAGroupOfEight() {
        #expect(rle([1, 0, 1], bitWidth: 1) == [0x03, 0b0000_0101])
        #expect(rle([], bitWidth: 1) == [])
    }

    @Test func literalsThenARunStayAlignedToGroups() {
        // 3 literals then 13 ones: one bit-packed group of 8 (3 literals + 5 ones), then RLE of 8 ones.
        let values: [UInt32] = [0, 1, 0] + Array(repeating: 1, count: 13)
        #expect(rle(values, bitWidth: 1) == [0x03, 0b1111_1010, 0x10, 0x01])
    }

    @Test func bitWidths() {
        #expect(RLEBitPackedHybridEncoder.bitWidth(forMaxValue: 0) == 0)
        #expect(RLEBitPackedHybridEncoder.bitWidth(forMaxValue: 1) == 1)
        #expect(RLEBitPackedHybridEncoder.bitWidth(forMaxValue: 255) == 8)
        #expect(RLEBitPackedHybridEncoder.bitWidth(forMaxValue: 256) == 9)
    }

    @Test func booleansPackLeastSignificantBitFirst() {
        var packer = BooleanBitPacker()
        for value in [true, false, true, true, false, false, false, false, true] { packer.append(value) }
        var output: [UInt8] = []
        packer.finish(into: &output)
        #expect(output == [0b0000_1101, 0b0000_0001])
    }

    @Test func thriftCompactFieldsListsAndNesting() {
        struct Inner: ThriftStruct {
            func encodeFields(to encoder: inout ThriftCompactEncoder) { encoder.field(1, i32: -1) }
        }
        struct Outer: ThriftStruct {
            func encodeFields(to encoder: inout ThriftCompactEncoder) {
                encoder.field(1, i32: 3) // delta 1, i32: 0x15, zigzag(3) = 6
                encoder.field(4, string: "ab") // delta 3, binary: 0x38
                encoder.field(5, struct: Inner()) // delta 1, struct: 0x1C ... stop
                encoder.field(6, bool: true) // delta 1, true: 0x11
                encoder.field(40, i64: 150) // long delta: type 0x06, zigzag(40) = 80, zigzag(150) = 300
                encoder.field(41, i32List: Array(repeating: 0, count: 15)) // delta 1, list: 0x19, 0xF5 + varint 15
            }
        }
        let bytes = ThriftCompactEncoder.encode(Outer())
        let expected: [UInt8] =
            [
                0x15, 0x06, 0x38, 0x02, 0x61, 0x62, 0x1C, 0x15, 0x01, 0x00, 0x11, 0x06, 0x50, 0xAC, 0x02,
                0x19, 0xF5, 0x0F
            ] + Array(repeating: 0, count: 15) + [0x00]
        #expect(bytes == expected)
    }

    @Test func dictionaryFindsEqualBytesAndRespectsLimits() {
        var dictionary = ByteArrayDictionary()
        func lookup(_ text: String, maxEntries: Int = 10) -> String {
            let result = Array(text.utf8).withUnsafeBytes { dictionary.indexOrInsert($0, maxBytes: 1_000_000, maxEntries: maxEntries) }
            switch result {
            case .existing(let index): return "existing \(index)"
            case .inserted(let index): return "inserted \(index)"
            case .full: return "full"
            }
        }
        #expect(lookup("a") == "inserted 0")
        #expect(lookup("") == "inserted 1")
        #expect(lookup("a") == "existing 0")
        #expect(lookup("") == "existing 1")
        #expect(lookup("b", maxEntries: 2) == "full")
        let tooBig = [UInt8](repeating: 1, count: 999_999).withUnsafeBytes {
            dictionary.indexOrInsert($0, maxBytes: 1_000_000, maxEntries: 10)
        }
        if case .full = tooBig {} else { Issue.record("a value past maxBytes was inserted") }
        #expect(dictionary.plainBytes == [1, 0, 0, 0, 0x61, 0, 0, 0, 0])
        for index in 0..<5_000 { _ = lookup("value \(index)", maxEntries: .max) }
        #expect(lookup("value 4321", maxEntries: .max) == "existing \(4321 + 2)")
    }
}
