import Core
import Foundation
import JSON
import ModuleErrors
import Zstd

/// Writes one staging table as Hive-style partition files under a table directory.
///
/// Snapshot (dimension) tables are one partition and stream straight through. Fact tables are
/// first split into one scratch file per partition (keeping input order), then each partition
/// is written on its own, so only one output file is open at a time whatever the partition count.
struct TableLoader {
    struct Partition: Sendable {
        var value: String
        var rows: Int
        /// Relative to the table directory: `<column>=<value>/part-<run_id>-00000.<ext>`.
        var relativePath: String
        /// Size and sha256 of the written file, when the writer already computed them.
        var checksum: FileEntry? = nil
        /// SHA-256 of the partition's rows in order (fact tables; see `PartitionReuse`).
        var rowsSha256: String? = nil
        /// The base run whose file was carried over (hard-linked) because the rows are the same;
        /// nil when this load wrote the file.
        var carriedOverFrom: String? = nil
    }

    /// Hive's name for a partition whose value is null.
    static let nullPartition = "__HIVE_DEFAULT_PARTITION__"

    let table: TableSchema
    let partitioning: TablePartitioning
    let options: LoadOptions
    let snapshotDate: String
    /// The run being loaded: file names carry it, so every version's new files have names of
    /// their own and a file, once published, is never rewritten in place.
    let runId: String
    /// Files of the base published run that unchanged partitions carry over (fact tables).
    var reuse: PartitionReuse? = nil

    /// Loads `stagingFile` into `tableDirectory` (which must not exist yet) and returns the partitions written.
    func load(stagingFile: String, into tableDirectory: String, scratchDirectory: String) throws -> [Partition] {
        if options.format == .parquet || options.format == .delta {
            return try ParquetTableLoader(loader: self).load(
                stagingFile: stagingFile, tableDirectory: tableDirectory, scratchDirectory: scratchDirectory)
        }
        if partitioning.by == .snapshot {
            return [try writeSnapshot(stagingFile: stagingFile, tableDirectory: tableDirectory)]
        }
        return try writeFacts(stagingFile: stagingFile, tableDirectory: tableDirectory, scratchDirectory: scratchDirectory)
    }

    var fileName: String { TableLoader.fileName(runId: runId, fileExtension: options.fileExtension) }

    /// `part-<run_id>-00000.<ext>` (':' of a run id becomes '-', which every object store and
    /// Hadoop path accepts).
    static func fileName(runId: String, fileExtension: String) -> String {
        "part-" + runId.replacingOccurrences(of: ":", with: "-") + "-00000." + fileExtension
    }

    func partitionPath(_ value: String) -> String { "\(partitioning.column)=\(value)/\(fileName)" }

    private func writeSnapshot(stagingFile: String, tableDirectory: String) throws -> Partition {
        let relative = partitionPath(snapshotDate)
        let path = tableDirectory + "/" + relative
        try AtomicFile.createParentDirectory(of: path)
        let writer = try PartitionFileWriters.make(format: options.format, path: path, table: table, options: options)
        var decoder = StagingRowDecoder(table: table, file: stagingFile)
        let reader = try openStaging(stagingFile)
        var rows = 0
        while let line = try nextLine(reader) {
            if line.isEmpty { continue }
            try decoder.parse(line, lineNumber: reader.lineNumber)
            try writer.write(&decoder, line: line)
            rows += 1
        }
        try writer.close()
        return Partition(value: snapshotDate, rows: rows, relativePath: relative)
    }

    private func writeFacts(stagingFile: String, tableDirectory: String, scratchDirectory: String) throws -> [Partition] {
        guard let source = partitioning.sourceColumn, let sourceIndex = table.index(ofColumn: source) else {
            throw LoadError(
                .configuration, "table \(table.table): partition by \(partitioning.by.rawValue) needs a source column in the schema")
        }
        // Pass 1: split by partition value.
        let keys = JSONKeySet([table.columns[sourceIndex].name])
        var found: [JSONValue?] = []
        var spills: [String: SpillFileWriter] = [:]
        try AtomicFile.createDirectory(scratchDirectory)
        let reader = try openStaging(stagingFile)
        while let line = try nextLine(reader) {
            if line.isEmpty { continue }
            let document = JSONDocument(line)
            let value: String
            do {
                let root = try document.root(validating: false)
                try document.members(root, keys, into: &found)
            } catch {
                throw LoadError(.badRow, "\(stagingFile) line \(reader.lineNumber): not a JSON object row", cause: error)
            }
            guard let cell = found[0] else {
                throw LoadError(.badRow, "\(stagingFile) line \(reader.lineNumber): partition column '\(source)' is missing")
            }
            if cell.kind == .null {
                value = TableLoader.nullPartition
            } else {
                guard cell.kind == .string, let cut = StagingTime.partitionValue(document.stringBytes(cell), by: partitioning.by) else {
                    throw LoadError(
                        .badRow, "\(stagingFile) line \(reader.lineNumber): partition column '\(source)' is not a date or timestamp")
                }
                value = cut
            }
            let spill: SpillFileWriter
            if let existing = spills[value] {
                spill = existing
            } else {
                spill = try SpillFileWriter(path: scratchDirectory + "/\(table.table)-\(spills.count).lines")
                spills[value] = spill
            }
            try spill.append(line: line)
        }
        if spills.isEmpty {
            // An empty fact table still gets a directory and a schema-only file, so globs and
            // Spark find the table; the null partition holds no rows.
            spills[TableLoader.nullPartition] = try SpillFileWriter(path: scratchDirectory + "/\(table.table)-empty.lines")
        }
        for spill in spills.values { try spill.finish() }

        // Pass 2: one file per partition, in partition order; an unchanged one is carried over.
        var partitions: [Partition] = []
        for value in spills.keys.sorted() {
            guard let spill = spills[value] else { continue }
            let rowsSha256 = spill.rowsSha256()
            if let reuse, let candidate = reuse.candidate(value, rowsSha256: rowsSha256, rows: spill.lines) {
                try? FileManager.default.removeItem(atPath: spill.path)
                partitions.append(try carryOver(candidate, value: value, tableDirectory: tableDirectory, baseRun: reuse.baseRun))
                continue
            }
            let relative = partitionPath(value)
            let path = tableDirectory + "/" + relative
            try AtomicFile.createParentDirectory(of: path)
            let writer = try PartitionFileWriters.make(format: options.format, path: path, table: table, options: options)
            var decoder = StagingRowDecoder(table: table, file: stagingFile + " (partition \(value))")
            let lines = try SpillFileReader(path: spill.path)
            var rows = 0
            while let line = try lines.nextLine() {
                rows += 1
                try decoder.parse(line, lineNumber: rows)
                try writer.write(&decoder, line: line)
            }
            try writer.close()
            try? FileManager.default.removeItem(atPath: spill.path)
            partitions.append(Partition(value: value, rows: rows, relativePath: relative, rowsSha256: rowsSha256))
        }
        return partitions
    }

    func openStaging(_ path: String) throws -> ZstdLineReader {
        do { return try ZstdLineReader(path: path) } catch {
            throw LoadError(.staging, "cannot open staging file \(path)", cause: error)
        }
    }

    func nextLine(_ reader: ZstdLineReader) throws -> UnsafeRawBufferPointer? {
        do { return try reader.nextLine() } catch {
            throw LoadError(
                .staging, "\(reader.path) line \(reader.lineNumber + 1): cannot read (truncated or corrupt); re-run transform for this run",
                cause: error)
        }
    }
}
