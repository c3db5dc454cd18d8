/// The RLE / bit-packing hybrid of Encodings.md, used for definition levels and dictionary indices.
///
/// Runs of 8 or more equal values become RLE runs (header `count << 1`, then the value in
/// ceil(bitWidth / 8) little-endian bytes); everything else is bit-packed in groups of 8 values
/// (header `groups << 1 | 1`, values packed least significant bit first). The caller writes any
/// length or bit-width prefix the context requires.
enum RLEBitPackedHybridEncoder {
    /// Minimum run that is written as RLE instead of being bit-packed.
    private static let minimumRun = 8

    /// The number of bits needed to represent `maxValue` (0 for 0).
    static func bitWidth(forMaxValue maxValue: UInt64) -> Int {
        maxValue == 0 ? 0 : 64 - maxValue.leadingZeroBitCount
    }

    static func encode<T: FixedWidthInteger & UnsignedInteger>(_ values: UnsafeBufferPointer<T>, bitWidth: Int, into output: inout [UInt8])
    {
        precondition((0...32).contains(bitWidth), "bit width \(bitWidth) out of range")
        let count = values.count
        var index = 0
        while index < count {
            let run = runLength(values, from: index)
            if run >= minimumRun {
                appendRLERun(value: UInt64(values[index]), count: run, bitWidth: bitWidth, into: &output)
                index += run
                continue
            }
            // Literal groups of 8 until a long run starts at a group boundary.
            let start = index
            var end = index
            while end < count {
                end = min(end + 8, count)
                if end < count && runLength(values, from: end) >= minimumRun { break }
            }
            appendBitPackedRun(values, from: start, to: end, bitWidth: bitWidth, into: &output)
            index = end
        }
    }

    @inline(__always)
    private static func runLength<T: FixedWidthInteger>(_ values: UnsafeBufferPointer<T>, from start: Int) -> Int {
        let value = values[start]
        var end = start + 1
        while end < values.count && values[end] == value { end += 1 }
        return end - start
    }

    private static func appendRLERun(value: UInt64, count: Int, bitWidth: Int, into output: inout [UInt8]) {
        appendVarint(UInt64(count) << 1, into: &output)
        let valueBytes = (bitWidth + 7) / 8
        for byteIndex in 0..<valueBytes {
            output.append(UInt8(truncatingIfNeeded: value >> UInt64(byteIndex * 8)))
        }
    }

    /// Packs values[start..<end], zero-padded up to a multiple of 8 values.
    private static func appendBitPackedRun<T: FixedWidthInteger & UnsignedInteger>(
        _ values: UnsafeBufferPointer<T>, from start: Int, to end: Int, bitWidth: Int, into output: inout [UInt8]
    ) {
        let groups = (end - start + 7) / 8
        appendVarint(UInt64(groups) << 1 | 1, into: &output)
        guard bitWidth > 0 else { return }
        var accumulator: UInt64 = 0
        var accumulatedBits = 0
        let mask: UInt64 = bitWidth == 64 ? ~0 : (1 << UInt64(bitWidth)) - 1
        for position in start..<(start + groups * 8) {
            let value: UInt64 = position < end ? UInt64(values[position]) & mask : 0
            accumulator |= value << UInt64(accumulatedBits)
            accumulatedBits += bitWidth
            while accumulatedBits >= 8 {
                output.append(UInt8(truncatingIfNeeded: accumulator))
                accumulator >>= 8
                accumulatedBits -= 8
            }
        }
        // groups * 8 * bitWidth is a multiple of 8 bits: nothing is left over.
    }

    private static func appendVarint(_ value: UInt64, into output: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            output.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        output.append(UInt8(rest))
    }
}
