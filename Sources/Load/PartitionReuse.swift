import Core
import Foundation
import ModuleErrors

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files of the base published run that one table's load may carry over instead of writing.
///
/// A partition file's bytes depend only on its rows and on the settings that shape the encoding
/// (format, zstd level, row group size, partitioning, schema, tool version): the footer holds no
/// run id or clock. So when the base run loaded the table with the same settings, and a partition
/// of this load has the same rows (in order) as the base's partition of the same value, the base's
/// file is that partition's file: it is hard-linked (copied where links are refused) under its
/// own name, never encoded or written again. Fact tables only: a dimension table is a new
/// snapshot (a new snapshot date) every day.
struct PartitionReuse: Sendable {
    struct Candidate: Sendable {
        var rowsSha256: String
        var rows: Int
        /// Relative to the table directory: `<column>=<value>/part-<base run>-00000.<ext>`.
        var relativePath: String
        /// The base's file, absolute.
        var sourcePath: String
        /// Its size and sha256 as the base's manifest records them.
        var bytes: Int
        var sha256: String
    }

    /// The run whose manifest listed the candidates.
    var baseRun: String
    /// Partition value -> the base's file of that partition.
    var candidates: [String: Candidate]

    /// The base's file for partition `value`, when its rows hash is `rowsSha256` and the file is
    /// still there with its recorded size.
    func candidate(_ value: String, rowsSha256: String, rows: Int) -> Candidate? {
        guard let candidate = candidates[value], candidate.rowsSha256 == rowsSha256, candidate.rows == rows else { return nil }
        var info = stat()
        guard stat(candidate.sourcePath, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) == candidate.bytes else {
            return nil
        }
        return candidate
    }

    /// The settings of a load that shape its files' bytes, as its manifest records them: a base
    /// loaded otherwise has no file to offer. The writers' own code is covered by the tool version
    /// and by the executable's SHA-256: a base written by another build (an upgrade, a fix to an
    /// encoder) has its partitions rewritten once, whatever the version says.
    static func sameEncoding(_ base: WarehouseManifest, _ options: LoadOptions) -> Bool {
        base.format == options.format.rawValue && base.toolVersion == ToolInfo.version
            && ToolInfo.executableSha256 != nil && base.toolBuild == ToolInfo.executableSha256
            && base.zstdLevel == Int(options.zstdLevel) && base.rowGroupRows == options.rowGroupRows
    }

    /// What table `schema` may carry over from `base` (whose files are under `baseRoot`, as the
    /// manifest's relative paths say), or nil when the base loaded it otherwise (another schema,
    /// partitioning or encoding) or it is a dimension table.
    static func from(
        base: WarehouseManifest, baseRoot: String, schema: TableSchema, partitioning: TablePartitioning,
        options: LoadOptions
    ) -> PartitionReuse? {
        guard partitioning.by != .snapshot, sameEncoding(base, options), let table = base.tables[schema.table],
            table.schemaHash == schema.hash, table.partitionColumn == partitioning.column,
            table.partitionBy == partitioning.by.rawValue
        else { return nil }
        var candidates: [String: Candidate] = [:]
        for partition in table.partitions {
            guard let rowsSha256 = partition.rowsSha256 else { continue }
            // Only a file in this partition's own directory of this table.
            let prefix = "\(schema.table)/\(partitioning.column)=\(partition.value)/"
            guard partition.file.file.hasPrefix(prefix) else { continue }
            let name = partition.file.file.dropFirst(prefix.count)
            guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else { continue }
            candidates[partition.value] = Candidate(
                rowsSha256: rowsSha256, rows: partition.rows,
                relativePath: String(partition.file.file.dropFirst(schema.table.count + 1)),
                sourcePath: baseRoot + "/" + partition.file.file, bytes: partition.file.bytes, sha256: partition.file.sha256)
        }
        return PartitionReuse(baseRun: base.runId, candidates: candidates)
    }
}

extension TableLoader {
    /// Puts the base's file of an unchanged partition into `tableDirectory`, under its own name:
    /// a hard link (a copy where the file system refuses links). Nothing to do when it is already
    /// there (a Delta table keeps its files in place).
    func carryOver(_ candidate: PartitionReuse.Candidate, value: String, tableDirectory: String, baseRun: String) throws -> Partition {
        let destination = tableDirectory + "/" + candidate.relativePath
        if candidate.sourcePath != destination {
            try AtomicFile.createParentDirectory(of: destination)
            _ = unlink(destination)
            if link(candidate.sourcePath, destination) != 0 {
                do { try FileManager.default.copyItem(atPath: candidate.sourcePath, toPath: destination) } catch {
                    throw LoadError(.io, "cannot link or copy \(candidate.sourcePath) to \(destination)", cause: error)
                }
            }
        }
        return Partition(
            value: value, rows: candidate.rows, relativePath: candidate.relativePath,
            checksum: FileEntry(file: destination, bytes: candidate.bytes, sha256: candidate.sha256),
            rowsSha256: candidate.rowsSha256, carriedOverFrom: baseRun)
    }
}

extension WarehouseManifest.PartitionChanges {
    /// The changes of a load that wrote `partitions`, against the base run's entry for the table.
    init(_ partitions: [TableLoader.Partition], base: WarehouseManifest.Table?) {
        let carried = partitions.filter { $0.carriedOverFrom != nil }.count
        let values = Set(partitions.map(\.value))
        self.init(
            rewritten: partitions.count - carried, carriedOver: carried,
            removed: (base?.partitions.map(\.value) ?? []).filter { !values.contains($0) }.sorted())
    }
}
