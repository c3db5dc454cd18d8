import ModuleErrors

/// The value type of a column, in the terms callers think in; each maps to one physical type plus
/// its logical (and legacy converted) annotation.
public enum ParquetColumnType: Sendable, Equatable, CustomStringConvertible {
    /// UTF-8 text: BYTE_ARRAY + STRING (UTF8).
    case string
    /// Signed 64-bit integer: INT64, no annotation.
    case int64
    /// Exact decimal with `precision` (1...38) digits, `scale` of them after the point: INT64 when
    /// precision <= 18, otherwise FIXED_LEN_BYTE_ARRAY big-endian two's complement.
    case decimal(precision: Int, scale: Int)
    /// BOOLEAN.
    case bool
    /// Microseconds since the Unix epoch, UTC: INT64 + TIMESTAMP(MICROS, isAdjustedToUTC=true).
    case timestampMicros
    /// Days since the Unix epoch: INT32 + DATE.
    case date
    /// A JSON document as UTF-8 text: BYTE_ARRAY + JSON.
    case json

    public var description: String {
        switch self {
        case .string: return "string"
        case .int64: return "int64"
        case .decimal(let p, let s): return "decimal(\(p),\(s))"
        case .bool: return "bool"
        case .timestampMicros: return "timestamp"
        case .date: return "date"
        case .json: return "json"
        }
    }

    /// The physical type values are stored as.
    public var physicalType: PhysicalType {
        switch self {
        case .string, .json: return .byteArray
        case .int64, .timestampMicros: return .int64
        case .decimal(let precision, _): return precision <= ParquetDecimal.maxInt64Precision ? .int64 : .fixedLenByteArray
        case .bool: return .boolean
        case .date: return .int32
        }
    }

    /// Byte width of FIXED_LEN_BYTE_ARRAY decimals: the fewest bytes whose signed range holds
    /// every value of `precision` digits.
    public var fixedLength: Int? {
        guard case .decimal(let precision, _) = self, physicalType == .fixedLenByteArray else { return nil }
        return ParquetDecimal.byteWidth(forPrecision: precision)
    }
}

/// One leaf column: a name, a type, and whether it may hold nulls.
public struct ParquetColumn: Sendable, Equatable {
    public var name: String
    public var type: ParquetColumnType
    public var nullable: Bool

    public init(name: String, type: ParquetColumnType, nullable: Bool) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }
}

/// A flat schema: an ordered list of leaf columns (no nesting, no repetition).
public struct ParquetSchema: Sendable, Equatable {
    public var columns: [ParquetColumn]

    public init(_ columns: [ParquetColumn]) throws {
        var seen = Set<String>()
        for column in columns {
            guard !column.name.isEmpty else { throw ParquetError(.invalidSchema, "a column has an empty name") }
            guard seen.insert(column.name).inserted else {
                throw ParquetError(.invalidSchema, "column '\(column.name)' appears twice")
            }
            if case .decimal(let precision, let scale) = column.type {
                guard (1...ParquetDecimal.maxPrecision).contains(precision), (0...precision).contains(scale) else {
                    throw ParquetError(
                        .invalidSchema,
                        "column '\(column.name)': decimal(\(precision),\(scale)) needs 1 <= precision <= 38 and 0 <= scale <= precision")
                }
            }
        }
        self.columns = columns
    }

    /// The flattened schema tree of the footer: a root group, then one element per column.
    func schemaElements() -> [SchemaElement] {
        var elements = [SchemaElement(name: "schema", numChildren: Int32(columns.count))]
        for column in columns {
            var element = SchemaElement(
                type: column.type.physicalType,
                repetitionType: column.nullable ? .optional : .required,
                name: column.name
            )
            switch column.type {
            case .string:
                element.convertedType = .utf8
                element.logicalType = .string
            case .json:
                element.convertedType = .json
                element.logicalType = .json
            case .int64, .bool:
                break
            case .decimal(let precision, let scale):
                element.typeLength = column.type.fixedLength.map { Int32($0) }
                element.convertedType = .decimal
                element.scale = Int32(scale)
                element.precision = Int32(precision)
                element.logicalType = .decimal(scale: Int32(scale), precision: Int32(precision))
            case .timestampMicros:
                element.convertedType = .timestampMicros
                element.logicalType = .timestamp(isAdjustedToUTC: true, unit: .micros)
            case .date:
                element.convertedType = .date
                element.logicalType = .date
            }
            elements.append(element)
        }
        return elements
    }
}
