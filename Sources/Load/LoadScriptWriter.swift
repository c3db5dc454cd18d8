public import Core
import Foundation
import ModuleErrors

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes the DDL and the load script of one published run for one dialect into
/// `<output>/sql/<version>/<dialect>/` (replaced as a whole, via a temporary directory):
/// `ddl.sql`, then `load.sql` (`load.sh` and `<table>.schema.json` files for BigQuery); for
/// Postgres also `csv/`, the run's tables as zstd CSV in the warehouse's partition layout.
public struct LoadScriptWriter {
    public struct Written: Sendable {
        public var run: PublishedRun
        public var directory: String
        public var ddl: String
        public var load: String
    }

    public let paths: RunPaths
    public let schemas: SchemaSet

    public init(paths: RunPaths, schemas: SchemaSet) {
        self.paths = paths
        self.schemas = schemas
    }

    public static func directory(root: String, version: String, dialect: WarehouseDDL.Dialect) -> String {
        root + "/sql/\(version)/\(dialect.rawValue)"
    }

    public func write(dialect: WarehouseDDL.Dialect, runId: String?) throws -> Written {
        let run = try PublishedRun.resolve(paths: paths, runId: runId)
        let targets = try run.targets(schemas)
        guard let resolvedRoot = realpath(paths.root, nil) else {
            throw LoadError(.io, "cannot resolve \(paths.root): \(String(cString: strerror(errno)))")
        }
        let root = String(cString: resolvedRoot)
        free(resolvedRoot)
        let final = Self.directory(root: root, version: run.version, dialect: dialect)
        let temporary = root + "/sql/.\(run.version)-\(dialect.rawValue).tmp"
        try? FileManager.default.removeItem(atPath: temporary)
        try AtomicFile.createDirectory(temporary)

        try AtomicFile.write(WarehouseSQL.ddl(targets: targets, dialect: dialect), to: temporary + "/ddl.sql")
        let loadName: String
        switch dialect {
        case .duckdb:
            loadName = "load.sql"
            try AtomicFile.write(try WarehouseSQL.duckdb(run, targets: targets), to: temporary + "/" + loadName)
        case .postgres:
            loadName = "load.sql"
            try PostgresExport(paths: paths, schemas: schemas).write(run, into: temporary + "/csv")
            try AtomicFile.write(try WarehouseSQL.postgres(run, targets: targets, csvRoot: final + "/csv"), to: temporary + "/" + loadName)
        case .bigquery:
            loadName = "load.sh"
            try AtomicFile.write(try WarehouseSQL.bigquery(run, targets: targets), to: temporary + "/" + loadName)
            for target in targets {
                try AtomicFile.write(try WarehouseDDL.bigQueryJSONSchema(target), to: temporary + "/\(target.name).schema.json")
            }
        case .snowflake:
            loadName = "load.sql"
            try AtomicFile.write(try WarehouseSQL.snowflake(run, targets: targets), to: temporary + "/" + loadName)
        }
        try? FileManager.default.removeItem(atPath: final)
        try AtomicFile.createParentDirectory(of: final)
        guard rename(temporary, final) == 0 else {
            throw LoadError(.io, "cannot move \(temporary) to \(final): \(String(cString: strerror(errno)))")
        }
        AtomicFile.syncDirectory(of: final)
        removeScriptsOfPrunedVersions(root: root)
        return Written(run: run, directory: final, ddl: final + "/ddl.sql", load: final + "/" + loadName)
    }

    /// Scripts of versions that no longer exist read files that are gone: remove them.
    private func removeScriptsOfPrunedVersions(root: String) {
        let versions = WarehouseVersions(paths: paths)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root + "/sql") else { return }
        for name in names where !name.hasPrefix(".") && !FileManager.default.fileExists(atPath: versions.versionPath(name)) {
            try? FileManager.default.removeItem(atPath: root + "/sql/" + name)
        }
    }
}

/// The run's tables as zstd CSV (RFC 4180, header row; NULL an empty unquoted field) for
/// Postgres's `\copy`, written from the run's staging files by the same loader as the Parquet
/// files, so partitions and rows are the published ones; checked against the run's manifest.
public struct PostgresExport {
    public let paths: RunPaths
    public let schemas: SchemaSet

    public init(paths: RunPaths, schemas: SchemaSet) {
        self.paths = paths
        self.schemas = schemas
    }

    /// The export of a published partition file: in its partition directory, named after the run
    /// exported (a partition carried over keeps the name of the run that wrote its Parquet file).
    static func csvPath(forParquet relative: String, runId: String) -> String {
        (relative as NSString).deletingLastPathComponent + "/" + TableLoader.fileName(runId: runId, fileExtension: "csv.zst")
    }

    public func write(_ run: PublishedRun, into directory: String) throws {
        try AtomicFile.createDirectory(directory)
        let scratch = directory + "/.scratch"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        for schema in schemas.tables {
            guard let table = run.manifest.tables[schema.table], let by = PartitionSpec.Granularity(rawValue: table.partitionBy) else {
                continue
            }
            do { try table.source.verify(in: paths.root) } catch {
                throw LoadError(
                    .staging,
                    "table \(schema.table): the staging file of run \(run.runId) is gone or changed (retention may have pruned it); load the run again to export it",
                    cause: error)
            }
            let loader = TableLoader(
                table: schema,
                partitioning: TablePartitioning(column: table.partitionColumn, by: by, sourceColumn: schema.partition.sourceColumn),
                options: LoadOptions(format: .csv, zstdLevel: 1),
                snapshotDate: run.manifest.snapshotDate, runId: run.runId)
            let partitions = try loader.load(
                stagingFile: paths.root + "/" + table.source.file, into: directory + "/" + schema.table, scratchDirectory: scratch)
            let written = partitions.map { "\($0.value):\($0.rows)" }
            let published = table.partitions.map { "\($0.value):\($0.rows)" }
            guard written == published else {
                throw LoadError(
                    .staging,
                    "table \(schema.table): the CSV export of run \(run.runId) has partitions \(written.prefix(5)) but the published files have \(published.prefix(5)); load the run again"
                )
            }
        }
    }
}
