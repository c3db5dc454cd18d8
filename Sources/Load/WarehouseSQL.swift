import Core
import Foundation
import ModuleErrors

/// Load scripts for one published run, per dialect, generated from schemas/ and the run's
/// manifest. Applied once or many times, after whatever was loaded before, each leaves every
/// warehouse table exactly equal to that run's files: fact and dimension tables hold exactly the
/// run's rows (replaced, or merged on the primary key with the rows that left deleted), and each
/// `<dimension>_history` table has the run's snapshot date replaced by the run's rows. One
/// transaction where the dialect has them.
public enum WarehouseSQL {
    /// Stage name the Snowflake scripts PUT files to (created by the Snowflake DDL).
    public static let snowflakeStage = "stripe_warehouse_stage"

    /// The DDL file: idempotent CREATE TABLE IF NOT EXISTS for every table (and, for Snowflake,
    /// the stage).
    public static func ddl(targets: [WarehouseDDL.Target], dialect: WarehouseDDL.Dialect) -> String {
        var sql = "-- stripe-warehouse DDL (\(dialect.rawValue)), generated from schemas/; safe to apply again.\n\n"
        sql += targets.map { WarehouseDDL.createTable($0, dialect: dialect) }.joined(separator: "\n")
        if dialect == .snowflake {
            sql += "\nCREATE STAGE IF NOT EXISTS \(snowflakeStage) FILE_FORMAT = (TYPE = PARQUET);\n"
        }
        return sql
    }

    // MARK: DuckDB

    /// DuckDB: replaces every table's rows with the run's Parquet files (read in place, no
    /// extension needed), in one transaction.
    public static func duckdb(_ run: PublishedRun, targets: [WarehouseDDL.Target]) throws -> String {
        try requireParquet(run, dialect: .duckdb)
        var sql = header(run, dialect: .duckdb, usage: "duckdb warehouse.duckdb < load.sql")
        sql += "BEGIN TRANSACTION;\n"
        for target in targets {
            let name = WarehouseDDL.quote(target.name, .duckdb)
            let columns = target.columnNames.map { WarehouseDDL.quote($0, .duckdb) }.joined(separator: ", ")
            let files = sqlLiteral(run.versionPath + "/" + target.schema.table + "/*/*.parquet")
            let source =
                "read_parquet(\(files), hive_partitioning = true, hive_types = {'\(target.partitionColumn)': \(WarehouseDDL.partitionType(target.partitionBy, .duckdb))})"
            if target.isHistory {
                sql +=
                    "DELETE FROM \(name) WHERE \(WarehouseDDL.quote(target.partitionColumn, .duckdb)) = DATE '\(run.manifest.snapshotDate)';\n"
            } else {
                sql += "DELETE FROM \(name);\n"
            }
            sql += "INSERT INTO \(name) (\(columns)) SELECT \(columns) FROM \(source);\n"
        }
        sql += "COMMIT;\n"
        return sql
    }

    // MARK: Postgres

    /// Postgres (psql): `\copy` of the run's CSV export (`csvRoot`, written by
    /// `PostgresExport`) into temporary tables, then per table a merge on the primary key
    /// (rows that left deleted, the rest upserted), in one transaction. No extension, no DuckDB.
    public static func postgres(_ run: PublishedRun, targets: [WarehouseDDL.Target], csvRoot: String) throws -> String {
        guard !csvRoot.contains("'") else {
            throw LoadError(
                .configuration,
                "the output path \(csvRoot) contains a single quote, which the psql script cannot quote; use another --output")
        }
        var sql = header(run, dialect: .postgres, usage: "psql \"$DATABASE_URL\" -v ON_ERROR_STOP=1 -f load.sql")
        sql += "\\set ON_ERROR_STOP on\nBEGIN;\nSET LOCAL TIME ZONE 'UTC';\n"
        let q = { (name: String) in WarehouseDDL.quote(name, .postgres) }
        for target in targets where !target.isHistory {
            guard let table = run.manifest.tables[target.schema.table] else { continue }
            let name = q(target.name)
            let stage = q("stage_" + target.name)
            let partition = q(target.partitionColumn)
            let fileColumns = target.schema.columns.map { q($0.name) }.joined(separator: ", ")
            sql += "\n-- \(target.name): \(table.rows) rows in \(table.partitions.count) partition file(s)\n"
            sql += "CREATE TEMP TABLE \(stage) ON COMMIT DROP AS SELECT * FROM \(name) WITH NO DATA;\n"
            for part in table.partitions {
                let csv = csvRoot + "/" + PostgresExport.csvPath(forParquet: part.file.file, runId: run.runId)
                let value = part.value == TableLoader.nullPartition ? "NULL" : sqlLiteral(part.value)
                // The partition value lives in the directory name: it becomes the column's default.
                sql += "ALTER TABLE \(stage) ALTER COLUMN \(partition) SET DEFAULT \(value);\n"
                sql += "\\copy \(stage) (\(fileColumns)) FROM PROGRAM 'zstd -dcq -- ''\(csv)''' WITH (FORMAT csv, HEADER true)\n"
            }
            if target.partitionBy == .snapshot {
                let history = q(WarehouseDDL.historyName(target.name))
                sql += "DELETE FROM \(history) WHERE \(partition) = DATE '\(run.manifest.snapshotDate)';\n"
                sql += "INSERT INTO \(history) SELECT * FROM \(stage);\n"
            }
            let key = target.primaryKey.map(q)
            let match = key.map { "s.\($0) = t.\($0)" }.joined(separator: " AND ")
            sql += "DELETE FROM \(name) t WHERE NOT EXISTS (SELECT 1 FROM \(stage) s WHERE \(match));\n"
            let updates = target.columnNames.filter { !target.primaryKey.contains($0) }.map { "\(q($0)) = EXCLUDED.\(q($0))" }
            sql += "INSERT INTO \(name) SELECT * FROM \(stage) ON CONFLICT (\(key.joined(separator: ", "))) "
            sql += updates.isEmpty ? "DO NOTHING;\n" : "DO UPDATE SET \(updates.joined(separator: ", "));\n"
        }
        sql += "COMMIT;\n"
        return sql
    }

    // MARK: BigQuery

    /// BigQuery (bq and gsutil): uploads the version's table directories under `$BUCKET/<version>/`
    /// (a fresh prefix per published version, whose files never change: a run re-published as
    /// `<run>~2` does not find the first upload's files under its prefix, which `*` would load too), then `bq load --replace` per table, with
    /// the JSON schema beside the script, Hive partition keys typed, and decimals kept exact
    /// (`--decimal_target_types=NUMERIC,BIGNUMERIC`). History tables are partitioned by snapshot
    /// date; a load replaces just the run's partition (`table$YYYYMMDD`). Each `bq load` is atomic.
    public static func bigquery(_ run: PublishedRun, targets: [WarehouseDDL.Target]) throws -> String {
        try requireParquet(run, dialect: .bigquery)
        var script =
            "#!/bin/sh\n"
            + header(run, dialect: .bigquery, usage: "BUCKET=gs://bucket/prefix DATASET=project:dataset sh load.sh", comment: "#")
        script +=
            "set -eu\n: \"${BUCKET:?set BUCKET=gs://bucket/prefix}\"\n: \"${DATASET:?set DATASET=project:dataset}\"\ncd \"$(dirname \"$0\")\"\n"
        let prefix = "$BUCKET/\(run.version)"
        for target in targets where !target.isHistory {
            script += "gsutil -m cp -r \(shellQuote(run.versionPath + "/" + target.schema.table)) \"\(prefix)/\"\n"
        }
        for target in targets {
            let table = target.schema.table
            let hiveType: String
            switch target.partitionBy {
            case .day, .snapshot: hiveType = "DATE"
            case .month: hiveType = "STRING"
            case .year: hiveType = "INTEGER"
            }
            var destination = "$DATASET.\(target.name)"
            if target.isHistory { destination += "\\$" + run.manifest.snapshotDate.replacingOccurrences(of: "-", with: "") }
            script += "bq load --source_format=PARQUET --replace --decimal_target_types=NUMERIC,BIGNUMERIC \\\n"
            script +=
                "  --hive_partitioning_mode=CUSTOM --hive_partitioning_source_uri_prefix=\"\(prefix)/\(table)/{\(target.partitionColumn):\(hiveType)}\" \\\n"
            script += "  \"\(destination)\" \"\(prefix)/\(table)/*\" \(target.name).schema.json\n"
        }
        return script
    }

    // MARK: Snowflake

    /// Snowflake (snowsql): PUT of every partition file by absolute path to its own stage
    /// directory, then one transaction replacing each table's rows with COPY statements that name
    /// the partition value (the files do not carry it) and parse JSON columns into VARIANT.
    /// `FORCE = TRUE`: a re-applied script loads the files again after deleting the rows.
    public static func snowflake(_ run: PublishedRun, targets: [WarehouseDDL.Target]) throws -> String {
        try requireParquet(run, dialect: .snowflake)
        var sql = header(run, dialect: .snowflake, usage: "snowsql -f load.sql")
        let stageRoot = "@\(snowflakeStage)/\(run.version)" // per version: a re-published run never meets its first upload
        for target in targets where !target.isHistory {
            for part in run.manifest.tables[target.schema.table]?.partitions ?? [] {
                let directory = (part.file.file as NSString).deletingLastPathComponent
                sql +=
                    "PUT \(sqlLiteral("file://" + run.versionPath + "/" + part.file.file)) \(sqlLiteral(stageRoot + "/" + directory + "/")) AUTO_COMPRESS = FALSE OVERWRITE = TRUE;\n"
            }
        }
        sql += "BEGIN;\n"
        for target in targets {
            guard let table = run.manifest.tables[target.schema.table] else { continue }
            let name = WarehouseDDL.quote(target.name, .snowflake)
            let partition = WarehouseDDL.quote(target.partitionColumn, .snowflake)
            if target.isHistory {
                sql += "DELETE FROM \(name) WHERE \(partition) = '\(run.manifest.snapshotDate)';\n"
            } else {
                sql += "DELETE FROM \(name);\n"
            }
            let columns = target.columnNames.map { WarehouseDDL.quote($0, .snowflake) }.joined(separator: ", ")
            let values = target.schema.columns.map { snowflakeValue($0) }
            for part in table.partitions {
                let directory = (part.file.file as NSString).deletingLastPathComponent
                let value = part.value == TableLoader.nullPartition ? "NULL" : sqlLiteral(part.value)
                sql +=
                    "COPY INTO \(name) (\(columns)) FROM (SELECT \((values + [value]).joined(separator: ", ")) FROM \(sqlLiteral(stageRoot + "/" + directory + "/"))) FILE_FORMAT = (TYPE = PARQUET) FORCE = TRUE;\n"
            }
        }
        sql += "COMMIT;\n"
        return sql
    }

    static func snowflakeValue(_ column: ColumnSchema) -> String {
        let field = "$1:\"\(column.name.replacingOccurrences(of: "\"", with: "\"\""))\""
        switch column.type {
        case .json: return "PARSE_JSON(\(field)::VARCHAR)"
        default: return "\(field)::\(WarehouseDDL.sqlType(column.type, .snowflake))"
        }
    }

    // MARK: Helpers

    static func header(_ run: PublishedRun, dialect: WarehouseDDL.Dialect, usage: String, comment: String = "--") -> String {
        """
        \(comment) stripe-warehouse load script (\(dialect.rawValue)) for run \(run.runId), snapshot \(run.manifest.snapshotDate),
        \(comment) reading warehouse version \(run.version). Apply after ddl: \(usage)
        \(comment) Re-applying it, or applying it after any other run's script, leaves every table equal to this run.

        """
    }

    static func requireParquet(_ run: PublishedRun, dialect: WarehouseDDL.Dialect) throws {
        guard run.manifest.format == PipelineDefinition.OutputFormat.parquet.rawValue else {
            throw LoadError(
                .configuration,
                "the \(dialect.rawValue) load script reads Parquet, but run \(run.runId) was loaded as \(run.manifest.format); set load.format: parquet and load the run again"
            )
        }
    }

    static func sqlLiteral(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    static func shellQuote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
