/// parquet.thrift `SchemaElement`: one node of the flattened schema tree (the root, then the leaves).
struct SchemaElement: ThriftStruct {
    var type: PhysicalType?
    var typeLength: Int32?
    var repetitionType: FieldRepetitionType?
    var name: String
    var numChildren: Int32?
    var convertedType: ConvertedType?
    var scale: Int32?
    var precision: Int32?
    var logicalType: LogicalType?

    func encodeFields(to encoder: inout ThriftCompactEncoder) {
        if let type { encoder.field(1, i32: type.rawValue) }
        if let typeLength { encoder.field(2, i32: typeLength) }
        if let repetitionType { encoder.field(3, i32: repetitionType.rawValue) }
        encoder.field(4, string: name)
        if let numChildren { encoder.field(5, i32: numChildren) }
        if let convertedType { encoder.field(6, i32: convertedType.rawValue) }
        if let scale { encoder.field(7, i32: scale) }
        if let precision { encoder.field(8, i32: precision) }
        if let logicalType { encoder.field(10, struct: logicalType) }
    }
}
