/// A DEFLATE (RFC 1951) decoder for ECB's zip: stored, fixed-Huffman and dynamic-Huffman blocks.
///
/// The output size must be known up front (zip records it), so the decoder writes into one buffer and
/// rejects data that would overrun it. Input that ends early is reported as truncated, never padded.
struct Inflate {
    struct Failure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    private static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
                                            67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBase: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
                                              1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distanceExtra: [Int] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10,
                                               11, 11, 12, 12, 13, 13]
    /// The order code-length code lengths are sent in (RFC 1951 3.2.7).
    private static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// A canonical Huffman code as a direct lookup table indexed by the next `bits` input bits
    /// (least significant first); each entry is `symbol << 4 | codeLength`, 0 for unused codes.
    private struct Table {
        var entries: [UInt32]
        var bits: Int

        /// Builds the table; throws if the lengths describe an over-subscribed (impossible) code.
        init(lengths: [Int]) throws {
            self.init(checkedLengths: lengths)
            if oversubscribed { throw Failure(message: "a Huffman code is over-subscribed") }
        }

        private var oversubscribed = false

        /// Builds the table without throwing; `oversubscribed` records malformed lengths.
        init(checkedLengths lengths: [Int]) {
            var count = [Int](repeating: 0, count: 16)
            for length in lengths { count[length] += 1 }
            count[0] = 0
            let maxLength = (1...15).last { count[$0] > 0 } ?? 0
            // Kraft inequality: more codes than fit is malformed (fewer is allowed, e.g. one distance code).
            var left = 1
            for length in 1...15 {
                left <<= 1
                left -= count[length]
                if left < 0 { oversubscribed = true }
            }
            bits = max(maxLength, 1)
            entries = [UInt32](repeating: 0, count: 1 << bits)
            if oversubscribed { return }
            var next = [Int](repeating: 0, count: 16)
            var code = 0
            for length in 1...15 {
                code = (code + count[length - 1]) << 1
                next[length] = code
            }
            for (symbol, length) in lengths.enumerated() where length > 0 {
                let code = next[length]
                next[length] += 1
                var reversed = 0
                for i in 0..<length where code & (1 << i) != 0 { reversed |= 1 << (length - 1 - i) }
                let entry = UInt32(symbol) << 4 | UInt32(length)
                var index = reversed
                while index < entries.count {
                    entries[index] = entry
                    index += 1 << length
                }
            }
        }
    }

    private let input: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var bitBuffer: UInt64 = 0
    private var bitCount = 0
    /// Zero bits appended past the end of the input so a table lookup can peek; consuming any is truncation.
    private var padding = 0
    private let output: UnsafeMutableBufferPointer<UInt8>
    private var written = 0

    private init(input: UnsafeBufferPointer<UInt8>, output: UnsafeMutableBufferPointer<UInt8>) {
        self.input = input
        self.output = output
    }

    /// Decodes a raw DEFLATE stream that must produce exactly `size` bytes.
    static func decompress(_ compressed: UnsafeBufferPointer<UInt8>, size: Int) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: size)
        let produced = try result.withUnsafeMutableBufferPointer { out -> Int in
            var decoder = Inflate(input: compressed, output: out)
            try decoder.run()
            return decoder.written
        }
        guard produced == size else {
            throw Failure(message: "the deflate data holds \(produced) bytes, the zip header says \(size)")
        }
        return result
    }

    private mutating func need(_ n: Int) {
        while bitCount < n {
            if position < input.count {
                bitBuffer |= UInt64(input[position]) << UInt64(bitCount)
                position += 1
            } else {
                padding += 8
            }
            bitCount += 8
        }
    }

    private mutating func consume(_ n: Int) throws {
        bitBuffer >>= UInt64(n)
        bitCount -= n
        if padding > bitCount { throw Failure(message: "the deflate data ends early (the file is truncated)") }
    }

    private mutating func bits(_ n: Int) throws -> Int {
        if n == 0 { return 0 }
        need(n)
        let value = Int(bitBuffer & ((1 << UInt64(n)) - 1))
        try consume(n)
        return value
    }

    private mutating func decode(_ table: Table) throws -> Int {
        need(table.bits)
        let entry = table.entries[Int(bitBuffer & ((1 << UInt64(table.bits)) - 1))]
        let length = Int(entry & 15)
        guard length > 0 else { throw Failure(message: "the deflate data uses an undefined Huffman code") }
        try consume(length)
        return Int(entry >> 4)
    }

    private mutating func run() throws {
        var final = false
        while !final {
            final = try bits(1) == 1
            switch try bits(2) {
            case 0: try stored()
            case 1: try codes(Self.fixedLiterals, Self.fixedDistances)
            case 2:
                let (literals, distances) = try dynamicTables()
                try codes(literals, distances)
            default: throw Failure(message: "the deflate data has an invalid block type")
            }
        }
    }

    private mutating func stored() throws {
        // Drop to the byte boundary and hand the whole buffered bytes back to the input.
        let dropped = bitCount % 8
        try consume(dropped)
        guard padding == 0 else { throw Failure(message: "the deflate data ends early (the file is truncated)") }
        position -= bitCount / 8
        bitBuffer = 0
        bitCount = 0
        guard position + 4 <= input.count else { throw Failure(message: "the deflate data ends early (the file is truncated)") }
        let length = Int(input[position]) | Int(input[position + 1]) << 8
        let complement = Int(input[position + 2]) | Int(input[position + 3]) << 8
        position += 4
        guard length == ~complement & 0xFFFF else { throw Failure(message: "a stored deflate block has a corrupt length") }
        guard position + length <= input.count else { throw Failure(message: "the deflate data ends early (the file is truncated)") }
        guard written + length <= output.count else { throw Failure(message: "the deflate data is larger than the zip header says") }
        for i in 0..<length { output[written + i] = input[position + i] }
        written += length
        position += length
    }

    private static let fixedLiterals: Table = {
        var lengths = [Int](repeating: 8, count: 288)
        for i in 144..<256 { lengths[i] = 9 }
        for i in 256..<280 { lengths[i] = 7 }
        return Table(checkedLengths: lengths)
    }()

    private static let fixedDistances = Table(checkedLengths: [Int](repeating: 5, count: 30))

    private mutating func dynamicTables() throws -> (Table, Table) {
        let literalCount = try bits(5) + 257
        let distanceCount = try bits(5) + 1
        let codeLengthCount = try bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else { throw Failure(message: "a dynamic deflate block declares too many codes") }
        var codeLengthLengths = [Int](repeating: 0, count: 19)
        for i in 0..<codeLengthCount { codeLengthLengths[Self.codeLengthOrder[i]] = try bits(3) }
        let codeLengthTable = try Table(lengths: codeLengthLengths)
        var lengths: [Int] = []
        lengths.reserveCapacity(literalCount + distanceCount)
        while lengths.count < literalCount + distanceCount {
            let symbol = try decode(codeLengthTable)
            switch symbol {
            case 0...15:
                lengths.append(symbol)
            case 16:
                guard let previous = lengths.last else { throw Failure(message: "a dynamic deflate block repeats a length before any") }
                let extra = try bits(2)
                lengths.append(contentsOf: repeatElement(previous, count: 3 + extra))
            case 17:
                let extra = try bits(3)
                lengths.append(contentsOf: repeatElement(0, count: 3 + extra))
            default:
                let extra = try bits(7)
                lengths.append(contentsOf: repeatElement(0, count: 11 + extra))
            }
        }
        guard lengths.count == literalCount + distanceCount else { throw Failure(message: "a dynamic deflate block's code lengths overrun") }
        guard lengths[256] > 0 else { throw Failure(message: "a dynamic deflate block has no end-of-block code") }
        return (try Table(lengths: Array(lengths[0..<literalCount])), try Table(lengths: Array(lengths[literalCount...])))
    }

    private mutating func codes(_ literals: Table, _ distances: Table) throws {
        while true {
            let symbol = try decode(literals)
            if symbol < 256 {
                guard written < output.count else { throw Failure(message: "the deflate data is larger than the zip header says") }
                output[written] = UInt8(symbol)
                written += 1
                continue
            }
            if symbol == 256 { return }
            let lengthIndex = symbol - 257
            guard lengthIndex < 29 else { throw Failure(message: "the deflate data has an invalid length code") }
            let lengthExtra = try bits(Self.lengthExtra[lengthIndex])
            let length = Self.lengthBase[lengthIndex] + lengthExtra
            let distanceCode = try decode(distances)
            guard distanceCode < 30 else { throw Failure(message: "the deflate data has an invalid distance code") }
            let distanceExtra = try bits(Self.distanceExtra[distanceCode])
            let distance = Self.distanceBase[distanceCode] + distanceExtra
            guard distance <= written else { throw Failure(message: "the deflate data refers before its start") }
            guard written + length <= output.count else { throw Failure(message: "the deflate data is larger than the zip header says") }
            // Byte by byte: a match may overlap the bytes it produces.
            var from = written - distance
            for _ in 0..<length {
                output[written] = output[from]
                written += 1
                from += 1
            }
        }
    }
}
