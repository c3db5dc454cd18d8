import Core
import Digest
import Foundation
import ModuleErrors

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `load.format: delta`: every table is a Delta Lake table under `<output>/delta/<table>/`, and
/// each load is one atomic commit per table: the run's Parquet files are added and the files of
/// the previous snapshot removed (a fact or dimension table holds exactly the run's rows), so
/// readers that speak Delta get snapshot isolation and the previous run is one version back
/// (`versionAsOf`). Dimension tables also get `<table>_history`, partitioned by snapshot date,
/// where a commit replaces only the run's snapshot. Removed files stay on disk for time travel
/// (clean them with a Delta VACUUM). New files are named `part-<run_id>-v<version>-00000.parquet`,
/// so no file a commit refers to is ever rewritten; files of a crashed load that never committed
/// are invisible to readers and are overwritten by the re-run.
struct DeltaLoad {
    let stage: LoadStage

    var root: String { stage.paths.root + "/delta" }

    func run(runId: String, staging: StagingManifest, tables: [LoadStage.PlannedTable], now: Int64) throws -> LoadStage.Result {
        let stagingSha = try SHA256.hexOfFile(atPath: stage.paths.stagingManifest(runId))
        let manifestPath = root + "/_runs/\(runId).json"
        let millis = now * 1_000
        var manifestTables: [String: WarehouseManifest.Table] = [:]
        var committed = 0
        let stagingDirectory = stage.paths.staging(runId)
        for table in tables {
            let name = table.schema.table
            let log = DeltaLog(tableDirectory: root + "/" + name)
            let snapshot = try log.snapshot()
            // Already holds this run when its latest version (and its history's) came from this
            // very staging manifest; a crash between the two commits redoes both.
            func holdsRun(_ info: [String: Any]) -> Bool {
                info["stripeWarehouseRunId"] as? String == runId && info["stripeWarehouseStagingSha256"] as? String == stagingSha
            }
            var historyHolds = true
            if table.partitioning.by == .snapshot {
                historyHolds = holdsRun(try DeltaLog(tableDirectory: root + "/" + WarehouseDDL.historyName(name)).snapshot().lastCommitInfo)
            }
            if holdsRun(snapshot.lastCommitInfo), historyHolds,
                let existing = try? ManifestCoding.read(WarehouseManifest.self, from: manifestPath, stage: "load"),
                let entry = existing.tables[name]
            {
                manifestTables[name] = entry // this table already holds this run: no new version
                continue
            }
            try table.entry.file.verifyStaging(in: stagingDirectory, table: name)
            let version = (snapshot.version ?? -1) + 1
            var loader = TableLoader(
                table: table.schema, partitioning: table.partitioning, options: stage.options,
                snapshotDate: staging.snapshotDate, runId: "\(runId)-v\(version)")
            // The run of the table's latest version: its unchanged partitions' files stay in the
            // table (no remove, no add), only the changed ones are replaced.
            let base = (snapshot.lastCommitInfo["stripeWarehouseRunId"] as? String).flatMap {
                try? ManifestCoding.read(WarehouseManifest.self, from: root + "/_runs/\($0).json", stage: "load")
            }
            if let base,
                var reuse = PartitionReuse.from(
                    base: base, baseRoot: root, schema: table.schema,
                    partitioning: table.partitioning, options: stage.options)
            {
                // Only files the snapshot still holds (the manifest could be of a later load of that run).
                reuse.candidates = reuse.candidates.filter { snapshot.files[Self.uriPath($0.value.relativePath)]?.size == $0.value.bytes }
                loader.reuse = reuse
            }
            let scratch = root + "/.scratch-\(name)"
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let partitions = try loader.load(
                stagingFile: stagingDirectory + "/" + table.entry.file.file, into: log.tableDirectory, scratchDirectory: scratch)
            let rows = partitions.reduce(0) { $0 + $1.rows }
            guard rows == table.entry.rowsOut else {
                throw LoadError(
                    .staging,
                    "table \(name): the staging file holds \(rows) rows but the staging manifest says \(table.entry.rowsOut); re-run transform for run \(runId)"
                )
            }
            let column = table.partitioning.column
            let written = partitions.filter { $0.carriedOverFrom == nil }
            let kept = Set(partitions.filter { $0.carriedOverFrom != nil }.map { Self.uriPath($0.relativePath) })
            let adds = try written.map { try addAction(partition: $0, column: column, tableDirectory: log.tableDirectory, millis: millis) }
            try commit(
                log, snapshot: snapshot, version: version, table: table, adds: adds, replacing: { !kept.contains($0.path) },
                runId: runId, stagingSha: stagingSha, millis: millis)
            committed += 1

            var entries: [WarehouseManifest.Partition] = []
            for partition in partitions {
                entries.append(
                    WarehouseManifest.Partition(
                        value: partition.value, rows: partition.rows,
                        file: FileEntry(
                            file: "\(name)/\(partition.relativePath)", bytes: partition.checksum?.bytes ?? 0,
                            sha256: partition.checksum?.sha256 ?? ""),
                        rowsSha256: partition.rowsSha256, carriedOverFrom: partition.carriedOverFrom))
            }
            var history: String?
            if table.partitioning.by == .snapshot {
                history = try commitHistory(
                    table: table, partitions: partitions, adds: adds, from: log.tableDirectory,
                    snapshotDate: staging.snapshotDate, runId: runId, stagingSha: stagingSha, millis: millis)
            }
            manifestTables[name] = WarehouseManifest.Table(
                schemaHash: table.schema.hash,
                source: FileEntry(
                    file: "staging/\(runId)/\(table.entry.file.file)", bytes: table.entry.file.bytes, sha256: table.entry.file.sha256),
                rows: rows, partitionColumn: column, partitionBy: table.partitioning.by.rawValue, replaces: "table",
                partitions: entries, history: history, partitionChanges: .init(partitions, base: base?.tables[name]))
        }
        let manifest = WarehouseManifest(
            runId: runId, pipeline: staging.pipeline, toolVersion: ToolInfo.version, format: PipelineDefinition.OutputFormat.delta.rawValue,
            snapshotDate: staging.snapshotDate,
            stagingManifest: FileEntry(
                file: "staging/\(runId)/_manifest.json",
                bytes: try FileEntry.describe(path: stage.paths.stagingManifest(runId), relativeTo: "").bytes, sha256: stagingSha),
            tables: manifestTables, zstdLevel: Int(stage.options.zstdLevel), rowGroupRows: stage.options.rowGroupRows,
            toolBuild: ToolInfo.executableSha256)
        try ManifestCoding.write(manifest, to: manifestPath)
        RunRetention(paths: stage.paths).pruneDelta(keepRuns: stage.options.keepRuns, runsDirectory: root + "/_runs", current: runId)
        return LoadStage.Result(manifest: manifest, manifestPath: manifestPath, alreadyPublished: committed == 0)
    }

    struct Add {
        var path: String
        var partitionValue: String?
        var size: Int
        var rows: Int
        var action: [String: Any]
    }

    private func addAction(partition: TableLoader.Partition, column: String, tableDirectory: String, millis: Int64) throws -> Add {
        let path = partition.relativePath
        let size: Int
        if let checksum = partition.checksum {
            size = checksum.bytes
        } else {
            size = ((try? FileManager.default.attributesOfItem(atPath: tableDirectory + "/" + path))?[.size] as? Int) ?? 0
        }
        let value: String? = partition.value == TableLoader.nullPartition ? nil : partition.value
        let stats = "{\"numRecords\":\(partition.rows)}"
        let action: [String: Any] = [
            "add": [
                "path": Self.uriPath(path), "partitionValues": [column: value.map { $0 as Any } ?? NSNull()], "size": size,
                "modificationTime": millis, "dataChange": true, "stats": stats
            ] as [String: Any]
        ]
        return Add(path: path, partitionValue: value, size: size, rows: partition.rows, action: action)
    }

    /// One version: commitInfo, protocol and metaData when new (or the schema changed), removes
    /// of the active files `replacing` selects, then the adds.
    private func commit(
        _ log: DeltaLog, snapshot: DeltaLog.Snapshot, version: Int, table: LoadStage.PlannedTable, adds: [Add],
        replacing: (DeltaLog.ActiveFile) -> Bool, runId: String, stagingSha: String, millis: Int64
    ) throws {
        let schema = try DeltaLog.schemaString(table.schema, partitionColumn: table.partitioning.column, partitionBy: table.partitioning.by)
        var actions: [[String: Any]] = [
            [
                "commitInfo": [
                    "timestamp": millis, "operation": "WRITE", "operationParameters": ["mode": "Overwrite"],
                    "engineInfo": ToolInfo.createdBy, "stripeWarehouseRunId": runId, "stripeWarehouseStagingSha256": stagingSha
                ] as [String: Any]
            ]
        ]
        if snapshot.version == nil {
            actions.append(["protocol": ["minReaderVersion": 1, "minWriterVersion": 2]])
        }
        if snapshot.schemaString != schema || snapshot.partitionColumns != [table.partitioning.column] {
            actions.append([
                "metaData": [
                    "id": snapshot.tableId ?? UUID().uuidString.lowercased(),
                    "name": log.tableDirectory.split(separator: "/").last.map(String.init) ?? table.schema.table,
                    "description": table.schema.description,
                    "format": ["provider": "parquet", "options": [String: String]()],
                    "schemaString": schema, "partitionColumns": [table.partitioning.column],
                    "configuration": [String: String](), "createdTime": millis
                ] as [String: Any]
            ])
        }
        let added = Set(adds.map { Self.uriPath($0.path) })
        for file in snapshot.files.values.sorted(by: { $0.path < $1.path }) where replacing(file) && !added.contains(file.path) {
            actions.append([
                "remove": [
                    "path": file.path, "deletionTimestamp": millis, "dataChange": true, "extendedFileMetadata": true,
                    "partitionValues": file.partitionValues.mapValues { $0.map { $0 as Any } ?? NSNull() }, "size": file.size
                ] as [String: Any]
            ])
        }
        actions += adds.map(\.action)
        try log.commit(version: version, actions: actions)
    }

    /// `<table>_history`: the run's snapshot file(s), hard-linked, replacing that snapshot date only.
    private func commitHistory(
        table: LoadStage.PlannedTable, partitions: [TableLoader.Partition], adds: [Add], from source: String,
        snapshotDate: String, runId: String, stagingSha: String, millis: Int64
    ) throws -> String {
        let name = WarehouseDDL.historyName(table.schema.table)
        let log = DeltaLog(tableDirectory: root + "/" + name)
        let snapshot = try log.snapshot()
        let version = (snapshot.version ?? -1) + 1
        var linked: [Add] = []
        for add in adds {
            let destination = log.tableDirectory + "/" + add.path
            try AtomicFile.createParentDirectory(of: destination)
            _ = unlink(destination) // a crashed attempt's uncommitted link
            if link(source + "/" + add.path, destination) != 0 {
                do { try FileManager.default.copyItem(atPath: source + "/" + add.path, toPath: destination) } catch {
                    throw LoadError(.io, "cannot link or copy \(source)/\(add.path) into \(log.tableDirectory)", cause: error)
                }
            }
            linked.append(add)
        }
        let column = table.partitioning.column
        try commit(
            log, snapshot: snapshot, version: version, table: table, adds: linked,
            replacing: { $0.partitionValues[column] == .some(snapshotDate) }, runId: runId, stagingSha: stagingSha, millis: millis)
        return name
    }

    /// A relative path as the URI the protocol asks for (RFC 2396): bytes outside the unreserved
    /// set and the path delimiters are percent-encoded.
    static func uriPath(_ path: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-_.~/=")
        allowed = allowed.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }
}
