/// Wire types of the Thrift compact protocol, as they appear in field and list headers.
enum ThriftCompactType: UInt8 {
    case booleanTrue = 1
    case booleanFalse = 2
    case byte = 3
    case i16 = 4
    case i32 = 5
    case i64 = 6
    case double = 7
    case binary = 8
    case list = 9
    case set = 10
    case map = 11
    case structure = 12
}

/// A value serialised as a Thrift struct (or union: a struct with exactly one field set).
protocol ThriftStruct {
    /// Writes the fields only; the caller writes the stop byte.
    func encodeFields(to encoder: inout ThriftCompactEncoder)
}

/// Serialises Thrift structs with the compact protocol (the encoding of every Parquet footer and page header).
///
/// Field ids are delta-encoded against the previous field of the same struct, so fields must be
/// written in increasing id order; nested structs save and restore that context.
struct ThriftCompactEncoder {
    private(set) var bytes: [UInt8] = []
    private var lastFieldID: Int16 = 0
    private var enclosingFieldIDs: [Int16] = []

    init() {}

    /// Serialises `value` as a top-level struct.
    static func encode(_ value: some ThriftStruct) -> [UInt8] {
        var encoder = ThriftCompactEncoder()
        encoder.writeStruct(value)
        return encoder.bytes
    }

    // MARK: Fields

    mutating func field(_ id: Int16, i32 value: Int32) {
        writeFieldHeader(id, .i32)
        writeVarint(zigzag(Int64(value)))
    }

    mutating func field(_ id: Int16, i64 value: Int64) {
        writeFieldHeader(id, .i64)
        writeVarint(zigzag(value))
    }

    mutating func field(_ id: Int16, i8 value: Int8) {
        writeFieldHeader(id, .byte)
        bytes.append(UInt8(bitPattern: value))
    }

    mutating func field(_ id: Int16, i16 value: Int16) {
        writeFieldHeader(id, .i16)
        writeVarint(zigzag(Int64(value)))
    }

    /// Booleans carry their value in the field header's type nibble.
    mutating func field(_ id: Int16, bool value: Bool) {
        writeFieldHeader(id, value ? .booleanTrue : .booleanFalse)
    }

    mutating func field(_ id: Int16, binary value: [UInt8]) {
        writeFieldHeader(id, .binary)
        writeBinary(value)
    }

    mutating func field(_ id: Int16, string value: String) {
        writeFieldHeader(id, .binary)
        writeBinary(Array(value.utf8))
    }

    mutating func field(_ id: Int16, struct value: some ThriftStruct) {
        writeFieldHeader(id, .structure)
        writeStruct(value)
    }

    mutating func field(_ id: Int16, i32List values: [Int32]) {
        writeFieldHeader(id, .list)
        writeListHeader(.i32, count: values.count)
        for value in values { writeVarint(zigzag(Int64(value))) }
    }

    mutating func field(_ id: Int16, i64List values: [Int64]) {
        writeFieldHeader(id, .list)
        writeListHeader(.i64, count: values.count)
        for value in values { writeVarint(zigzag(value)) }
    }

    mutating func field(_ id: Int16, stringList values: [String]) {
        writeFieldHeader(id, .list)
        writeListHeader(.binary, count: values.count)
        for value in values { writeBinary(Array(value.utf8)) }
    }

    mutating func field<T: ThriftStruct>(_ id: Int16, structList values: [T]) {
        writeFieldHeader(id, .list)
        writeListHeader(.structure, count: values.count)
        for value in values { writeStruct(value) }
    }

    // MARK: Wire primitives

    private mutating func writeStruct(_ value: some ThriftStruct) {
        enclosingFieldIDs.append(lastFieldID)
        lastFieldID = 0
        value.encodeFields(to: &self)
        bytes.append(0) // stop field
        lastFieldID = enclosingFieldIDs.removeLast()
    }

    private mutating func writeFieldHeader(_ id: Int16, _ type: ThriftCompactType) {
        let delta = Int(id) - Int(lastFieldID)
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta) << 4 | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            writeVarint(zigzag(Int64(id)))
        }
        lastFieldID = id
    }

    private mutating func writeListHeader(_ elementType: ThriftCompactType, count: Int) {
        if count < 15 {
            bytes.append(UInt8(count) << 4 | elementType.rawValue)
        } else {
            bytes.append(0xF0 | elementType.rawValue)
            writeVarint(UInt64(count))
        }
    }

    private mutating func writeBinary(_ value: [UInt8]) {
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func writeVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    private func zigzag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }
}
