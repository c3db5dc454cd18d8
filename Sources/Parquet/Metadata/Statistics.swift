/// parquet.thrift `Statistics` of a column chunk: PLAIN-encoded bounds (byte arrays without their
/// length prefix) and the null count.
struct Statistics: ThriftStruct {
    /// Deprecated signed-order bounds; only set where signed order equals the column order.
    var legacyMax: [UInt8]?
    var legacyMin: [UInt8]?
    var nullCount: Int64
    var maxValue: [UInt8]?
    var minValue: [UInt8]?

    func encodeFields(to encoder: inout ThriftCompactEncoder) {
        if let legacyMax { encoder.field(1, binary: legacyMax) }
        if let legacyMin { encoder.field(2, binary: legacyMin) }
        encoder.field(3, i64: nullCount)
        if let maxValue { encoder.field(5, binary: maxValue) }
        if let minValue { encoder.field(6, binary: minValue) }
        if maxValue != nil { encoder.field(7, bool: true) }
        if minValue != nil { encoder.field(8, bool: true) }
    }
}
