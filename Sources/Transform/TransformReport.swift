public import Core

/// Rows of one table so far; reported after each table.
public struct TransformProgress: Sendable {
    public let table: String
    public let rowsIn: Int
    public let rowsOut: Int
    public let rowsRejected: Int
}

/// The manifest written and the figures of the run.
public struct TransformReport: Sendable {
    public let manifest: StagingManifest
    public let statistics: TransformStatistics
}

public struct TransformStatistics: Sendable {
    public struct Table: Sendable {
        public let table: String
        public let stream: String
        /// Uncompressed NDJSON bytes of the source stream.
        public let inputBytes: Int
        public let rowsIn: Int
        public let rowsOut: Int
        public let rowsRejected: Int
        /// Wall time of the table.
        public let seconds: Double
    }

    /// Uncompressed raw bytes read, all streams.
    public var inputBytes = 0
    public var tables: [Table] = []
    /// Wall time of the whole run, including checksums and publishing.
    public var seconds = 0.0
}
