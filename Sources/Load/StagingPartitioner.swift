import Core
import Foundation
import ModuleErrors
import Parquet
import Zstd

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Parquet path of `TableLoader`: parse each staging line once, then write partitions in parallel.
///
/// Pass 1 (one thread) reads the staging file, decodes every row into typed values
/// (`TypedRowCodec`) and appends it to its partition's scratch file, keeping input order.
/// Pass 2 writes each partition's file from its scratch file; partitions are independent files,
/// so they are spread over the cores, and each file's bytes depend only on its rows.
struct ParquetTableLoader {
    let loader: TableLoader

    /// Compressed decoded rows held in memory between the passes before they go to scratch files.
    static let memoryBudget = 48 << 20

    /// Most partitions written at once; each holds one row group in memory.
    static var workerCount: Int { max(1, min(ProcessInfo.processInfo.activeProcessorCount, 4)) }

    func load(stagingFile: String, tableDirectory: String, scratchDirectory: String) throws -> [TableLoader.Partition] {
        let table = loader.table
        let partitioning = loader.partitioning
        var sourceIndex: Int?
        if partitioning.by != .snapshot {
            guard let source = partitioning.sourceColumn, let index = table.index(ofColumn: source) else {
                throw LoadError(
                    .configuration, "table \(table.table): partition by \(partitioning.by.rawValue) needs a source column in the schema")
            }
            sourceIndex = index
        }
        try AtomicFile.createDirectory(scratchDirectory)

        // Pass 1: decode and split by partition value. Blocks of lines are decoded in parallel
        // (the next block is read meanwhile) and appended to the scratch files in block order.
        let codec = TypedRowCodec(table: table)
        var spills: [String: PartitionSpill] = [:]
        var heldBytes = 0
        let reader = try loader.openStaging(stagingFile)
        let blockReader = StagingBlockReader(loader: loader, reader: reader)
        // Two blocks per thread and batch, so a slow block rarely leaves a core idle at the barrier.
        let parsers = 2 * ParquetTableLoader.workerCount
        var current = try blockReader.readBlocks(parsers)
        // The previous batch's records, hashed per partition in input order while the workers
        // decode the next batch (see `PartitionSpill.hash(_:)`).
        var unhashed: [BlockOutput] = []
        func hashRecords(_ outputs: [BlockOutput]) {
            for output in outputs {
                for part in output.partitions {
                    part.raw.withUnsafeBytes { spills[part.value]?.hash($0) }
                }
            }
        }
        while !current.isEmpty {
            let batch = current
            var next: [StagingBlock] = []
            let previous = unhashed
            let outputs = try WorkerPool.map(
                batch.count, workers: ParquetTableLoader.workerCount,
                alongside: {
                    next = try blockReader.readBlocks(parsers)
                    hashRecords(previous)
                }
            ) { [self, sourceIndex] index in
                try decode(batch[index], codec: codec, sourceIndex: sourceIndex, stagingFile: stagingFile)
            }
            unhashed = outputs
            for output in outputs {
                for part in output.partitions {
                    let spill = spillFile(for: part.value, in: &spills, scratchDirectory: scratchDirectory)
                    spill.append(PartitionSpill.Chunk(compressed: part.records, rawSize: part.rawSize), rows: part.count)
                    heldBytes += part.records.count
                }
            }
            // Over budget: move the largest partitions' chunks to their scratch files.
            while heldBytes > ParquetTableLoader.memoryBudget,
                let largest = spills.values.max(by: { ($0.heldBytes, $0.path) < ($1.heldBytes, $1.path) })
            {
                heldBytes -= largest.heldBytes
                try largest.moveToDisk()
            }
            current = next
        }
        hashRecords(unhashed)
        unhashed = []
        if spills.isEmpty {
            // An empty table still gets a directory and a schema-only file, so globs and Spark
            // find it: a dimension table in its snapshot partition, a fact table in the null
            // partition (which holds no rows).
            _ = spillFile(
                for: sourceIndex == nil ? loader.snapshotDate : TableLoader.nullPartition, in: &spills, scratchDirectory: scratchDirectory)
        }

        // Pass 2: one file per partition, partitions spread over the cores; a partition whose
        // rows are the base run's carries the base's file over instead.
        let values = spills.keys.sorted()
        let jobs = values.map { (value: $0, rows: spills[$0]!.rows, spill: spills[$0]!.sealed()) }
        let reuse = loader.reuse
        let results = try WorkerPool.map(jobs.count, workers: ParquetTableLoader.workerCount) { [self] index in
            let job = jobs[index]
            if let reuse, let candidate = reuse.candidate(job.value, rowsSha256: job.spill.rowsSha256, rows: job.rows) {
                job.spill.discard()
                return try loader.carryOver(candidate, value: job.value, tableDirectory: tableDirectory, baseRun: reuse.baseRun)
            }
            return try writePartition(
                value: job.value, spill: job.spill, codec: codec,
                stagingFile: stagingFile, tableDirectory: tableDirectory)
        }
        return results
    }

    /// Decodes one block's rows into per-partition records, partitions in first-seen order.
    private func decode(_ block: StagingBlock, codec: TypedRowCodec, sourceIndex: Int?, stagingFile: String) throws -> BlockOutput {
        var decoder = StagingRowDecoder(table: loader.table, file: stagingFile)
        var output = BlockOutput()
        // Each partition's length-prefixed records while the block is decoded (compressed below).
        var buffers: [RecordBuffer] = []
        var lastKey: [UInt8] = []
        var lastPart = -1
        var lineNumber = block.firstLineNumber
        try block.bytes.withUnsafeBytes { bytes in
            var start = 0
            while start < bytes.count {
                guard let hit = memchr(bytes.baseAddress! + start, 10, bytes.count - start) else { break }
                let end = UnsafeRawPointer(hit) - bytes.baseAddress!
                let line = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                let number = lineNumber
                start = end + 1
                lineNumber += 1
                if line.isEmpty { continue }
                try decoder.parse(line, lineNumber: number)
                var part: Int
                if let sourceIndex, !decoder.isNull(sourceIndex) {
                    let text = try decoder.rawString(sourceIndex)
                    if lastPart >= 0, text.count >= lastKey.count, memcmp(text.baseAddress!, lastKey, lastKey.count) == 0 {
                        part = lastPart
                    } else {
                        guard let value = StagingTime.partitionValue(text, by: loader.partitioning.by) else {
                            throw decoder.failure(sourceIndex, "the partition column is not a date or timestamp")
                        }
                        part = output.index(of: value)
                        lastKey = Array(value.utf8)
                        lastPart = part
                    }
                } else {
                    part = output.index(of: sourceIndex == nil ? loader.snapshotDate : TableLoader.nullPartition)
                }
                if part == buffers.count { buffers.append(RecordBuffer()) }
                let records = buffers[part]
                let mark = records.count
                records.append(UInt32(0))
                try codec.encode(&decoder, into: records)
                records.store(UInt32(records.count - mark - 4), at: mark)
                output.partitions[part].count += 1
            }
        }
        let compressor: ZstdCompressor
        do { compressor = try ZstdCompressor(level: 1) } catch { throw LoadError(.io, "cannot start zstd", cause: error) }
        for index in output.partitions.indices {
            let raw = buffers[index]
            output.partitions[index].rawSize = raw.count
            output.partitions[index].raw = Self.hashInput(raw.bytes)
            // A copy of exactly the compressed size: the compressor's array keeps the raw size's capacity.
            var compressed: [UInt8] = []
            do {
                try compressor.compress(raw.bytes, appendingTo: &compressed)
                output.partitions[index].records = compressed.withUnsafeBytes { Array($0) }
            } catch {
                throw LoadError(.io, "cannot compress scratch rows of \(stagingFile)", cause: error)
            }
        }
        return output
    }

    /// What a partition's rows hash covers: each record (`TypedRowCodec`) without its staging line
    /// number, which says where the row was and not what it holds (a row earlier in the file
    /// shifts every later line number). Length-prefixed, so the records stay delimited.
    static func hashInput(_ records: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(records.count)
        var offset = 0
        while offset + 8 <= records.count {
            let length = Int(UInt32(littleEndian: records.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            guard length >= 4, offset + 4 + length <= records.count else { break }
            withUnsafeBytes(of: UInt32(length - 4).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: records[(offset + 8)..<(offset + 4 + length)]))
            offset += 4 + length
        }
        return out
    }

    private func spillFile(for value: String, in spills: inout [String: PartitionSpill], scratchDirectory: String) -> PartitionSpill {
        if let existing = spills[value] { return existing }
        let spill = PartitionSpill(path: scratchDirectory + "/\(loader.table.table)-\(spills.count).rows")
        spills[value] = spill
        return spill
    }

    private func writePartition(
        value: String, spill: PartitionSpill.Sealed, codec: TypedRowCodec, stagingFile: String, tableDirectory: String
    ) throws -> TableLoader.Partition {
        let relative = loader.partitionPath(value)
        let path = tableDirectory + "/" + relative
        try AtomicFile.createParentDirectory(of: path)
        let writer = try ParquetPartitionWriter.makeWriter(path: path, table: loader.table, options: loader.options)
        var rows = 0
        var lineNumber = 0
        do {
            try spill.forEachRecord { record in
                lineNumber = try codec.write(record: record, to: writer)
                rows += 1
            }
        } catch let error as ParquetError {
            throw LoadError(.badRow, "\(stagingFile) line \(lineNumber + 1): \(error.message)", cause: error)
        }
        do { try writer.close() } catch {
            throw LoadError(.io, "cannot finish \(path)", cause: error)
        }
        let checksum: FileEntry
        do { checksum = try FileEntry.describe(path: path, relativeTo: "") } catch {
            throw LoadError(.io, "cannot checksum \(path)", cause: error)
        }
        return TableLoader.Partition(value: value, rows: rows, relativePath: relative, checksum: checksum, rowsSha256: spill.rowsSha256)
    }
}

/// Whole staging lines (each ending in a newline, empty ones kept so numbering holds).
struct StagingBlock {
    var bytes: [UInt8]
    var firstLineNumber: Int
}

/// One block's records per partition (see `PartitionSpill`).
struct BlockOutput {
    struct Part {
        var value: String
        /// Length-prefixed records, zstd-compressed.
        var records: [UInt8] = []
        /// The same records uncompressed, without line numbers (`hashInput`), until they are hashed.
        var raw: [UInt8] = []
        var rawSize = 0
        var count = 0
    }
    var partitions: [Part] = []

    mutating func index(of value: String) -> Int {
        if let index = partitions.firstIndex(where: { $0.value == value }) { return index }
        partitions.append(Part(value: value))
        return partitions.count - 1
    }
}

/// Cuts the staging file into blocks of about `blockBytes` of whole lines (on the loading thread).
final class StagingBlockReader {
    static let blockBytes = 2 << 20
    private let loader: TableLoader
    private let reader: ZstdLineReader

    init(loader: TableLoader, reader: ZstdLineReader) {
        self.loader = loader
        self.reader = reader
    }

    /// Up to `count` blocks; empty at the end of the file.
    func readBlocks(_ count: Int) throws -> [StagingBlock] {
        var blocks: [StagingBlock] = []
        while blocks.count < count {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(StagingBlockReader.blockBytes + 65_536)
            let first = reader.lineNumber + 1
            while bytes.count < StagingBlockReader.blockBytes, let line = try loader.nextLine(reader) {
                bytes.append(contentsOf: line)
                bytes.append(10)
            }
            if bytes.isEmpty { break }
            blocks.append(StagingBlock(bytes: bytes, firstLineNumber: first))
        }
        return blocks
    }
}
