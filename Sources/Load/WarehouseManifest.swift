public import Core

/// `warehouse/_runs/<run_id>.json`: what one load published, written last. No clock times, so an
/// interrupted and resumed load writes the same bytes as an uninterrupted one.
public struct WarehouseManifest: Codable, Sendable, Equatable {
    public struct Partition: Codable, Sendable, Equatable {
        public var value: String
        public var rows: Int
        /// Relative to the warehouse directory.
        public var file: FileEntry
        /// SHA-256 of the partition's rows as the load read them, in order (fact tables): a later
        /// load whose partition has the same hash, with the same settings, carries the file over.
        public var rowsSha256: String? = nil
        /// Set when the rows were the base run's: its file was carried over (hard-linked, not
        /// written again) and keeps its name; the value is the run this load carried it from.
        public var carriedOverFrom: String? = nil

        enum CodingKeys: String, CodingKey {
            case value, rows, file, rowsSha256 = "rows_sha256", carriedOverFrom = "carried_over_from"
        }
    }

    /// What a load did to a table's partitions, against the base run's (the published one).
    public struct PartitionChanges: Codable, Sendable, Equatable {
        /// Partitions whose file this load wrote (new or changed rows, or nothing to carry over).
        public var rewritten: Int
        /// Partitions whose rows were unchanged: the base's file was carried over.
        public var carriedOver: Int
        /// Partition values the base run had and this one has not (their last rows moved or went).
        public var removed: [String]

        enum CodingKeys: String, CodingKey {
            case rewritten, carriedOver = "carried_over", removed
        }
    }

    public struct Table: Codable, Sendable, Equatable {
        public var schemaHash: String
        /// The staging file it was loaded from, relative to the output root.
        public var source: FileEntry
        public var rows: Int
        public var partitionColumn: String
        /// day, month, year or snapshot.
        public var partitionBy: String
        /// "table": the table's previous files were all replaced (every table holds exactly
        /// this run's rows; dimension snapshots also accumulate under `history`).
        public var replaces: String
        public var partitions: [Partition]
        /// Dimension tables: the directory of every kept snapshot (`_history/<table>`).
        public var history: String? = nil
        /// Partitions rewritten, carried over and removed against the base run.
        public var partitionChanges: PartitionChanges? = nil

        enum CodingKeys: String, CodingKey {
            case schemaHash = "schema_hash", source, rows, partitionColumn = "partition_column"
            case partitionBy = "partition_by", replaces, partitions, history, partitionChanges = "partition_changes"
        }
    }

    public var runId: String
    public var pipeline: String
    public var toolVersion: String
    public var format: String
    public var snapshotDate: String
    /// The staging manifest this load read, relative to the output root, with its checksum.
    public var stagingManifest: FileEntry
    public var tables: [String: Table]
    /// The load settings that shape the files' bytes besides format and tool version: a later
    /// load carries files over only from a run loaded with the same ones.
    public var zstdLevel: Int? = nil
    public var rowGroupRows: Int? = nil
    /// SHA-256 of the executable that wrote the files (`ToolInfo.executableSha256`).
    public var toolBuild: String? = nil
    /// The published run this load compared its partitions with (nil for the first load).
    public var baseRun: String? = nil

    enum CodingKeys: String, CodingKey {
        case runId = "run_id", pipeline, toolVersion = "tool_version", format, snapshotDate = "snapshot_date"
        case stagingManifest = "staging_manifest", tables, zstdLevel = "zstd_level", rowGroupRows = "row_group_rows", toolBuild =
            "tool_build", baseRun = "base_run"
    }
}
