/// parquet.thrift `PageHeader`, with either a v1 data page header or a dictionary page header.
struct PageHeader: ThriftStruct {
    var type: PageType
    var uncompressedPageSize: Int32
    var compressedPageSize: Int32
    var dataPageHeader: DataPageHeader?
    var dictionaryPageHeader: DictionaryPageHeader?

    func encodeFields(to encoder: inout ThriftCompactEncoder) {
        encoder.field(1, i32: type.rawValue)
        encoder.field(2, i32: uncompressedPageSize)
        encoder.field(3, i32: compressedPageSize)
        if let dataPageHeader { encoder.field(5, struct: dataPageHeader) }
        if let dictionaryPageHeader { encoder.field(7, struct: dictionaryPageHeader) }
    }
}

/// parquet.thrift `DataPageHeader` (format v1).
struct DataPageHeader: ThriftStruct {
    /// Values including nulls.
    var numValues: Int32
    var encoding: Encoding
    var definitionLevelEncoding: Encoding
    var repetitionLevelEncoding: Encoding

    func encodeFields(to encoder: inout ThriftCompactEncoder) {
        encoder.field(1, i32: numValues)
        encoder.field(2, i32: encoding.rawValue)
        encoder.field(3, i32: definitionLevelEncoding.rawValue)
        encoder.field(4, i32: repetitionLevelEncoding.rawValue)
    }
}

/// parquet.thrift `DictionaryPageHeader`.
struct DictionaryPageHeader: ThriftStruct {
    var numValues: Int32
    var encoding: Encoding
    var isSorted: Bool

    func encodeFields(to encoder: inout ThriftCompactEncoder) {
        encoder.field(1, i32: numValues)
        encoder.field(2, i32: encoding.rawValue)
        encoder.field(3, bool: isSorted)
    }
}
