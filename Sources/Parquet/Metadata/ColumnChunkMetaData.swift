/// parquet.thrift `ColumnChunk`: where one column's pages of one row group live.
struct ColumnChunk: ThriftStruct {
    var metaData: ColumnMetaData

    func encodeFields(to encoder: inout ThriftCompactEncoder) {
        // file_offset is deprecated; 0 means "no ColumnMetaData written outside the footer".
        encoder.field(2, i64: 0)
        encoder.field(3, struct: metaData)
    }
}

/// parquet.thrift `ColumnMetaData`.
struct ColumnMetaData: ThriftStruct {
    var type: PhysicalType
    var encodings: [Encoding]
    var pathInSchema: [String]
    var codec: CompressionCodec
    var numValues: Int64
    var totalUncompressedSize: Int64
    var totalCompressedSize: Int64
    var dataPageOffset: Int64
    var dictionaryPageOffset: Int64?
    var statistics: Statistics?
    var encodingStats: [PageEncodingStats]

    func encodeFields(to encoder: inout ThriftCompactEncoder) {
        encoder.field(1, i32: type.rawValue)
        encoder.field(2, i32List: encodings.map(\.rawValue))
        encoder.field(3, stringList: pathInSchema)
        encoder.field(4, i32: codec.rawValue)
        encoder.field(5, i64: numValues)
        encoder.field(6, i64: totalUncompressedSize)
        encoder.field(7, i64: totalCompressedSize)
        encoder.field(9, i64: dataPageOffset)
        if let dictionaryPageOffset { encoder.field(11, i64: dictionaryPageOffset) }
        if let statistics { encoder.field(12, struct: statistics) }
        if !encodingStats.isEmpty { encoder.field(13, structList: encodingStats) }
    }
}

/// parquet.thrift `PageEncodingStats`: how many pages of a kind used an encoding.
struct PageEncodingStats: ThriftStruct, Equatable {
    var pageType: PageType
    var encoding: Encoding
    var count: Int32

    func encodeFields(to encoder: inout ThriftCompactEncoder) {
        encoder.field(1, i32: pageType.rawValue)
        encoder.field(2, i32: encoding.rawValue)
        encoder.field(3, i32: count)
    }
}
