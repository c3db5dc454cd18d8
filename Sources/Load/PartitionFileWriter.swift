import Core
import ModuleErrors
import Parquet
import Zstd

/// Writes the records of one partition (see `PartitionRecordFormat`), in order, to one file.
protocol PartitionFileWriter: AnyObject {
    func write(record: UnsafeRawBufferPointer) throws
    func close() throws
}

/// zstd Parquet: each record's typed values (`TypedRowCodec`) as one row.
final class ParquetPartitionWriter: PartitionFileWriter {
    private let writer: ParquetFileWriter
    private let codec: TypedRowCodec
    private let stagingFile: String

    /// A zstd Parquet writer for one partition file of `table`, footer tagged with the table and schema hash.
    static func makeWriter(path: String, table: TableSchema, options: LoadOptions) throws -> ParquetFileWriter {
        var settings = ParquetWriterOptions(createdBy: ToolInfo.createdBy, compressor: try ZstdPageCompressor(level: options.zstdLevel))
        settings.rowGroupRows = options.rowGroupRows
        settings.keyValueMetadata = [
            KeyValue(key: "stripe_warehouse.table", value: table.table),
            KeyValue(key: "stripe_warehouse.schema_sha256", value: table.hash)
        ]
        return try ParquetFileWriter(path: path, schema: try table.parquetSchema(), options: settings)
    }

    init(path: String, table: TableSchema, options: LoadOptions, codec: TypedRowCodec, stagingFile: String) throws {
        writer = try ParquetPartitionWriter.makeWriter(path: path, table: table, options: options)
        self.codec = codec
        self.stagingFile = stagingFile
    }

    func write(record: UnsafeRawBufferPointer) throws {
        do {
            try codec.write(record: record, to: writer)
        } catch let error as ParquetError {
            throw Self.loadError(error, stagingFile: stagingFile, line: TypedRowCodec.lineNumber(of: record), path: writer.path)
        }
    }

    /// A value the row cannot hold rejects the row (its staging line named); a failure to write
    /// the file (a full disk during a row group's flush, the compressor) is a file error.
    static func loadError(_ error: ParquetError, stagingFile: String, line: Int, path: String) -> LoadError {
        switch error.code {
        case .invalidValue, .incompleteRow:
            LoadError(.badRow, "\(stagingFile) line \(line): \(error.message)", cause: error)
        case .io, .compression, .closed:
            LoadError(.io, "cannot write \(path) (rows from \(stagingFile) up to line \(line)): \(error.message)", cause: error)
        case .invalidSchema:
            LoadError(.configuration, "cannot write \(path): \(error.message)", cause: error)
        }
    }

    func close() throws {
        do { try writer.close() } catch {
            throw LoadError(.io, "cannot finish \(writer.path)", cause: error)
        }
    }
}

/// zstd NDJSON or CSV: the records are the file's lines, after an optional header.
final class TextPartitionWriter: PartitionFileWriter {
    private let output: ZstdFileWriter
    private var buffer: [UInt8] = []

    init(path: String, level: Int32, header: [UInt8]) throws {
        output = try ZstdFileWriter(path: path, level: level)
        buffer.reserveCapacity(1 << 17)
        buffer.append(contentsOf: header)
    }

    func write(record: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: record)
        if buffer.count >= 1 << 16 { try flush() }
    }

    private func flush() throws {
        try output.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        try output.close()
    }
}
