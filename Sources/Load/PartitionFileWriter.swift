import Core
import ModuleErrors
import Parquet
import Zstd

/// Writes the rows of one partition to one file in the load's output format.
protocol PartitionFileWriter: AnyObject {
    /// Writes the row `decoder` has just parsed from `line`.
    func write(_ decoder: inout StagingRowDecoder, line: UnsafeRawBufferPointer) throws
    func close() throws
}

enum PartitionFileWriters {
    static func make(format: PipelineDefinition.OutputFormat, path: String, table: TableSchema, options: LoadOptions) throws
        -> any PartitionFileWriter
    {
        switch format {
        case .parquet, .delta: return try ParquetPartitionWriter(path: path, table: table, options: options)
        case .ndjson: return try NDJSONPartitionWriter(path: path, level: options.zstdLevel)
        case .csv: return try CSVPartitionWriter(path: path, table: table, level: options.zstdLevel)
        }
    }
}

/// zstd Parquet: values decoded from the staging text into typed columns.
final class ParquetPartitionWriter: PartitionFileWriter {
    private enum Kind {
        case string, int64, decimal(scale: Int), bool, timestamp, date, json
    }

    private let writer: ParquetFileWriter
    private let kinds: [Kind]
    private let nullable: [Bool]

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

    init(path: String, table: TableSchema, options: LoadOptions) throws {
        writer = try ParquetPartitionWriter.makeWriter(path: path, table: table, options: options)
        kinds = table.columns.map { column in
            switch column.type {
            case .string: return .string
            case .int64: return .int64
            case .decimal(_, let scale): return .decimal(scale: scale)
            case .bool: return .bool
            case .timestamp: return .timestamp
            case .date: return .date
            case .json: return .json
            }
        }
        nullable = table.columns.map(\.nullable)
    }

    func write(_ decoder: inout StagingRowDecoder, line: UnsafeRawBufferPointer) throws {
        do {
            for column in 0..<kinds.count {
                let kind = kinds[column]
                if decoder.isNull(column) {
                    if nullable[column] {
                        try writer.writeNull(column)
                    } else if case .json = kind {
                        // A JSON null in a required json column is the document "null", not a missing value.
                        try writer.write(column, bytes: decoder.raw(column))
                    } else {
                        throw decoder.failure(column, "null in a non-nullable column")
                    }
                    continue
                }
                switch kind {
                case .string:
                    try decoder.withString(column) { try writer.write(column, bytes: $0) }
                case .int64:
                    try writer.write(column, int64: try decoder.int64(column))
                case .decimal(let scale):
                    try writer.write(column, decimal: try decoder.decimal(column, scale: scale))
                case .bool:
                    try writer.write(column, bool: try decoder.bool(column))
                case .timestamp:
                    try writer.write(column, int64: try decoder.timestampMicros(column))
                case .date:
                    try writer.write(column, date: try decoder.days(column))
                case .json:
                    try writer.write(column, bytes: decoder.raw(column))
                }
            }
            try writer.endRow()
        } catch let error as ParquetError {
            throw LoadError(.badRow, "\(decoder.file) line \(decoder.lineNumber): \(error.message)", cause: error)
        }
    }

    func close() throws {
        do { try writer.close() } catch {
            throw LoadError(.io, "cannot finish \(writer.path)", cause: error)
        }
    }
}

/// zstd NDJSON: the staging rows as they are (they already are the NDJSON encoding).
final class NDJSONPartitionWriter: PartitionFileWriter {
    private let output: ZstdFileWriter
    private var buffer: [UInt8] = []

    init(path: String, level: Int32) throws {
        output = try ZstdFileWriter(path: path, level: level)
        buffer.reserveCapacity(1 << 17)
    }

    func write(_ decoder: inout StagingRowDecoder, line: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: line)
        buffer.append(10)
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

/// zstd CSV (RFC 4180): a header row, CRLF line ends, fields quoted when they hold a comma, quote,
/// CR or LF, quotes doubled. NULL is an empty unquoted field; an empty string is `""`.
final class CSVPartitionWriter: PartitionFileWriter {
    private let output: ZstdFileWriter
    private let types: [ColumnType]
    private let nullable: [Bool]
    private var buffer: [UInt8] = []

    init(path: String, table: TableSchema, level: Int32) throws {
        output = try ZstdFileWriter(path: path, level: level)
        types = table.columns.map(\.type)
        nullable = table.columns.map(\.nullable)
        buffer.reserveCapacity(1 << 17)
        for (index, column) in table.columns.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            column.name.utf8.withContiguousStorageIfAvailable { appendField(UnsafeRawBufferPointer($0)) }
                ?? appendField(Array(column.name.utf8))
        }
        buffer.append(contentsOf: [13, 10])
    }

    func write(_ decoder: inout StagingRowDecoder, line: UnsafeRawBufferPointer) throws {
        for column in 0..<types.count {
            if column > 0 { buffer.append(UInt8(ascii: ",")) }
            if decoder.isNull(column) {
                // As in Parquet: NULL when the column is nullable, else the JSON document `null`.
                if types[column] == .json && !nullable[column] { appendField(decoder.raw(column)) }
                continue
            }
            switch types[column] {
            case .string:
                try decoder.withString(column) { appendField($0) }
            case .int64:
                _ = try decoder.int64(column)
                buffer.append(contentsOf: decoder.raw(column))
            case .bool:
                buffer.append(contentsOf: try decoder.bool(column) ? Array("true".utf8) : Array("false".utf8))
            case .decimal(_, let scale):
                _ = try decoder.decimal(column, scale: scale)
                buffer.append(contentsOf: try decoder.rawString(column))
            case .timestamp:
                _ = try decoder.timestampMicros(column)
                buffer.append(contentsOf: try decoder.rawString(column))
            case .date:
                _ = try decoder.days(column)
                buffer.append(contentsOf: try decoder.rawString(column))
            case .json:
                appendField(decoder.raw(column))
            }
        }
        buffer.append(contentsOf: [13, 10])
        if buffer.count >= 1 << 16 { try flush() }
    }

    private func appendField(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { appendField($0) }
    }

    private func appendField(_ bytes: UnsafeRawBufferPointer) {
        var needsQuotes = bytes.isEmpty
        for byte in bytes where byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == 10 || byte == 13 {
            needsQuotes = true
            break
        }
        guard needsQuotes else {
            buffer.append(contentsOf: bytes)
            return
        }
        buffer.append(UInt8(ascii: "\""))
        for byte in bytes {
            if byte == UInt8(ascii: "\"") { buffer.append(byte) }
            buffer.append(byte)
        }
        buffer.append(UInt8(ascii: "\""))
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
