public import Core

/// `warehouse/_runs/<run_id>.json`: what one load published, written last. No clock times, so an
/// interrupted and resumed load writes the same bytes as an uninterrupted one.
public struct WarehouseManifest: Codable, Sendable, Equatable {
    public struct Partition: Codable, Sendable, Equatable {
        public var value: String
        public var rows: Int
        /// Relative to the warehouse directory.
        public var file: FileEntry
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

        enum CodingKeys: String, CodingKey {
            case schemaHash = "schema_hash", source, rows, partitionColumn = "partition_column"
            case partitionBy = "partition_by", replaces, partitions, history
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

    enum CodingKeys: String, CodingKey {
        case runId = "run_id", pipeline, toolVersion = "tool_version", format, snapshotDate = "snapshot_date"
        case stagingManifest = "staging_manifest", tables
    }
}
