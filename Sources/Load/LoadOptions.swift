public import Core

/// What the load stage writes: format, partitioning, compression and row-group size.
public struct LoadOptions: Sendable {
    public var format: PipelineDefinition.OutputFormat
    /// Rows per Parquet row group.
    public var rowGroupRows: Int
    /// Table -> partition granularity (day, month, year), overriding schemas/ for fact tables.
    public var partitioning: [String: PartitionSpec.Granularity]
    public var zstdLevel: Int32
    /// Load only these tables (all tables of the staging run when nil).
    public var tables: [String]?
    /// Seconds a superseded warehouse version stays on disk after the next one is published.
    public var versionGraceSeconds: Int
    /// Newest published warehouse versions always kept (readable at their per-version paths).
    public var keepRuns: Int

    public init(
        format: PipelineDefinition.OutputFormat = .parquet,
        rowGroupRows: Int = 131_072,
        partitioning: [String: PartitionSpec.Granularity] = [:],
        zstdLevel: Int32 = 3,
        tables: [String]? = nil,
        versionGraceSeconds: Int = 3_600,
        keepRuns: Int = 7
    ) {
        self.versionGraceSeconds = versionGraceSeconds
        self.keepRuns = keepRuns
        self.format = format
        self.rowGroupRows = rowGroupRows
        self.partitioning = partitioning
        self.zstdLevel = zstdLevel
        self.tables = tables
    }

    /// The load settings of a pipeline definition.
    public init(pipeline: PipelineDefinition) {
        self.init(
            format: pipeline.load.format,
            rowGroupRows: pipeline.load.rowGroupRows,
            partitioning: pipeline.load.partitioning,
            zstdLevel: Int32(pipeline.load.zstdLevel),
            versionGraceSeconds: pipeline.load.versionGraceSeconds,
            keepRuns: pipeline.retention.keepRuns
        )
    }

    /// File extension of one partition file in this format.
    var fileExtension: String {
        switch format {
        case .parquet, .delta: return "parquet"
        case .ndjson: return "ndjson.zst"
        case .csv: return "csv.zst"
        }
    }
}
