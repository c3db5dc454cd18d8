/// PLAIN encoding: little-endian fixed-width integers, length-prefixed byte arrays, raw fixed-length
/// byte arrays, and booleans packed one bit per value (least significant bit first).
enum PlainEncoder {
    @inline(__always)
    static func append(int64 value: Int64, to output: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { output.append(contentsOf: $0) }
    }

    @inline(__always)
    static func append(int32 value: Int32, to output: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { output.append(contentsOf: $0) }
    }

    /// A BYTE_ARRAY value: 4-byte little-endian length, then the bytes.
    @inline(__always)
    static func append(byteArray value: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        append(int32: Int32(truncatingIfNeeded: value.count), to: &output)
        output.append(contentsOf: value)
    }
}

/// Packs booleans one bit per value, least significant bit first (PLAIN for BOOLEAN).
struct BooleanBitPacker {
    private(set) var bytes: [UInt8] = []
    private var current: UInt8 = 0
    private var bitCount = 0

    var count: Int { bytes.count * 8 + bitCount }

    mutating func append(_ value: Bool) {
        if value { current |= 1 << UInt8(bitCount) }
        bitCount += 1
        if bitCount == 8 {
            bytes.append(current)
            current = 0
            bitCount = 0
        }
    }

    /// Appends the packed bits (the last byte zero-padded) to `output`.
    func finish(into output: inout [UInt8]) {
        output.append(contentsOf: bytes)
        if bitCount > 0 { output.append(current) }
    }

    mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        current = 0
        bitCount = 0
    }
}
