import Core

/// zstd CSV (RFC 4180): a header row, CRLF line ends, fields quoted when they hold a comma, quote,
/// CR or LF, quotes doubled. NULL is an empty unquoted field; an empty string is `""`.
///
/// A record is the row's CSV line (with its CRLF), encoded on the decoding threads; the rows hash
/// covers the staging line instead (with its newline), as it always has.
struct CSVRecordFormat: PartitionRecordFormat {
    let level: Int32
    private let types: [ColumnType]
    private let nullable: [Bool]
    /// The header row, with its CRLF.
    private let header: [UInt8]

    init(table: TableSchema, level: Int32) {
        self.level = level
        types = table.columns.map(\.type)
        nullable = table.columns.map(\.nullable)
        var header = RecordBuffer()
        for (index, column) in table.columns.enumerated() {
            if index > 0 { header.append(UInt8(ascii: ",")) }
            Array(column.name.utf8).withUnsafeBytes { Self.appendField($0, to: &header) }
        }
        header.append(UInt8(13))
        header.append(UInt8(10))
        self.header = Array(header.bytes)
    }

    func encode(_ decoder: inout StagingRowDecoder, line: UnsafeRawBufferPointer, into records: inout RecordBuffer) throws {
        for column in 0..<types.count {
            if column > 0 { records.append(UInt8(ascii: ",")) }
            if decoder.isNull(column) {
                // As in Parquet: NULL when the column is nullable, else the JSON document `null`.
                if types[column] == .json && !nullable[column] { Self.appendField(decoder.raw(column), to: &records) }
                continue
            }
            switch types[column] {
            case .string:
                try decoder.withString(column) { Self.appendField($0, to: &records) }
            case .int64:
                _ = try decoder.int64(column)
                records.append(decoder.raw(column))
            case .bool:
                let text: StaticString = try decoder.bool(column) ? "true" : "false"
                records.append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
            case .decimal(_, let scale):
                _ = try decoder.decimal(column, scale: scale)
                records.append(try decoder.rawString(column))
            case .timestamp:
                _ = try decoder.timestampMicros(column)
                records.append(try decoder.rawString(column))
            case .date:
                _ = try decoder.days(column)
                records.append(try decoder.rawString(column))
            case .json:
                Self.appendField(decoder.raw(column), to: &records)
            }
        }
        records.append(UInt8(13))
        records.append(UInt8(10))
    }

    /// The staging line with its newline.
    func hashInput(record: UnsafeRawBufferPointer, line: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        body(line)
        withUnsafeBytes(of: UInt8(10)) { body($0) }
    }

    var hashInputNeedsLine: Bool { true }

    var recordsSnapshotRowsHash: Bool { false }

    func makeWriter(path: String, stagingFile: String) throws -> any PartitionFileWriter {
        try TextPartitionWriter(path: path, level: level, header: header)
    }

    private static func appendField(_ bytes: UnsafeRawBufferPointer, to output: inout RecordBuffer) {
        var needsQuotes = bytes.isEmpty
        for byte in bytes where byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == 10 || byte == 13 {
            needsQuotes = true
            break
        }
        guard needsQuotes else {
            output.append(bytes)
            return
        }
        output.append(UInt8(ascii: "\""))
        for byte in bytes {
            if byte == UInt8(ascii: "\"") { output.append(byte) }
            output.append(byte)
        }
        output.append(UInt8(ascii: "\""))
    }
}
