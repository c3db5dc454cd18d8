import Core
import Parquet

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A staging row decoded once into typed values, in a compact binary form for the scratch files
/// the Parquet load splits a table into; the second pass feeds those values to the Parquet writer
/// without parsing any text again.
///
/// A record is the staging line number (UInt32), then per column in schema order: a presence byte
/// (nullable columns only; 0 = null), then the value: Int64 for int64, timestamp (microseconds)
/// and decimals of precision <= 18 (unscaled); two UInt64 words (high, low) for larger decimals;
/// Int32 days for dates; one byte for booleans; UInt32 length + UTF-8 bytes for strings and JSON.
/// Little-endian, unaligned.
struct TypedRowCodec {
    enum Kind {
        case string, json, int64, timestamp, smallDecimal(scale: Int, limit: Int64), largeDecimal(scale: Int, precision: Int), bool, date
    }

    let kinds: [Kind]
    let nullable: [Bool]

    init(table: TableSchema) {
        kinds = table.columns.map { column in
            switch column.type {
            case .string: return .string
            case .json: return .json
            case .int64: return .int64
            case .timestamp: return .timestamp
            case .decimal(let precision, let scale):
                if precision <= ParquetDecimal.maxInt64Precision {
                    var limit: Int64 = 1
                    for _ in 0..<precision { limit *= 10 }
                    return .smallDecimal(scale: scale, limit: limit)
                }
                return .largeDecimal(scale: scale, precision: precision)
            case .bool: return .bool
            case .date: return .date
            }
        }
        nullable = table.columns.map(\.nullable)
    }

    // MARK: Encode (pass 1)

    /// Appends the record of the row `decoder` has just parsed; throws `LoadError(.badRow)` naming
    /// the file, line and column when a value does not follow its column's encoding.
    func encode(_ decoder: inout StagingRowDecoder, into output: inout RecordBuffer) throws {
        append(UInt32(truncatingIfNeeded: decoder.lineNumber), to: &output)
        for column in 0..<kinds.count {
            let kind = kinds[column]
            if decoder.isNull(column) {
                if nullable[column] {
                    output.append(UInt8(0))
                } else if case .json = kind {
                    // A JSON null in a required json column is the document "null", not a missing value.
                    appendBytes(decoder.raw(column), to: &output)
                } else {
                    throw decoder.failure(column, "null in a non-nullable column")
                }
                continue
            }
            if nullable[column] { output.append(UInt8(1)) }
            switch kind {
            case .string:
                let text = try decoder.rawString(column)
                if text.isEmpty || memchr(text.baseAddress!, 0x5C, text.count) == nil {
                    appendBytes(text, to: &output)
                } else {
                    try decoder.withString(column) { appendBytes($0, to: &output) }
                }
            case .json:
                appendBytes(decoder.raw(column), to: &output)
            case .int64:
                append(try decoder.int64(column), to: &output)
            case .timestamp:
                append(try decoder.timestampMicros(column), to: &output)
            case .smallDecimal(let scale, let limit):
                let value = try decoder.decimal(column, scale: scale)
                guard let unscaled = value.int64Value, unscaled < limit, unscaled > -limit else {
                    throw decoder.failure(column, "'\(value.formatted(scale: scale))' has more digits than the column's precision")
                }
                append(unscaled, to: &output)
            case .largeDecimal(let scale, let precision):
                let value = try decoder.decimal(column, scale: scale)
                guard value.fits(precision: precision) else {
                    throw decoder.failure(column, "'\(value.formatted(scale: scale))' has more than \(precision) digits")
                }
                append(value.high, to: &output)
                append(value.low, to: &output)
            case .bool:
                output.append(UInt8(try decoder.bool(column) ? 1 : 0))
            case .date:
                append(try decoder.days(column), to: &output)
            }
        }
    }

    @inline(__always)
    private func append<T: FixedWidthInteger>(_ value: T, to output: inout RecordBuffer) {
        output.append(value)
    }

    @inline(__always)
    private func appendBytes(_ bytes: UnsafeRawBufferPointer, to output: inout RecordBuffer) {
        output.append(UInt32(truncatingIfNeeded: bytes.count))
        output.append(bytes)
    }

    // MARK: Decode (pass 2)

    /// The staging line number a record came from (for messages).
    static func lineNumber(of record: UnsafeRawBufferPointer) -> Int {
        record.count >= 4 ? Int(UInt32(littleEndian: record.loadUnaligned(fromByteOffset: 0, as: UInt32.self))) : 0
    }

    /// Writes one record's values as one row; returns the staging line number (for messages).
    @discardableResult
    func write(record: UnsafeRawBufferPointer, to writer: ParquetFileWriter) throws -> Int {
        var reader = RecordReader(record)
        let lineNumber = Int(reader.read(UInt32.self))
        for column in 0..<kinds.count {
            if nullable[column] && reader.read(UInt8.self) == 0 {
                try writer.writeNull(column)
                continue
            }
            switch kinds[column] {
            case .string, .json:
                try writer.write(column, bytes: reader.bytes())
            case .int64, .timestamp:
                try writer.write(column, int64: reader.read(Int64.self))
            case .smallDecimal:
                try writer.write(column, unscaledDecimal: reader.read(Int64.self))
            case .largeDecimal:
                let high = reader.read(Int64.self)
                try writer.write(column, decimal: ParquetDecimal(high: high, low: reader.read(UInt64.self)))
            case .bool:
                try writer.write(column, bool: reader.read(UInt8.self) != 0)
            case .date:
                try writer.write(column, date: reader.read(Int32.self))
            }
        }
        try writer.endRow()
        return lineNumber
    }
}

/// Reads a record written by `TypedRowCodec.encode`; the encoder guarantees the layout.
private struct RecordReader {
    let base: UnsafeRawPointer
    let count: Int
    var offset = 0

    init(_ record: UnsafeRawBufferPointer) {
        base = record.baseAddress ?? UnsafeRawPointer(bitPattern: 16)!
        count = record.count
    }

    @inline(__always)
    mutating func read<T: FixedWidthInteger>(_ type: T.Type) -> T {
        precondition(offset + MemoryLayout<T>.size <= count, "scratch record shorter than its layout")
        let value = T(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return value
    }

    @inline(__always)
    mutating func bytes() -> UnsafeRawBufferPointer {
        let length = Int(read(UInt32.self))
        precondition(offset + length <= count, "scratch record shorter than its layout")
        let value = UnsafeRawBufferPointer(start: base + offset, count: length)
        offset += length
        return value
    }
}
