import Core
import Foundation

/// CREATE TABLE statements (and BigQuery's JSON schema) generated from schemas/, so warehouse
/// tables never drift from the files the load writes.
///
/// Each table gets its schema's columns in order, then the partition column, which the files
/// carry only in their directory names (`<column>=<value>`): DATE for day and snapshot partitions,
/// text for month (`YYYY-MM`), integer for year.
public enum WarehouseDDL {
    public enum Dialect: String, CaseIterable, Sendable {
        case duckdb, postgres, bigquery, snowflake
    }

    /// CREATE TABLE statements for every table, in schema order.
    public static func createTables(_ schemas: SchemaSet, dialect: Dialect, partitioning: [String: PartitionSpec.Granularity] = [:]) throws -> String {
        try schemas.tables.map { try createTable($0, dialect: dialect, partitioning: partitioning[$0.table]) }.joined(separator: "\n")
    }

    public static func createTable(_ table: TableSchema, dialect: Dialect, partitioning: PartitionSpec.Granularity? = nil) throws -> String {
        let partition = try table.effectivePartitioning(override: partitioning)
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
        var partitionLine = "  \(quote(partition.column, dialect)) \(partitionType(partition.by, dialect)) NOT NULL"
        let partitionNote = "Hive partition (\(partition.by.rawValue)) taken from the file path"
        switch dialect {
        case .bigquery: partitionLine += " OPTIONS(description = \(literal(partitionNote)))"
        case .snowflake: partitionLine += " COMMENT \(literal(partitionNote))"
        case .duckdb, .postgres: break
        }
        lines.append(partitionLine)

        let name = quote(table.table, dialect)
        var sql = "-- \(table.table): \(table.description)\n"
        sql += "-- primary key: \(table.primaryKey.joined(separator: ", ")) (unique within one \(partition.column) partition)\n"
        sql += "CREATE TABLE \(name) (\n" + lines.joined(separator: ",\n") + "\n)"
        switch dialect {
        case .bigquery: sql += "\nOPTIONS(description = \(literal(table.description)))"
        case .snowflake: sql += "\nCOMMENT = \(literal(table.description))"
        case .duckdb, .postgres: break
        }
        sql += ";\n"
        if dialect == .postgres || dialect == .duckdb {
            sql += "COMMENT ON TABLE \(name) IS \(literal(table.description));\n"
            for column in table.columns {
                sql += "COMMENT ON COLUMN \(name).\(quote(column.name, dialect)) IS \(literal(column.description));\n"
            }
        }
        return sql
    }

    /// BigQuery's JSON table schema (for `bq mk --table` / `bq load --schema`), partition column last.
    public static func bigQueryJSONSchema(_ table: TableSchema, partitioning: PartitionSpec.Granularity? = nil) throws -> String {
        let partition = try table.effectivePartitioning(override: partitioning)
        var fields: [[String: String]] = table.columns.map { column in
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
        fields.append(["name": partition.column, "mode": "REQUIRED", "type": partitionType(partition.by, .bigquery),
                       "description": "Hive partition (\(partition.by.rawValue)) taken from the file path"])
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
