import ModuleErrors

/// Writes one Parquet file, streaming: rows go into per-column pages, each full row group is
/// written to the file and dropped, and `close()` writes the footer.
///
/// Values arrive row by row, one typed call per column (`write(_:int64:)`, `writeNull(_:)`...),
/// then `endRow()`. After any thrown error the writer refuses further use; delete the file.
/// The bytes depend only on the schema, options and values: no clock, no randomness.
public final class ParquetFileWriter {
    public let schema: ParquetSchema
    public let options: ParquetWriterOptions
    public let path: String

    private static let magic: [UInt8] = Array("PAR1".utf8)

    private let output: FileOutput
    private let columns: [ColumnChunkWriter]
    /// The same writers, unretained (`columns` keeps them alive): the per-value calls borrow them
    /// without reference counting.
    private let handles: [Unmanaged<ColumnChunkWriter>]
    private let rowGroupRows: Int
    private let rowGroupBytes: Int
    @exclusivity(unchecked) private var rowGroups: [RowGroup] = []
    @exclusivity(unchecked) private var rowsInGroup = 0
    @exclusivity(unchecked) private var failed = false
    @exclusivity(unchecked) private var closed = false

    /// Rows ended so far.
    @exclusivity(unchecked) public private(set) var rowCount = 0
    /// Row groups written so far.
    public var rowGroupCount: Int { rowGroups.count }

    public init(path: String, schema: ParquetSchema, options: ParquetWriterOptions) throws {
        self.path = path
        self.schema = schema
        self.options = options
        self.columns = schema.columns.map { ColumnChunkWriter(column: $0, options: options) }
        self.handles = columns.map { Unmanaged.passUnretained($0) }
        self.rowGroupRows = options.rowGroupRows
        self.rowGroupBytes = options.rowGroupBytes
        self.output = try FileOutput(path: path)
        try output.write(ParquetFileWriter.magic)
    }

    // MARK: Typed values

    public func writeNull(_ column: Int) throws {
        try withColumn(column) { writer in try run { try writer.writeNull() } }
    }

    /// For int64 and timestamp (microseconds) columns.
    public func write(_ column: Int, int64 value: Int64) throws {
        try withColumn(column) { writer in
            switch writer.type {
            case .int64, .timestampMicros: try run { try writer.write(int64: value) }
            default: throw mismatch(writer, "an int64")
            }
        }
    }

    /// For date columns: days since 1970-01-01 (negative before).
    public func write(_ column: Int, date days: Int32) throws {
        try withColumn(column) { writer in
            guard writer.type == .date else { throw mismatch(writer, "a date") }
            try run { try writer.write(int32: days) }
        }
    }

    public func write(_ column: Int, bool value: Bool) throws {
        try withColumn(column) { writer in
            guard writer.type == .bool else { throw mismatch(writer, "a bool") }
            try run { try writer.write(bool: value) }
        }
    }

    /// For decimal columns: the unscaled value, which must have at most `precision` digits.
    public func write(_ column: Int, decimal value: ParquetDecimal) throws {
        try withColumn(column) { writer in
            guard case .decimal(let precision, _) = writer.type else { throw mismatch(writer, "a decimal") }
            guard value.fits(precision: precision) else {
                failed = true
                throw ParquetError(
                    .invalidValue, "column '\(writer.column.name)': unscaled value \(value) has more than \(precision) digits")
            }
            if writer.physicalType == .int64 {
                // fits(precision <= 18) guarantees an Int64.
                try run { try writer.write(int64: value.int64Value ?? 0) }
            } else {
                try run { try writer.write(fixedDecimal: value) }
            }
        }
    }

    /// For decimal columns of precision <= 18 (stored as INT64): the unscaled value, which must
    /// have at most `precision` digits.
    public func write(_ column: Int, unscaledDecimal value: Int64) throws {
        try withColumn(column) { writer in
            guard writer.physicalType == .int64, let limit = writer.decimalLimit else {
                return try self.write(column, decimal: ParquetDecimal(value))
            }
            guard value < limit && value > -limit else {
                failed = true
                throw ParquetError(
                    .invalidValue, "column '\(writer.column.name)': unscaled value \(value) has more digits than \(writer.type) allows")
            }
            try run { try writer.write(int64: value) }
        }
    }

    /// For string and JSON columns: UTF-8 bytes (not validated).
    public func write(_ column: Int, bytes value: UnsafeRawBufferPointer) throws {
        try withColumn(column) { writer in
            guard writer.physicalType == .byteArray else { throw mismatch(writer, "a string") }
            guard value.count <= Int32.max else {
                failed = true
                throw ParquetError(.invalidValue, "column '\(writer.column.name)': a value of \(value.count) bytes exceeds 2 GiB")
            }
            try run { try writer.write(bytes: value) }
        }
    }

    /// For string and JSON columns.
    public func write(_ column: Int, string value: String) throws {
        var value = value
        try value.withUTF8 { try write(column, bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Ends the current row: every column must have received exactly one value.
    public func endRow() throws {
        guard !failed, !closed else { throw unusable() }
        let expected = rowsInGroup + 1
        var buffered = 0
        var incomplete: Int?
        for index in 0..<handles.count {
            handles[index]._withUnsafeGuaranteedRef { writer in
                if writer.chunkValueCount != expected { incomplete = index }
                buffered += writer.bufferedBytes
            }
        }
        if let index = incomplete {
            failed = true
            let got = columns[index].chunkValueCount - rowsInGroup
            throw ParquetError(.incompleteRow, "row \(rowCount): column '\(columns[index].column.name)' got \(got) values, expected 1")
        }
        rowsInGroup = expected
        rowCount += 1
        if rowsInGroup >= rowGroupRows || buffered >= rowGroupBytes {
            try run { try flushRowGroup() }
        }
    }

    /// Writes one row from cells in schema order.
    public func append(_ row: [ParquetValue]) throws {
        guard row.count == columns.count else {
            failed = true
            throw ParquetError(.incompleteRow, "row \(rowCount) has \(row.count) values, the schema \(columns.count) columns")
        }
        for (index, value) in row.enumerated() {
            switch value {
            case .null: try writeNull(index)
            case .string(let text): try write(index, string: text)
            case .bytes(let bytes): try bytes.withUnsafeBytes { try write(index, bytes: $0) }
            case .int64(let number): try write(index, int64: number)
            case .decimal(let decimal): try write(index, decimal: decimal)
            case .bool(let flag): try write(index, bool: flag)
            case .date(let days): try write(index, date: days)
            }
        }
        try endRow()
    }

    /// Writes the last row group and the footer, then closes (and by default fsyncs) the file.
    /// A row left without `endRow()` is an error.
    public func close() throws {
        guard !closed else { return }
        guard !failed else {
            closed = true
            try? output.close(sync: false)
            throw unusable()
        }
        closed = true
        do {
            for writer in columns where writer.chunkValueCount != rowsInGroup {
                throw ParquetError(.incompleteRow, "close: column '\(writer.column.name)' has a value of an unfinished row \(rowCount)")
            }
            try flushRowGroup()
            let footer = FileMetaData(
                version: 1,
                schema: schema.schemaElements(),
                numRows: Int64(rowCount),
                rowGroups: rowGroups,
                keyValueMetadata: options.keyValueMetadata,
                createdBy: options.createdBy,
                columnOrderCount: columns.count
            )
            let footerBytes = ThriftCompactEncoder.encode(footer)
            try output.write(footerBytes)
            var tail: [UInt8] = []
            PlainEncoder.append(int32: Int32(footerBytes.count), to: &tail)
            tail.append(contentsOf: ParquetFileWriter.magic)
            try output.write(tail)
            try output.close(sync: options.syncOnClose)
        } catch {
            failed = true
            try? output.close(sync: false)
            throw error
        }
    }

    /// Size of the file written so far (the footer is added by `close()`).
    public var bytesWritten: Int64 { output.offset }

    // MARK: Internals

    private var bufferedBytes: Int {
        var total = 0
        for writer in columns { total += writer.bufferedBytes }
        return total
    }

    private func flushRowGroup() throws {
        guard rowsInGroup > 0 else { return }
        let startOffset = output.offset
        var chunks: [ColumnChunk] = []
        chunks.reserveCapacity(columns.count)
        var uncompressed: Int64 = 0
        var compressed: Int64 = 0
        for writer in columns {
            let chunk = try writer.finishChunk(to: output)
            uncompressed += chunk.metaData.totalUncompressedSize
            compressed += chunk.metaData.totalCompressedSize
            chunks.append(chunk)
        }
        rowGroups.append(
            RowGroup(
                columns: chunks,
                totalByteSize: uncompressed,
                numRows: Int64(rowsInGroup),
                fileOffset: startOffset,
                totalCompressedSize: compressed,
                ordinal: Int16(truncatingIfNeeded: rowGroups.count)
            ))
        rowsInGroup = 0
    }

    /// Runs `body` with column `column`'s writer, borrowed without retaining it.
    @inline(__always)
    private func withColumn<R>(_ column: Int, _ body: (ColumnChunkWriter) throws -> R) throws -> R {
        guard !failed, !closed else { throw unusable() }
        guard column >= 0, column < handles.count else {
            failed = true
            throw ParquetError(.invalidValue, "column index \(column) out of range (schema has \(columns.count) columns)")
        }
        return try handles[column]._withUnsafeGuaranteedRef { try body($0) }
    }

    /// Runs a step that mutates state, marking the writer failed if it throws.
    @inline(__always)
    private func run(_ body: () throws -> Void) throws {
        do { try body() } catch {
            failed = true
            throw error
        }
    }

    private func mismatch(_ writer: ColumnChunkWriter, _ kind: String) -> ParquetError {
        failed = true
        return ParquetError(.invalidValue, "column '\(writer.column.name)' is \(writer.type), cannot take \(kind)")
    }

    private func unusable() -> ParquetError {
        ParquetError(.closed, "\(path): the writer is closed or failed earlier; delete the file and start again")
    }
}
