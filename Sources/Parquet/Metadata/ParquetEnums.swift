/// Physical storage types of parquet.thrift `Type`.
public enum PhysicalType: Int32, Sendable {
    case boolean = 0
    case int32 = 1
    case int64 = 2
    case int96 = 3
    case float = 4
    case double = 5
    case byteArray = 6
    case fixedLenByteArray = 7
}

/// parquet.thrift `ConvertedType`: the legacy annotation kept for older readers.
public enum ConvertedType: Int32, Sendable {
    case utf8 = 0
    case decimal = 5
    case date = 6
    case timestampMicros = 10
    case json = 19
}

/// parquet.thrift `FieldRepetitionType`.
public enum FieldRepetitionType: Int32, Sendable {
    case required = 0
    case optional = 1
    case repeated = 2
}

/// parquet.thrift `Encoding`.
public enum Encoding: Int32, Sendable, Comparable {
    case plain = 0
    case plainDictionary = 2
    case rle = 3
    case bitPacked = 4
    case rleDictionary = 8

    public static func < (lhs: Encoding, rhs: Encoding) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// parquet.thrift `CompressionCodec`.
public enum CompressionCodec: Int32, Sendable {
    case uncompressed = 0
    case snappy = 1
    case gzip = 2
    case lzo = 3
    case brotli = 4
    case lz4 = 5
    case zstd = 6
    case lz4Raw = 7
}

/// parquet.thrift `PageType`.
public enum PageType: Int32, Sendable {
    case dataPage = 0
    case indexPage = 1
    case dictionaryPage = 2
    case dataPageV2 = 3
}
