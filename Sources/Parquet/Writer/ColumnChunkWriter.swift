import ModuleErrors

/// Buffers one column's values into data pages, and its pages into a column chunk, one row group
/// at a time.
///
/// Memory is bounded by one open page plus the compressed pages of the current row group.
/// String and JSON columns start dictionary-encoded; when the dictionary outgrows its limits the
/// open page is closed and the rest of the chunk (and of the file: the column has shown it is
/// high-cardinality) is written PLAIN.
final class ColumnChunkWriter {
    let column: ParquetColumn
    let physicalType: PhysicalType
    /// `column.type`, kept apart so hot paths do not copy the column (and its name).
    let type: ParquetColumnType
    private let fixedLength: Int
    /// 10^precision for decimals stored as INT64: unscaled values must lie strictly within +-limit.
    let decimalLimit: Int64?
    private let options: ParquetWriterOptions
    private let nullable: Bool
    private let pageValueLimit: Int
    private let pageByteLimit: Int
    private let dictionaryMaxBytes: Int
    private let dictionaryMaxEntries: Int

    // The open page.
    @exclusivity(unchecked) private var definitionLevels: [UInt8] = []
    @exclusivity(unchecked) private var pageValueCount = 0
    @exclusivity(unchecked) private var plainValues: [UInt8] = []
    @exclusivity(unchecked) private var booleans = BooleanBitPacker()
    @exclusivity(unchecked) private var dictionaryIndices: [UInt32] = []

    // The open column chunk.
    @exclusivity(unchecked) private var dictionary = ByteArrayDictionary()
    @exclusivity(unchecked) private var dictionaryMode: Bool
    private var dictionaryDisabled = false
    private var pages: [UInt8] = []
    private var chunkUncompressedSize: Int64 = 0
    private var chunkCompressedSize: Int64 = 0
    private var dataPageEncodings: [Encoding] = []
    private var encodingStats: [PageEncodingStats] = []
    @exclusivity(unchecked) private var statistics = ColumnStatisticsAccumulator()
    /// Values (nulls included) written to the open chunk.
    @exclusivity(unchecked) private(set) var chunkValueCount = 0

    private var bodyScratch: [UInt8] = []
    private var levelScratch: [UInt8] = []
    private var compressedScratch: [UInt8] = []

    init(column: ParquetColumn, options: ParquetWriterOptions) {
        self.column = column
        self.physicalType = column.type.physicalType
        self.type = column.type
        self.fixedLength = column.type.fixedLength ?? 0
        if case .decimal(let precision, _) = column.type, precision <= ParquetDecimal.maxInt64Precision {
            var limit: Int64 = 1
            for _ in 0..<precision { limit *= 10 }
            decimalLimit = limit
        } else {
            decimalLimit = nil
        }
        self.options = options
        self.nullable = column.nullable
        self.pageValueLimit = options.pageValues
        self.pageByteLimit = options.pageBytes
        self.dictionaryMaxBytes = options.dictionaryMaxBytes
        self.dictionaryMaxEntries = options.dictionaryMaxEntries
        self.dictionaryMode = options.dictionaryEnabled && column.type.physicalType == .byteArray
    }

    /// Encoded bytes held for the open row group, before compression.
    var bufferedBytes: Int {
        Int(chunkUncompressedSize) + openPageValueBytes + definitionLevels.count / 8
    }

    private var openPageValueBytes: Int {
        plainValues.count + dictionaryIndices.count * 4 + booleans.count / 8
    }

    // MARK: Values

    func writeNull() throws {
        guard nullable else {
            throw ParquetError(.invalidValue, "column '\(column.name)' is not nullable but got a null")
        }
        definitionLevels.append(0)
        statistics.recordNull()
        try valueWritten()
    }

    func write(int64 value: Int64) throws {
        PlainEncoder.append(int64: value, to: &plainValues)
        statistics.update(integer: value)
        try nonNullValueWritten()
    }

    func write(int32 value: Int32) throws {
        PlainEncoder.append(int32: value, to: &plainValues)
        statistics.update(integer: Int64(value))
        try nonNullValueWritten()
    }

    func write(bool value: Bool) throws {
        booleans.append(value)
        statistics.update(integer: value ? 1 : 0)
        try nonNullValueWritten()
    }

    func write(fixedDecimal value: ParquetDecimal) throws {
        value.appendBigEndian(width: fixedLength, to: &plainValues)
        statistics.update(decimal: value)
        try nonNullValueWritten()
    }

    func write(bytes value: UnsafeRawBufferPointer) throws {
        if dictionaryMode {
            switch dictionary.indexOrInsert(value, maxBytes: dictionaryMaxBytes, maxEntries: dictionaryMaxEntries) {
            case .existing(let index):
                dictionaryIndices.append(index)
            case .inserted(let index):
                dictionaryIndices.append(index)
                statistics.update(bytes: value)
            case .full:
                try fallBackToPlain()
                PlainEncoder.append(byteArray: value, to: &plainValues)
                statistics.update(bytes: value)
            }
        } else {
            PlainEncoder.append(byteArray: value, to: &plainValues)
            statistics.update(bytes: value)
        }
        try nonNullValueWritten()
    }

    @inline(__always)
    private func nonNullValueWritten() throws {
        if nullable { definitionLevels.append(1) }
        try valueWritten()
    }

    @inline(__always)
    private func valueWritten() throws {
        pageValueCount += 1
        chunkValueCount += 1
        if pageValueCount >= pageValueLimit || openPageValueBytes >= pageByteLimit {
            try flushPage()
        }
    }

    /// Closes the open (dictionary-encoded) page; the rest of the file is written PLAIN.
    private func fallBackToPlain() throws {
        try flushPage()
        dictionaryMode = false
        dictionaryDisabled = true
    }

    // MARK: Pages

    private func flushPage() throws {
        guard pageValueCount > 0 else { return }
        if dictionaryMode && pages.isEmpty && dictionary.count > 0
            && Double(dictionary.count) > options.dictionaryMaxDistinctRatio * Double(dictionaryIndices.count)
        {
            // Mostly distinct from the start: rewrite this page PLAIN and stay PLAIN.
            for index in dictionaryIndices { dictionary.withEntry(Int(index)) { PlainEncoder.append(byteArray: $0, to: &plainValues) } }
            dictionaryIndices.removeAll(keepingCapacity: true)
            dictionary.removeAll()
            dictionaryMode = false
            dictionaryDisabled = true
        }
        bodyScratch.removeAll(keepingCapacity: true)
        if column.nullable {
            levelScratch.removeAll(keepingCapacity: true)
            definitionLevels.withUnsafeBufferPointer {
                RLEBitPackedHybridEncoder.encode($0, bitWidth: 1, into: &levelScratch)
            }
            PlainEncoder.append(int32: Int32(levelScratch.count), to: &bodyScratch)
            bodyScratch.append(contentsOf: levelScratch)
        }
        let encoding: Encoding
        if dictionaryMode && dictionary.count > 0 {
            let bitWidth = max(1, RLEBitPackedHybridEncoder.bitWidth(forMaxValue: UInt64(dictionary.count - 1)))
            bodyScratch.append(UInt8(bitWidth))
            dictionaryIndices.withUnsafeBufferPointer {
                RLEBitPackedHybridEncoder.encode($0, bitWidth: bitWidth, into: &bodyScratch)
            }
            encoding = .rleDictionary
        } else if physicalType == .boolean {
            booleans.finish(into: &bodyScratch)
            encoding = .plain
        } else {
            bodyScratch.append(contentsOf: plainValues)
            encoding = .plain
        }
        let header = DataPageHeader(
            numValues: Int32(pageValueCount),
            encoding: encoding,
            definitionLevelEncoding: .rle,
            repetitionLevelEncoding: .rle
        )
        try appendPage(type: .dataPage, encoding: encoding, body: bodyScratch, to: &pages) { uncompressed, compressed in
            PageHeader(type: .dataPage, uncompressedPageSize: uncompressed, compressedPageSize: compressed, dataPageHeader: header)
        }
        if !dataPageEncodings.contains(encoding) { dataPageEncodings.append(encoding) }

        definitionLevels.removeAll(keepingCapacity: true)
        plainValues.removeAll(keepingCapacity: true)
        dictionaryIndices.removeAll(keepingCapacity: true)
        booleans.reset()
        pageValueCount = 0
    }

    /// Compresses `body` and appends header + compressed body to `output`.
    private func appendPage(
        type: PageType, encoding: Encoding, body: [UInt8], to output: inout [UInt8],
        header makeHeader: (Int32, Int32) -> PageHeader
    ) throws {
        compressedScratch.removeAll(keepingCapacity: true)
        do {
            try body.withUnsafeBytes { try options.compressor.compress($0, appendingTo: &compressedScratch) }
        } catch {
            throw ParquetError(.compression, "column '\(column.name)': page compression failed", cause: error)
        }
        guard body.count <= Int32.max, compressedScratch.count <= Int32.max else {
            throw ParquetError(.invalidValue, "column '\(column.name)': a page exceeds 2 GiB")
        }
        let headerBytes = ThriftCompactEncoder.encode(makeHeader(Int32(body.count), Int32(compressedScratch.count)))
        output.append(contentsOf: headerBytes)
        output.append(contentsOf: compressedScratch)
        chunkUncompressedSize += Int64(headerBytes.count + body.count)
        chunkCompressedSize += Int64(headerBytes.count + compressedScratch.count)
        if let index = encodingStats.firstIndex(where: { $0.pageType == type && $0.encoding == encoding }) {
            encodingStats[index].count += 1
        } else {
            encodingStats.append(PageEncodingStats(pageType: type, encoding: encoding, count: 1))
        }
    }

    // MARK: Chunk

    /// Writes the chunk (dictionary page first, then data pages) at the output's offset and
    /// returns its footer entry; the writer is then ready for the next row group.
    func finishChunk(to output: FileOutput) throws -> ColumnChunk {
        try flushPage()
        let startOffset = output.offset
        var dictionaryPageOffset: Int64?
        var encodings = dataPageEncodings
        encodings.append(.rle)
        if dictionary.count > 0 {
            var dictionaryPage: [UInt8] = []
            let header = DictionaryPageHeader(numValues: Int32(dictionary.count), encoding: .plain, isSorted: false)
            try appendPage(type: .dictionaryPage, encoding: .plain, body: dictionary.plainBytes, to: &dictionaryPage) {
                uncompressed, compressed in
                PageHeader(
                    type: .dictionaryPage, uncompressedPageSize: uncompressed, compressedPageSize: compressed, dictionaryPageHeader: header)
            }
            try output.write(dictionaryPage)
            dictionaryPageOffset = startOffset
            encodings.append(.plain)
        }
        let dataPageOffset = output.offset
        try output.write(pages)

        // Dictionary page statistics first, as readers list them.
        let orderedStats = encodingStats.filter { $0.pageType == .dictionaryPage } + encodingStats.filter { $0.pageType != .dictionaryPage }
        let metaData = ColumnMetaData(
            type: physicalType,
            encodings: Array(Set(encodings)).sorted(),
            pathInSchema: [column.name],
            codec: options.compressor.codec,
            numValues: Int64(chunkValueCount),
            totalUncompressedSize: chunkUncompressedSize,
            totalCompressedSize: chunkCompressedSize,
            dataPageOffset: dataPageOffset,
            dictionaryPageOffset: dictionaryPageOffset,
            statistics: statistics.statistics(for: column.type, maxStatisticsSize: options.maxStatisticsSize),
            encodingStats: orderedStats
        )
        resetChunk()
        return ColumnChunk(metaData: metaData)
    }

    private func resetChunk() {
        dictionary.removeAll()
        dictionaryMode = options.dictionaryEnabled && physicalType == .byteArray && !dictionaryDisabled
        pages.removeAll(keepingCapacity: false)
        chunkUncompressedSize = 0
        chunkCompressedSize = 0
        dataPageEncodings.removeAll()
        encodingStats.removeAll()
        statistics.reset()
        chunkValueCount = 0
    }
}
