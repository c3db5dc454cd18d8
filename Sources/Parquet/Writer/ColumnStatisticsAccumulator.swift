#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Min, max and null count of one column chunk, kept in the column's sort order: signed for
/// integers, dates, timestamps and decimals, false < true for booleans, unsigned bytewise for
/// strings and JSON.
struct ColumnStatisticsAccumulator {
    private(set) var nullCount: Int64 = 0
    private(set) var hasValue = false
    private var minInteger: Int64 = 0
    private var maxInteger: Int64 = 0
    private var minDecimal = ParquetDecimal(0)
    private var maxDecimal = ParquetDecimal(0)
    private var minBytes: [UInt8] = []
    private var maxBytes: [UInt8] = []

    mutating func recordNull() { nullCount += 1 }

    @inline(__always)
    mutating func update(integer value: Int64) {
        if !hasValue {
            minInteger = value
            maxInteger = value
            hasValue = true
        } else if value < minInteger {
            minInteger = value
        } else if value > maxInteger {
            maxInteger = value
        }
    }

    mutating func update(decimal value: ParquetDecimal) {
        if !hasValue {
            minDecimal = value
            maxDecimal = value
            hasValue = true
        } else if value < minDecimal {
            minDecimal = value
        } else if maxDecimal < value {
            maxDecimal = value
        }
    }

    mutating func update(bytes value: UnsafeRawBufferPointer) {
        if !hasValue {
            ColumnStatisticsAccumulator.replace(&minBytes, with: value)
            ColumnStatisticsAccumulator.replace(&maxBytes, with: value)
            hasValue = true
        } else if ColumnStatisticsAccumulator.compare(value, minBytes) < 0 {
            ColumnStatisticsAccumulator.replace(&minBytes, with: value)
        } else if ColumnStatisticsAccumulator.compare(value, maxBytes) > 0 {
            ColumnStatisticsAccumulator.replace(&maxBytes, with: value)
        }
    }

    mutating func reset() {
        nullCount = 0
        hasValue = false
        minBytes.removeAll(keepingCapacity: true)
        maxBytes.removeAll(keepingCapacity: true)
    }

    /// The footer form: PLAIN-encoded bounds in min_value/max_value, plus the deprecated min/max
    /// where signed order is the column's order.
    func statistics(for type: ParquetColumnType, maxStatisticsSize: Int) -> Statistics {
        var result = Statistics(nullCount: nullCount)
        guard hasValue else { return result }
        var minValue: [UInt8] = []
        var maxValue: [UInt8] = []
        var legacyCompatible = true
        switch type.physicalType {
        case .int64:
            PlainEncoder.append(int64: minInteger, to: &minValue)
            PlainEncoder.append(int64: maxInteger, to: &maxValue)
        case .int32:
            PlainEncoder.append(int32: Int32(truncatingIfNeeded: minInteger), to: &minValue)
            PlainEncoder.append(int32: Int32(truncatingIfNeeded: maxInteger), to: &maxValue)
        case .boolean:
            minValue = [UInt8(truncatingIfNeeded: minInteger)]
            maxValue = [UInt8(truncatingIfNeeded: maxInteger)]
        case .fixedLenByteArray:
            let width = type.fixedLength ?? 16
            minDecimal.appendBigEndian(width: width, to: &minValue)
            maxDecimal.appendBigEndian(width: width, to: &maxValue)
            legacyCompatible = false
        default:
            guard minBytes.count <= maxStatisticsSize, maxBytes.count <= maxStatisticsSize else { return result }
            minValue = minBytes
            maxValue = maxBytes
            legacyCompatible = false
        }
        result.minValue = minValue
        result.maxValue = maxValue
        if legacyCompatible {
            result.legacyMin = minValue
            result.legacyMax = maxValue
        }
        return result
    }

    private static func replace(_ storage: inout [UInt8], with value: UnsafeRawBufferPointer) {
        storage.removeAll(keepingCapacity: true)
        storage.append(contentsOf: value)
    }

    /// Unsigned bytewise comparison; a prefix sorts first.
    static func compare(_ lhs: UnsafeRawBufferPointer, _ rhs: [UInt8]) -> Int {
        rhs.withUnsafeBytes { rhs in
            let common = min(lhs.count, rhs.count)
            if common > 0 {
                let result = memcmp(lhs.baseAddress!, rhs.baseAddress!, common)
                if result != 0 { return Int(result) }
            }
            return lhs.count - rhs.count
        }
    }
}
