import Core
import Digest
import ModuleErrors
import Zstd

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The first pass of every load, whatever the format: splits a staging file by partition value
/// into one `PartitionSpill` per partition, in input order, hashing each partition's rows.
///
/// The loading thread reads the staging file in blocks of whole lines; blocks are decoded in
/// parallel (the next ones are read meanwhile): each row is parsed (`StagingRowDecoder`, which
/// checks it), given its partition, and encoded into its format's record (`PartitionRecordFormat`);
/// each block's records are grouped by partition, compressed, and appended to the spills in block
/// order. A snapshot (dimension) table is one partition, the snapshot date. Memory stays flat: the
/// compressed records held beyond `memoryBudget` go to scratch files, and a table that went over
/// it moves the rest there too at the end of the pass, so the second pass's writers do not run
/// beside a full budget of held records.
struct StagingPartitioner<Format: PartitionRecordFormat>: Sendable {
    /// One partition after the split, for the second pass.
    struct Partition: Sendable {
        var value: String
        var rows: Int
        var records: PartitionSpill.Sealed
        /// nil when the load records no rows hash for it (`PartitionRecordFormat.recordsSnapshotRowsHash`).
        var rowsSha256: String?
    }

    let table: TableSchema
    let partitioning: TablePartitioning
    let snapshotDate: String
    let format: Format
    let stagingFile: String
    /// The partition column's index; nil for a snapshot table.
    let sourceIndex: Int?
    /// nil when the partitions' rows hashes are not recorded.
    let hashes: PartitionRowsHashes?
    /// Staging bytes per block (tests make it small, so that a few rows span many blocks).
    var blockBytes = StagingBlockReader.defaultBlockBytes

    /// Compressed records held in memory between the passes before they go to scratch files
    /// (tests make it small).
    var memoryBudget = TableLoader.defaultMemoryBudget

    /// Throws when a partitioned table's schema lacks the partition's source column.
    init(table: TableSchema, partitioning: TablePartitioning, snapshotDate: String, format: Format, stagingFile: String) throws {
        self.table = table
        self.partitioning = partitioning
        self.snapshotDate = snapshotDate
        self.format = format
        self.stagingFile = stagingFile
        if partitioning.by == .snapshot {
            sourceIndex = nil
        } else {
            guard let source = partitioning.sourceColumn, let index = table.index(ofColumn: source) else {
                throw LoadError(
                    .configuration, "table \(table.table): partition by \(partitioning.by.rawValue) needs a source column in the schema")
            }
            sourceIndex = index
        }
        hashes = sourceIndex != nil || format.recordsSnapshotRowsHash ? PartitionRowsHashes() : nil
    }

    /// Splits the staging file; returns the partitions in partition-value order. An empty table
    /// still has one partition, with no rows: the snapshot date, or the null partition of a fact table.
    func split(scratchDirectory: String) throws -> [Partition] {
        try AtomicFile.createDirectory(scratchDirectory)
        let reader = try StagingBlockReader(path: stagingFile, blockBytes: blockBytes)
        var spills: [String: PartitionSpill] = [:]
        var heldBytes = 0
        // Two blocks per thread and batch, so a slow block rarely leaves a core idle at the barrier.
        let parsers = 2 * TableLoader.workerCount
        var current = try reader.readBlocks(parsers)
        var blockIndex = 0
        while !current.isEmpty {
            let batch = current
            let first = blockIndex
            var next: [StagingBlock] = []
            let outputs = try WorkerPool.map(
                batch.count, workers: TableLoader.workerCount, alongside: { next = try reader.readBlocks(parsers) }
            ) {
                [self] index in
                try decode(batch[index], index: first + index)
            }
            blockIndex += batch.count
            for output in outputs {
                for part in output.parts {
                    let spill = spillFile(for: part.value, in: &spills, scratchDirectory: scratchDirectory)
                    spill.append(part.chunk, rows: part.rows)
                    heldBytes += part.chunk.compressed.count
                }
            }
            // Over budget: move the largest partitions' chunks to their scratch files.
            while heldBytes > memoryBudget, let largest = spills.values.max(by: { ($0.heldBytes, $0.path) < ($1.heldBytes, $1.path) }) {
                heldBytes -= largest.heldBytes
                try largest.moveToDisk()
            }
            current = next
        }
        // A table that went over the budget is larger than memory should hold: the records still
        // held join their scratch files, so pass 2 reads every partition from disk.
        if spills.values.contains(where: \.isOnDisk) {
            for spill in spills.values.sorted(by: { $0.path < $1.path }) where spill.heldBytes > 0 { try spill.moveToDisk() }
        }
        if spills.isEmpty {
            // An empty table still gets a directory and a schema-only file, so globs and Spark
            // find it: a dimension table in its snapshot partition, a fact table in the null
            // partition (which holds no rows).
            _ = spillFile(
                for: sourceIndex == nil ? snapshotDate : TableLoader.nullPartition, in: &spills, scratchDirectory: scratchDirectory)
        }
        let digests = try hashes?.digests()
        return spills.keys.sorted().map { value in
            let spill = spills[value]!
            return Partition(
                value: value, rows: spill.rows, records: spill.sealed(),
                rowsSha256: digests.map { $0[value] ?? SHA256().hexDigest() })
        }
    }

    private func spillFile(for value: String, in spills: inout [String: PartitionSpill], scratchDirectory: String) -> PartitionSpill {
        if let existing = spills[value] { return existing }
        let spill = PartitionSpill(path: scratchDirectory + "/\(table.table)-\(spills.count).rows")
        spills[value] = spill
        return spill
    }

    /// One block's records per partition (partitions in first-seen order).
    struct BlockOutput: Sendable {
        struct Part: Sendable {
            var value: String
            var chunk: PartitionSpill.Chunk
            var rows: Int
        }
        var parts: [Part] = []
    }

    /// Where one row of a block is: its partition (index in the block's first-seen order), its
    /// framed record in the block's records, its line in the block's bytes.
    private struct Row {
        var part: Int
        var record: Int
        var lineStart: Int
        var lineEnd: Int
    }

    /// Decodes block `index` (of the staging file's blocks, in order): its rows go to the rows
    /// hashes and come back as one compressed chunk of records per partition.
    private func decode(_ block: StagingBlock, index: Int) throws -> BlockOutput {
        var decoder = StagingRowDecoder(table: table, file: stagingFile)
        // Every row's record, length-prefixed, in input order.
        var records = RecordBuffer()
        var rows: [Row] = []
        var values: [String] = []
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
                let lineStart = start
                start = end + 1
                lineNumber += 1
                if line.isEmpty { continue }
                try decoder.parse(line, lineNumber: number)
                let part: Int
                if let sourceIndex, !decoder.isNull(sourceIndex) {
                    let text = try decoder.rawString(sourceIndex)
                    if lastPart >= 0, text.count >= lastKey.count, memcmp(text.baseAddress!, lastKey, lastKey.count) == 0 {
                        part = lastPart
                    } else {
                        guard let value = StagingTime.partitionValue(text, by: partitioning.by) else {
                            throw decoder.failure(sourceIndex, "the partition column is not a date or timestamp")
                        }
                        part = Self.index(of: value, in: &values)
                        lastKey = Array(value.utf8)
                        lastPart = part
                    }
                } else {
                    part = Self.index(of: sourceIndex == nil ? snapshotDate : TableLoader.nullPartition, in: &values)
                }
                let mark = records.count
                records.append(UInt32(0))
                try format.encode(&decoder, line: line, into: &records)
                records.store(UInt32(records.count - mark - 4), at: mark)
                rows.append(Row(part: part, record: mark, lineStart: lineStart, lineEnd: end))
            }
        }

        // Where each partition's rows are. In date-ordered data each partition's rows are one run,
        // and so are its records in `records`; otherwise a stable counting sort by partition finds them.
        var counts = [Int](repeating: 0, count: values.count)
        var firstRow = [Int](repeating: -1, count: values.count)
        var lastRow = [Int](repeating: 0, count: values.count)
        for (position, row) in rows.enumerated() {
            if firstRow[row.part] < 0 { firstRow[row.part] = position }
            lastRow[row.part] = position
            counts[row.part] += 1
        }
        let runs = values.indices.allSatisfy { lastRow[$0] - firstRow[$0] + 1 == counts[$0] }
        var starts = [Int](repeating: 0, count: values.count + 1)
        for part in values.indices { starts[part + 1] = starts[part] + counts[part] }
        var order: [Int] = []
        if !runs {
            order = [Int](repeating: 0, count: rows.count)
            var cursor = starts
            for (position, row) in rows.enumerated() {
                order[cursor[row.part]] = position
                cursor[row.part] += 1
            }
        }
        /// The `k`th row of partition `part`, in input order.
        func row(_ part: Int, _ k: Int) -> Row { rows[runs ? firstRow[part] + k : order[starts[part] + k]] }
        func recordEnd(_ row: Row) -> Int { row.record + 4 + Int(records.uint32(at: row.record)) }

        // Each partition's records, compressed (the partition's chunk of this block).
        let compressor: ZstdCompressor
        do { compressor = try ZstdCompressor(level: 1) } catch { throw LoadError(.io, "cannot start zstd", cause: error) }
        func chunk(_ raw: UnsafeRawBufferPointer) throws -> PartitionSpill.Chunk {
            var compressed: [UInt8] = []
            do { try compressor.compress(raw, appendingTo: &compressed) } catch {
                throw LoadError(.io, "cannot compress scratch rows of \(stagingFile)", cause: error)
            }
            // A copy of exactly the compressed size: the compressor's array keeps the raw size's capacity.
            return PartitionSpill.Chunk(compressed: compressed.withUnsafeBytes { Array($0) }, rawSize: raw.count)
        }
        var chunks: [PartitionSpill.Chunk] = []
        if runs {
            for part in values.indices {
                let first = rows[firstRow[part]].record
                chunks.append(try chunk(records.bytes(from: first, count: recordEnd(rows[lastRow[part]]) - first)))
            }
        } else {
            // One partition's records at a time, gathered in input order.
            var sizes = [Int](repeating: 0, count: values.count)
            for row in rows { sizes[row.part] += recordEnd(row) - row.record }
            var gathered = RecordBuffer(capacity: sizes.max() ?? 0)
            for part in values.indices {
                gathered.removeAll()
                for k in 0..<counts[part] {
                    let row = row(part, k)
                    gathered.append(records.bytes(from: row.record, count: recordEnd(row) - row.record))
                }
                chunks.append(try chunk(gathered.bytes))
            }
        }

        // The rows hashes: in place when this block's turn has come, else later from its chunks
        // (or a copy of its hash input, when that needs the lines).
        if let hashes {
            let partHashes = values.map { hashes.hash(of: $0) }
            block.bytes.withUnsafeBytes { bytes in
                func input(_ row: Row, _ body: (UnsafeRawBufferPointer) -> Void) {
                    format.hashInput(
                        record: records.bytes(from: row.record + 4, count: recordEnd(row) - row.record - 4),
                        line: UnsafeRawBufferPointer(rebasing: bytes[row.lineStart..<row.lineEnd]), body)
                }
                hashes.add(
                    block: index,
                    inPlace: {
                        for part in values.indices {
                            partHashes[part].update { hasher in
                                for k in 0..<counts[part] { input(row(part, k)) { hasher.update($0) } }
                            }
                        }
                    },
                    copy: {
                        values.indices.map { part in
                            if format.hashInputNeedsLine {
                                var copy: [UInt8] = []
                                for k in 0..<counts[part] { input(row(part, k)) { copy.append(contentsOf: $0) } }
                                return PartitionRowsHashes.Piece(hash: partHashes[part], bytes: copy)
                            }
                            let chunk = chunks[part]
                            return PartitionRowsHashes.Piece(hash: partHashes[part]) { [format, stagingFile] hasher in
                                do {
                                    try PartitionSpill.forEachRecord(of: chunk, path: stagingFile) { record in
                                        format.hashInput(record: record, line: UnsafeRawBufferPointer(start: nil, count: 0)) {
                                            hasher.update($0)
                                        }
                                    }
                                    return true
                                } catch {
                                    return false
                                }
                            }
                        }
                    })
            }
        }

        var output = BlockOutput()
        for part in values.indices {
            output.parts.append(.init(value: values[part], chunk: chunks[part], rows: counts[part]))
        }
        return output
    }

    private static func index(of value: String, in values: inout [String]) -> Int {
        if let index = values.firstIndex(of: value) { return index }
        values.append(value)
        return values.count - 1
    }
}
