import Core
import ModuleErrors
import Parquet

extension TableSchema {
    /// The Parquet schema of this table's files: the schema's columns, in order (partition
    /// columns live in directory names, not in the files).
    func parquetSchema() throws -> ParquetSchema {
        try ParquetSchema(
            columns.map { column in
                ParquetColumn(name: column.name, type: column.type.parquetType, nullable: column.nullable)
            })
    }

    /// The partitioning in force: the pipeline's override for fact tables, else schemas/.
    ///
    /// The directory key is named after its granularity, so readers never infer a month from a
    /// `document_month=2021` or `document_month=2021-03-04` directory: the schema's column with
    /// its `_day`/`_month`/`_year` suffix replaced (`document_month` -> `document_day`, `document_year`).
    func effectivePartitioning(override: PartitionSpec.Granularity?) throws -> TablePartitioning {
        let base = TablePartitioning(column: partition.column, by: partition.by, sourceColumn: partition.sourceColumn)
        guard let override, override != partition.by else { return base }
        guard partition.by != .snapshot, override != .snapshot else {
            throw LoadError(
                .configuration,
                "table \(table): partitioning '\(override.rawValue)' cannot replace '\(partition.by.rawValue)'; only fact tables (day, month, year) can be re-partitioned"
            )
        }
        return TablePartitioning(
            column: Self.partitionColumn(partition.column, by: override), by: override, sourceColumn: partition.sourceColumn)
    }

    /// `document_month` re-partitioned by day is `document_day`; a column without a granularity
    /// suffix gets one (`period` -> `period_day`).
    static func partitionColumn(_ column: String, by: PartitionSpec.Granularity) -> String {
        var stem = Substring(column)
        for suffix in ["_day", "_month", "_year"] where stem.hasSuffix(suffix) {
            stem = stem.dropLast(suffix.count)
            break
        }
        return stem + "_" + by.rawValue
    }
}

extension ColumnType {
    var parquetType: ParquetColumnType {
        switch self {
        case .string: return .string
        case .int64: return .int64
        case .decimal(let precision, let scale): return .decimal(precision: precision, scale: scale)
        case .bool: return .bool
        case .timestamp: return .timestampMicros
        case .date: return .date
        // JSON text as a STRING (UTF8) column: with the JSON logical type, polars reads Binary
        // (pyarrow and DuckDB read JSON) unless an Arrow schema is embedded; STRING is text to
        // every reader. The warehouse DDL still declares JSON / JSONB / VARIANT.
        case .json: return .string
        }
    }
}

/// The partitioning a load uses for one table (schemas/ plus the pipeline's override).
struct TablePartitioning: Sendable, Equatable {
    /// The directory key, `<column>=<value>`.
    var column: String
    var by: PartitionSpec.Granularity
    /// For day/month/year: the date or timestamp column the value is cut from.
    var sourceColumn: String?
}
