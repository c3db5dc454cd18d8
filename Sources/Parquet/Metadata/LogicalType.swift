/// parquet.thrift `LogicalType` (a union), limited to the annotations this writer emits.
enum LogicalType: ThriftStruct {
    case string
    case decimal(scale: Int32, precision: Int32)
    case date
    case timestamp(isAdjustedToUTC: Bool, unit: TimeUnit)
    case json

    enum TimeUnit: Int16 {
        case millis = 1
        case micros = 2
        case nanos = 3
    }

    func encodeFields(to encoder: inout ThriftCompactEncoder) {
        switch self {
        case .string:
            encoder.field(1, struct: EmptyThriftStruct())
        case .decimal(let scale, let precision):
            encoder.field(5, struct: DecimalType(scale: scale, precision: precision))
        case .date:
            encoder.field(6, struct: EmptyThriftStruct())
        case .timestamp(let utc, let unit):
            encoder.field(8, struct: TimestampType(isAdjustedToUTC: utc, unit: unit))
        case .json:
            encoder.field(12, struct: EmptyThriftStruct())
        }
    }

    private struct DecimalType: ThriftStruct {
        var scale: Int32
        var precision: Int32
        func encodeFields(to encoder: inout ThriftCompactEncoder) {
            encoder.field(1, i32: scale)
            encoder.field(2, i32: precision)
        }
    }

    private struct TimestampType: ThriftStruct {
        var isAdjustedToUTC: Bool
        var unit: TimeUnit
        func encodeFields(to encoder: inout ThriftCompactEncoder) {
            encoder.field(1, bool: isAdjustedToUTC)
            encoder.field(2, struct: TimeUnitUnion(unit: unit))
        }
    }

    /// `TimeUnit` is a union of empty structs: the field id names the unit.
    private struct TimeUnitUnion: ThriftStruct {
        var unit: TimeUnit
        func encodeFields(to encoder: inout ThriftCompactEncoder) {
            encoder.field(unit.rawValue, struct: EmptyThriftStruct())
        }
    }
}

/// The empty structs parquet.thrift uses as union members (StringType, DateType, TypeDefinedOrder...).
struct EmptyThriftStruct: ThriftStruct {
    func encodeFields(to encoder: inout ThriftCompactEncoder) {}
}
