/// How a `ParquetFileWriter` sizes row groups, pages and dictionaries, and what it records.
public struct ParquetWriterOptions {
    /// Written as the footer's created_by; fixed by the caller so output bytes are reproducible.
    public var createdBy: String
    /// Compresses every page; uncompressed by default.
    public var compressor: any PageCompressor
    /// A row group ends after this many rows...
    public var rowGroupRows: Int
    /// ...or once its buffered, encoded (uncompressed) size reaches this many bytes.
    public var rowGroupBytes: Int
    /// A data page ends once its encoded values reach this many bytes...
    public var pageBytes: Int
    /// ...or this many values.
    public var pageValues: Int
    /// Dictionary-encode string and JSON columns (falling back to PLAIN when the dictionary outgrows the limits).
    public var dictionaryEnabled: Bool
    /// Largest dictionary page body, in bytes, before the column chunk falls back to PLAIN.
    public var dictionaryMaxBytes: Int
    /// Most distinct values in a dictionary before the column chunk falls back to PLAIN.
    public var dictionaryMaxEntries: Int
    /// When the first page of a column chunk has more distinct values than this share of its
    /// values, the column is written PLAIN instead (high-cardinality text compresses better so).
    public var dictionaryMaxDistinctRatio: Double
    /// Byte-array min/max statistics longer than this are left out (the null count stays).
    public var maxStatisticsSize: Int
    /// fsync the file in `close()` so a rename after it publishes durable bytes.
    public var syncOnClose: Bool
    /// Extra footer key/value metadata, in order.
    public var keyValueMetadata: [KeyValue]

    public init(
        createdBy: String,
        compressor: any PageCompressor = UncompressedPageCompressor(),
        rowGroupRows: Int = 128 * 1024,
        rowGroupBytes: Int = 64 * 1024 * 1024,
        pageBytes: Int = 1024 * 1024,
        pageValues: Int = 64 * 1024,
        dictionaryEnabled: Bool = true,
        dictionaryMaxBytes: Int = 1024 * 1024,
        dictionaryMaxEntries: Int = 64 * 1024,
        dictionaryMaxDistinctRatio: Double = 0.2,
        maxStatisticsSize: Int = 4096,
        syncOnClose: Bool = true,
        keyValueMetadata: [KeyValue] = []
    ) {
        self.createdBy = createdBy
        self.compressor = compressor
        self.rowGroupRows = max(1, rowGroupRows)
        self.rowGroupBytes = max(1, rowGroupBytes)
        self.pageBytes = max(1, pageBytes)
        self.pageValues = max(1, pageValues)
        self.dictionaryEnabled = dictionaryEnabled
        self.dictionaryMaxBytes = dictionaryMaxBytes
        self.dictionaryMaxEntries = dictionaryMaxEntries
        self.dictionaryMaxDistinctRatio = dictionaryMaxDistinctRatio
        self.maxStatisticsSize = maxStatisticsSize
        self.syncOnClose = syncOnClose
        self.keyValueMetadata = keyValueMetadata
    }
}
