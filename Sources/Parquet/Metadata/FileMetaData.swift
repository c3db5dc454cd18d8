/// parquet.thrift `FileMetaData`: the footer.
struct FileMetaData: ThriftStruct {
    var version: Int32
    var schema: [SchemaElement]
    var numRows: Int64
    var rowGroups: [RowGroup]
    var keyValueMetadata: [KeyValue]
    var createdBy: String
    /// One TYPE_ORDER per leaf column: gives min_value/max_value their meaning.
    var columnOrderCount: Int

    func encodeFields(to encoder: inout ThriftCompactEncoder) {
        encoder.field(1, i32: version)
        encoder.field(2, structList: schema)
        encoder.field(3, i64: numRows)
        encoder.field(4, structList: rowGroups)
        if !keyValueMetadata.isEmpty { encoder.field(5, structList: keyValueMetadata) }
        encoder.field(6, string: createdBy)
        encoder.field(7, structList: Array(repeating: ColumnOrder(), count: columnOrderCount))
    }

    /// The `ColumnOrder` union with its TYPE_ORDER member set.
    private struct ColumnOrder: ThriftStruct {
        func encodeFields(to encoder: inout ThriftCompactEncoder) {
            encoder.field(1, struct: EmptyThriftStruct())
        }
    }
}

/// parquet.thrift `RowGroup`.
struct RowGroup: ThriftStruct {
    var columns: [ColumnChunk]
    var totalByteSize: Int64
    var numRows: Int64
    var fileOffset: Int64
    var totalCompressedSize: Int64
    var ordinal: Int16

    func encodeFields(to encoder: inout ThriftCompactEncoder) {
        encoder.field(1, structList: columns)
        encoder.field(2, i64: totalByteSize)
        encoder.field(3, i64: numRows)
        encoder.field(5, i64: fileOffset)
        encoder.field(6, i64: totalCompressedSize)
        encoder.field(7, i16: ordinal)
    }
}

/// parquet.thrift `KeyValue`: free-form file metadata.
public struct KeyValue: ThriftStruct, Sendable, Equatable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    func encodeFields(to encoder: inout ThriftCompactEncoder) {
        encoder.field(1, string: key)
        encoder.field(2, string: value)
    }
}
