import Core

/// What one output format decides in a load; everything else (splitting by partition, spilling,
/// rows hashes, carry-over, parallel writing) is `StagingPartitioner` and `TableLoader`, the same
/// for every format.
///
/// A format turns each staging row into the record its partition keeps until the partition's file
/// is written, says which bytes of a row the partition's rows hash covers, and opens the writer
/// that turns a partition's records into its file.
protocol PartitionRecordFormat: Sendable {
    /// Appends the record of the row `decoder` has just parsed from `line` (on a decoding
    /// thread; the caller frames it). Throws `LoadError(.badRow)` naming the file, line and
    /// column when a value does not fit its column.
    func encode(_ decoder: inout StagingRowDecoder, line: UnsafeRawBufferPointer, into records: inout RecordBuffer) throws

    /// Calls `body` with the bytes of one row that its partition's rows hash covers, in order
    /// (`PartitionReuse` compares the hash with the published run's: the same rows must give the
    /// same bytes in every load, wherever they sit in the staging file).
    func hashInput(record: UnsafeRawBufferPointer, line: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void)

    /// Whether `hashInput` reads the staging line (not only the record). When it does not, a
    /// block decoded before its turn to be hashed leaves its compressed records for the hashing
    /// instead of a copy of its hash input (see `PartitionRowsHashes`).
    var hashInputNeedsLine: Bool { get }

    /// Whether a snapshot (dimension) table's partition records its rows hash in the manifest too.
    /// Snapshots are never carried over, so this only keeps each format's manifests as they have
    /// been since rows hashes came in: Parquet and Delta record it, NDJSON and CSV do not.
    var recordsSnapshotRowsHash: Bool { get }

    /// Opens the writer of one partition file at `path` (its directory exists).
    func makeWriter(path: String, stagingFile: String) throws -> any PartitionFileWriter
}

/// zstd Parquet (and Delta): each row decoded once into typed values (`TypedRowCodec`), which
/// the partition's writer feeds to the Parquet writer without parsing any text again.
struct ParquetRecordFormat: PartitionRecordFormat {
    let table: TableSchema
    let options: LoadOptions
    let codec: TypedRowCodec

    init(table: TableSchema, options: LoadOptions) {
        self.table = table
        self.options = options
        codec = TypedRowCodec(table: table)
    }

    func encode(_ decoder: inout StagingRowDecoder, line: UnsafeRawBufferPointer, into records: inout RecordBuffer) throws {
        try codec.encode(&decoder, into: &records)
    }

    /// The record without its staging line number, which says where the row was and not what it
    /// holds (a row earlier in the file shifts every later line number), after its length (UInt32
    /// little-endian), so the records stay delimited.
    func hashInput(record: UnsafeRawBufferPointer, line: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        let values = UnsafeRawBufferPointer(rebasing: record[4...])
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: values.count).littleEndian) { body($0) }
        body(values)
    }

    var hashInputNeedsLine: Bool { false }

    var recordsSnapshotRowsHash: Bool { true }

    func makeWriter(path: String, stagingFile: String) throws -> any PartitionFileWriter {
        try ParquetPartitionWriter(path: path, table: table, options: options, codec: codec, stagingFile: stagingFile)
    }
}

/// zstd NDJSON: the staging rows as they are (they already are the NDJSON encoding); a record is
/// the line with its newline.
struct NDJSONRecordFormat: PartitionRecordFormat {
    let level: Int32

    func encode(_ decoder: inout StagingRowDecoder, line: UnsafeRawBufferPointer, into records: inout RecordBuffer) throws {
        records.append(line)
        records.append(UInt8(10))
    }

    /// The line with its newline (the record itself).
    func hashInput(record: UnsafeRawBufferPointer, line: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        body(record)
    }

    var hashInputNeedsLine: Bool { false }

    var recordsSnapshotRowsHash: Bool { false }

    func makeWriter(path: String, stagingFile: String) throws -> any PartitionFileWriter {
        try TextPartitionWriter(path: path, level: level, header: [])
    }
}
