public import Core
import Foundation

/// CREATE TABLE statements (and BigQuery's JSON schemas) generated from schemas/, so warehouse
/// tables never drift from the files the load writes.
///
/// Each table gets its schema's columns in order, then the partition column, which the files
/// carry only in their directory names (`<column>=<value>`): DATE for day and snapshot partitions,
/// text for month (`YYYY-MM`), integer for year. The statements are idempotent
/// (`CREATE TABLE IF NOT EXISTS`) and declare the schema's primary key, which is unique across
/// the whole table (a draft finalized in a later month moves its lines to another partition; it
/// never duplicates them). Dimension tables hold the current snapshot; `<table>_history` keeps
/// every loaded snapshot, keyed by the primary key plus the snapshot date.
public enum WarehouseDDL {
    public enum Dialect: String, CaseIterable, Sendable {
        case duckdb, postgres, bigquery, snowflake
    }

    /// One warehouse table: a schemas/ table, or the history twin of a dimension table.
    public struct Target: Sendable {
        public var schema: TableSchema
        public var name: String
        public var partitionColumn: String
        public var partitionBy: PartitionSpec.Granularity
        public var isHistory: Bool

        /// The key the warehouse enforces: the schema's, plus the snapshot date for history.
        public var primaryKey: [String] { isHistory ? schema.primaryKey + [partitionColumn] : schema.primaryKey }
        /// Column names in table order: the schema's columns, then the partition column.
        public var columnNames: [String] { schema.columns.map(\.name) + [partitionColumn] }
    }

    /// Every warehouse table, in schema order, each dimension table followed by its history.
    public static func targets(_ schemas: SchemaSet, partitioning: [String: PartitionSpec.Granularity] = [:]) throws -> [Target] {
        var targets: [Target] = []
        for table in schemas.tables {
            let partition = try table.effectivePartitioning(override: partitioning[table.table])
            targets.append(
                Target(schema: table, name: table.table, partitionColumn: partition.column, partitionBy: partition.by, isHistory: false))
            if partition.by == .snapshot {
                targets.append(
                    Target(
                        schema: table, name: historyName(table.table), partitionColumn: partition.column, partitionBy: partition.by,
                        isHistory: true))
            }
        }
        return targets
    }

    public static func historyName(_ table: String) -> String { table + "_history" }

    /// Idempotent CREATE TABLE statements for every table and history table, in schema order.
    public static func createTables(_ schemas: SchemaSet, dialect: Dialect, partitioning: [String: PartitionSpec.Granularity] = [:]) throws
        -> String
    {
        try targets(schemas, partitioning: partitioning).map { createTable($0, dialect: dialect) }.joined(separator: "\n")
    }

    /// The statement for one schemas/ table (its history twin not included).
    public static func createTable(_ table: TableSchema, dialect: Dialect, partitioning: PartitionSpec.Granularity? = nil) throws -> String
    {
        let partition = try table.effectivePartitioning(override: partitioning)
        return createTable(
            Target(schema: table, name: table.table, partitionColumn: partition.column, partitionBy: partition.by, isHistory: false),
            dialect: dialect)
    }

    public static func createTable(_ target: Target, dialect: Dialect) -> String {
        let table = target.schema
        var lines: [String] = []
        for column in table.columns {
            var line = "  \(quote(column.name, dialect)) \(sqlType(column.type, dialect))"
            if !column.nullable { line += " NOT NULL" }
            switch dialect {
            case .bigquery: line += " OPTIONS(description = \(literal(column.description)))"
            case .snowflake: line += " COMMENT \(literal(column.description))"
            case .duckdb, .postgres: break
            }
            lines.append(line)
        }
        var partitionLine = "  \(quote(target.partitionColumn, dialect)) \(partitionType(target.partitionBy, dialect)) NOT NULL"
        let partitionNote = "Hive partition (\(target.partitionBy.rawValue)) taken from the file path"
        switch dialect {
        case .bigquery: partitionLine += " OPTIONS(description = \(literal(partitionNote)))"
        case .snowflake: partitionLine += " COMMENT \(literal(partitionNote))"
        case .duckdb, .postgres: break
        }
        lines.append(partitionLine)
        let key = target.primaryKey.map { quote($0, dialect) }.joined(separator: ", ")
        lines.append(dialect == .bigquery ? "  PRIMARY KEY (\(key)) NOT ENFORCED" : "  PRIMARY KEY (\(key))")

        let name = quote(target.name, dialect)
        let description =
            target.isHistory
            ? "Every loaded snapshot of \(table.table) (one per \(target.partitionColumn)): \(table.description)"
            : table.description
        var sql = "-- \(target.name): \(description)\n"
        sql += "-- primary key: \(target.primaryKey.joined(separator: ", ")), unique across all partitions\n"
        sql += "CREATE TABLE IF NOT EXISTS \(name) (\n" + lines.joined(separator: ",\n") + "\n)"
        switch dialect {
        case .bigquery:
            if target.isHistory { sql += "\nPARTITION BY \(quote(target.partitionColumn, dialect))" }
            sql += "\nOPTIONS(description = \(literal(description)))"
        case .snowflake: sql += "\nCOMMENT = \(literal(description))"
        case .duckdb, .postgres: break
        }
        sql += ";\n"
        if dialect == .postgres || dialect == .duckdb {
            sql += "COMMENT ON TABLE \(name) IS \(literal(description));\n"
            for column in table.columns {
                sql += "COMMENT ON COLUMN \(name).\(quote(column.name, dialect)) IS \(literal(column.description));\n"
            }
        }
        return sql
    }

    /// BigQuery's JSON table schema (for `bq load --schema`), partition column last.
    public static func bigQueryJSONSchema(_ table: TableSchema, partitioning: PartitionSpec.Granularity? = nil) throws -> String {
        let partition = try table.effectivePartitioning(override: partitioning)
        return try bigQueryJSONSchema(
            Target(schema: table, name: table.table, partitionColumn: partition.column, partitionBy: partition.by, isHistory: false))
    }

    public static func bigQueryJSONSchema(_ target: Target) throws -> String {
        var fields: [[String: String]] = target.schema.columns.map { column in
            var field = ["name": column.name, "mode": column.nullable ? "NULLABLE" : "REQUIRED", "description": column.description]
            switch column.type {
            case .decimal(let precision, let scale):
                field["type"] = bigQueryNumeric(precision: precision, scale: scale)
                field["precision"] = String(precision)
                field["scale"] = String(scale)
            default:
                field["type"] = sqlType(column.type, .bigquery)
            }
            return field
        }
        fields.append([
            "name": target.partitionColumn, "mode": "REQUIRED", "type": partitionType(target.partitionBy, .bigquery),
            "description": "Hive partition (\(target.partitionBy.rawValue)) taken from the file path"
        ])
        let data = try JSONSerialization.data(withJSONObject: fields, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func sqlType(_ type: ColumnType, _ dialect: Dialect) -> String {
        switch (type, dialect) {
        case (.string, .bigquery): return "STRING"
        case (.string, .postgres): return "TEXT"
        case (.string, _): return "VARCHAR"
        case (.int64, .bigquery): return "INT64"
        case (.int64, _): return "BIGINT"
        case (.decimal(let p, let s), .bigquery): return "\(bigQueryNumeric(precision: p, scale: s))(\(p), \(s))"
        case (.decimal(let p, let s), .postgres): return "NUMERIC(\(p), \(s))"
        case (.decimal(let p, let s), .snowflake): return "NUMBER(\(p), \(s))"
        case (.decimal(let p, let s), .duckdb): return "DECIMAL(\(p), \(s))"
        case (.bool, .bigquery): return "BOOL"
        case (.bool, _): return "BOOLEAN"
        case (.timestamp, .bigquery): return "TIMESTAMP"
        case (.timestamp, .snowflake): return "TIMESTAMP_TZ(6)"
        case (.timestamp, _): return "TIMESTAMPTZ"
        case (.date, _): return "DATE"
        case (.json, .postgres): return "JSONB"
        case (.json, .snowflake): return "VARIANT"
        // The files hold JSON as Parquet STRING; BigQuery keeps it as text (query it with JSON_VALUE / PARSE_JSON).
        case (.json, .bigquery): return "STRING"
        case (.json, _): return "JSON"
        }
    }

    /// NUMERIC holds up to 29 integer and 9 fraction digits; larger decimals need BIGNUMERIC.
    static func bigQueryNumeric(precision: Int, scale: Int) -> String {
        scale <= 9 && precision - scale <= 29 ? "NUMERIC" : "BIGNUMERIC"
    }

    static func partitionType(_ by: PartitionSpec.Granularity, _ dialect: Dialect) -> String {
        switch by {
        case .day, .snapshot: return "DATE"
        case .month: return sqlType(.string, dialect)
        case .year: return dialect == .bigquery ? "INT64" : "INTEGER"
        }
    }

    static func quote(_ identifier: String, _ dialect: Dialect) -> String {
        let safe = identifier.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLowercase || $0.isNumber)) }
        if safe && !(identifier.first?.isNumber ?? true) { return identifier }
        return dialect == .bigquery ? "`\(identifier)`" : "\"\(identifier.replacingOccurrences(of: "\"", with: "\"\""))\""
    }

    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
    }
}
