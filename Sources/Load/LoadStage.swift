public import Core
import Digest
public import Foundation
import ModuleErrors

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where things live inside a published warehouse version.
public enum WarehouseLayout {
    /// Dimension tables' snapshot history: `_history/<table>/snapshot_date=<date>/...`, every
    /// snapshot kept; `<table>/` itself holds only the published run's snapshot (current state).
    public static let historyDirectory = "_history"
}

/// The load stage: a complete staging run in, the warehouse tree (Parquet, NDJSON or CSV,
/// Hive-partitioned) out, published atomically with `warehouse/_runs/<run_id>.json`.
public struct LoadStage {
    public struct Result: Sendable {
        public var manifest: WarehouseManifest
        /// Where the manifest is published.
        public var manifestPath: String
        /// True when the run had already been published and nothing was written.
        public var alreadyPublished: Bool
    }

    public let paths: RunPaths
    public let schemas: SchemaSet
    public let options: LoadOptions

    public init(paths: RunPaths, schemas: SchemaSet, options: LoadOptions = LoadOptions()) {
        self.paths = paths
        self.schemas = schemas
        self.options = options
    }

    /// Loads staging run `runId` and publishes a version whose state is that run's: every
    /// table's files are this run's rows, and dimension snapshots join the history. Loading a run
    /// that is not the published one (an older run after a newer one) publishes it again; only
    /// the published run itself, built from the same staging manifest, is a no-op. Refuses a
    /// staging run without its manifest, or whose files or schema hashes do not match it. Safe
    /// to re-run after a crash at any point.
    public func run(runId: String, now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> Result {
        try RunPaths.validate(runId: runId)
        let staging = try StagingManifest.read(paths: paths, runId: runId)
        let tables = try tablesToLoad(staging)
        if options.format == .delta {
            return try DeltaLoad(stage: self).run(runId: runId, staging: staging, tables: tables, now: now)
        }

        let versions = WarehouseVersions(paths: paths)
        let current = try versions.currentVersion()
        let history = try versions.history(current: current, now: now)
        let publishedManifest = paths.warehouseManifest(runId)
        // Already published only if the published version is this run's, built from this very
        // staging manifest (a re-transform, e.g. `stripe-etl run --redo`, must be loaded again).
        let stagingSha = try SHA256.hexOfFile(atPath: paths.stagingManifest(runId))
        if let current, WarehouseVersions.runId(ofVersion: current) == runId,
            let existing = try? ManifestCoding.read(WarehouseManifest.self, from: publishedManifest, stage: "load"),
            existing.format == options.format.rawValue, Set(existing.tables.keys) == Set(tables.map(\.schema.table)),
            existing.stagingManifest.sha256 == stagingSha
        {
            let kept = try versions.prune(
                history, current: current, keep: options.keepRuns, graceSeconds: options.versionGraceSeconds, now: now)
            RunRetention(paths: paths).prune(keepRuns: options.keepRuns, history: kept, current: current)
            return Result(manifest: existing, manifestPath: publishedManifest, alreadyPublished: true)
        }

        let stagingDirectory = paths.staging(runId)
        for table in tables { try table.entry.file.verifyStaging(in: stagingDirectory, table: table.schema.table) }

        let version = try versions.prepareVersion(runId: runId, current: current, history: history)
        let versionPath = versions.versionPath(version)
        if let current {
            try versions.linkUnchanged(from: current, to: version) { relative in
                relative == "_runs/\(runId).json" || tables.contains { $0.replaces(relative, snapshotDate: staging.snapshotDate) }
            }
            try adoptSnapshotHistory(
                from: versions.versionPath(current), into: versionPath, tables: tables, snapshotDate: staging.snapshotDate)
        }

        // The published run's manifest: its unchanged partitions' files are carried over.
        var base: WarehouseManifest?
        if let current {
            let run = WarehouseVersions.runId(ofVersion: current)
            base = try? ManifestCoding.read(
                WarehouseManifest.self, from: versions.versionPath(current) + "/_runs/\(run).json", stage: "load")
        }

        var manifestTables: [String: WarehouseManifest.Table] = [:]
        let scratch = versionPath + "/.scratch"
        for table in tables {
            var loader = TableLoader(
                table: table.schema, partitioning: table.partitioning, options: options,
                snapshotDate: staging.snapshotDate, runId: runId)
            if let base, let current {
                loader.reuse = PartitionReuse.from(
                    base: base, baseRoot: versions.versionPath(current), schema: table.schema,
                    partitioning: table.partitioning, options: options)
            }
            let stagingFile = stagingDirectory + "/" + table.entry.file.file
            let tableDirectory = versionPath + "/" + table.schema.table
            let partitions = try loader.load(stagingFile: stagingFile, into: tableDirectory, scratchDirectory: scratch)
            let rows = partitions.reduce(0) { $0 + $1.rows }
            guard rows == table.entry.rowsOut else {
                throw LoadError(
                    .staging,
                    "table \(table.schema.table): \(stagingFile) holds \(rows) rows but the staging manifest says \(table.entry.rowsOut); re-run transform for run \(runId)"
                )
            }
            var entries: [WarehouseManifest.Partition] = []
            for partition in partitions {
                let relative = table.schema.table + "/" + partition.relativePath
                let entry =
                    try partition.checksum.map { FileEntry(file: relative, bytes: $0.bytes, sha256: $0.sha256) }
                    ?? describe(versionPath + "/" + relative, relative: relative)
                entries.append(
                    WarehouseManifest.Partition(
                        value: partition.value, rows: partition.rows, file: entry,
                        rowsSha256: partition.rowsSha256, carriedOverFrom: partition.carriedOverFrom))
                if table.partitioning.by == .snapshot {
                    // The snapshot also joins the history (the same file, hard-linked).
                    try linkFile(versionPath + "/" + relative, to: versionPath + "/" + WarehouseLayout.historyDirectory + "/" + relative)
                }
            }
            manifestTables[table.schema.table] = WarehouseManifest.Table(
                schemaHash: table.schema.hash,
                source: FileEntry(
                    file: "staging/\(runId)/\(table.entry.file.file)", bytes: table.entry.file.bytes, sha256: table.entry.file.sha256),
                rows: rows,
                partitionColumn: table.partitioning.column,
                partitionBy: table.partitioning.by.rawValue,
                replaces: "table",
                partitions: entries,
                history: table.partitioning.by == .snapshot ? WarehouseLayout.historyDirectory + "/" + table.schema.table : nil,
                partitionChanges: .init(partitions, base: base?.tables[table.schema.table])
            )
        }
        try? FileManager.default.removeItem(atPath: scratch)

        let stagingManifestPath = paths.stagingManifest(runId)
        let manifest = WarehouseManifest(
            runId: runId,
            pipeline: staging.pipeline,
            toolVersion: ToolInfo.version,
            format: options.format.rawValue,
            snapshotDate: staging.snapshotDate,
            stagingManifest: try describe(stagingManifestPath, relative: "staging/\(runId)/_manifest.json"),
            tables: manifestTables,
            zstdLevel: Int(options.zstdLevel),
            rowGroupRows: options.rowGroupRows,
            toolBuild: ToolInfo.executableSha256,
            baseRun: base?.runId
        )
        try ManifestCoding.write(manifest, to: versionPath + "/_runs/\(runId).json")
        // The marker first: an attempt killed between marker and rename is recognised as
        // unpublished (it is newer than the published version's marker).
        let published = versions.appending(version, to: history, now: now)
        try versions.writeHistory(published)
        versions.syncVersion(version)
        try versions.publish(version)
        let kept = try versions.prune(
            published, current: version, keep: options.keepRuns, graceSeconds: options.versionGraceSeconds, now: now)
        RunRetention(paths: paths).prune(keepRuns: options.keepRuns, history: kept, current: version)
        return Result(manifest: manifest, manifestPath: publishedManifest, alreadyPublished: false)
    }

    /// A tree written before `_history/` existed keeps its older snapshots in the table
    /// directory: link them into the history once, so the new version loses none.
    private func adoptSnapshotHistory(from currentPath: String, into versionPath: String, tables: [PlannedTable], snapshotDate: String)
        throws
    {
        let manager = FileManager.default
        for table in tables where table.partitioning.by == .snapshot {
            let history = currentPath + "/" + WarehouseLayout.historyDirectory + "/" + table.schema.table
            let directory = currentPath + "/" + table.schema.table
            guard !manager.fileExists(atPath: history), let partitions = try? manager.contentsOfDirectory(atPath: directory) else {
                continue
            }
            for partition in partitions.sorted() where partition != "\(table.partitioning.column)=\(snapshotDate)" {
                for file in (try? manager.contentsOfDirectory(atPath: directory + "/" + partition)) ?? [] {
                    try linkFile(
                        directory + "/" + partition + "/" + file,
                        to: versionPath + "/" + WarehouseLayout.historyDirectory + "/" + table.schema.table + "/" + partition + "/" + file)
                }
            }
        }
    }

    private func linkFile(_ source: String, to destination: String) throws {
        try AtomicFile.createParentDirectory(of: destination)
        if link(source, destination) != 0 {
            do { try FileManager.default.copyItem(atPath: source, toPath: destination) } catch {
                throw LoadError(.io, "cannot link or copy \(source) to \(destination)", cause: error)
            }
        }
    }

    /// One table of this load: its schema, staging entry and partitioning.
    struct PlannedTable {
        var schema: TableSchema
        var entry: StagingManifest.Table
        var partitioning: TablePartitioning

        /// Whether the previous version's `relative` path is replaced by this load: the whole
        /// table directory, and for a dimension table its history partition of this snapshot date.
        func replaces(_ relative: String, snapshotDate: String) -> Bool {
            let table = schema.table
            if relative == table || relative.hasPrefix(table + "/") { return true }
            guard partitioning.by == .snapshot else { return false }
            let partition = "\(WarehouseLayout.historyDirectory)/\(table)/\(partitioning.column)=\(snapshotDate)"
            return relative == partition || relative.hasPrefix(partition + "/")
        }
    }

    func tablesToLoad(_ staging: StagingManifest) throws -> [PlannedTable] {
        if let wanted = options.tables {
            for name in wanted where staging.tables[name] == nil {
                throw LoadError(
                    .configuration,
                    "table \(name) is not in staging run \(staging.runId) (it has \(staging.tables.keys.sorted().joined(separator: ", ")))")
            }
        }
        for name in staging.tables.keys.sorted() where schemas.table(name) == nil {
            throw LoadError(.staging, "staging run \(staging.runId) has table \(name), which has no schema in \(schemas.directory)")
        }
        var planned: [PlannedTable] = []
        for schema in schemas.tables {
            guard let entry = staging.tables[schema.table] else { continue }
            if let wanted = options.tables, !wanted.contains(schema.table) { continue }
            guard entry.schemaHash == schema.hash else {
                throw LoadError(
                    .staging,
                    "table \(schema.table): staging run \(staging.runId) was built with schema sha256 \(entry.schemaHash), but \(schema.path) is now \(schema.hash); re-run transform with the current schemas"
                )
            }
            planned.append(
                PlannedTable(
                    schema: schema, entry: entry,
                    partitioning: try schema.effectivePartitioning(override: options.partitioning[schema.table])))
        }
        return planned
    }

    private func describe(_ path: String, relative: String) throws -> FileEntry {
        let entry: FileEntry
        do { entry = try FileEntry.describe(path: path, relativeTo: "") } catch {
            throw LoadError(.io, "cannot checksum \(path)", cause: error)
        }
        return FileEntry(file: relative, bytes: entry.bytes, sha256: entry.sha256)
    }
}

extension FileEntry {
    /// Checks a staging file against its manifest entry, naming the table on mismatch.
    func verifyStaging(in directory: String, table: String) throws {
        do { try verify(in: directory) } catch {
            throw LoadError(
                .staging, "table \(table): the staging file does not match the staging manifest; re-run transform", cause: error)
        }
    }
}
