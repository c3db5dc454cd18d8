import ModuleErrors

/// The unscaled value of a decimal as a 128-bit two's complement integer (enough for 38 digits).
///
/// `12.340` in a `decimal(P,3)` column is the unscaled integer 12340; the scale lives in the schema.
public struct ParquetDecimal: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Largest precision the writer accepts (what fits in 16 bytes).
    public static let maxPrecision = 38
    /// Largest precision stored as INT64; larger precisions use FIXED_LEN_BYTE_ARRAY.
    public static let maxInt64Precision = 18

    /// Upper 64 bits, carrying the sign.
    public var high: Int64
    /// Lower 64 bits.
    public var low: UInt64

    public init(high: Int64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public init(_ value: Int64) {
        self.high = value < 0 ? -1 : 0
        self.low = UInt64(bitPattern: value)
    }

    public var isNegative: Bool { high < 0 }

    /// The value as an Int64 when it fits.
    public var int64Value: Int64? {
        let candidate = Int64(bitPattern: low)
        return (candidate < 0 ? -1 : 0) == high ? candidate : nil
    }

    /// Two's complement negation.
    public var negated: ParquetDecimal {
        let (newLow, overflow) = (~low).addingReportingOverflow(1)
        return ParquetDecimal(high: ~high &+ (overflow ? 1 : 0), low: newLow)
    }

    /// Absolute value as (high, low) unsigned words; exact for every value of 38 digits.
    var magnitude: (high: UInt64, low: UInt64) {
        let positive = isNegative ? negated : self
        return (UInt64(bitPattern: positive.high), positive.low)
    }

    public static func < (lhs: ParquetDecimal, rhs: ParquetDecimal) -> Bool {
        lhs.high != rhs.high ? lhs.high < rhs.high : lhs.low < rhs.low
    }

    /// True when the value has at most `precision` decimal digits.
    public func fits(precision: Int) -> Bool {
        guard precision < ParquetDecimal.maxPrecision + 1 else { return true }
        let limit = ParquetDecimal.powersOfTen[precision]
        let m = magnitude
        return m.high != limit.high ? m.high < limit.high : m.low < limit.low
    }

    /// 10^0 ... 10^38 as unsigned 128-bit words.
    static let powersOfTen: [(high: UInt64, low: UInt64)] = {
        var result: [(high: UInt64, low: UInt64)] = [(0, 1)]
        for _ in 1...ParquetDecimal.maxPrecision {
            let last = result[result.count - 1]
            let lowProduct = last.low.multipliedFullWidth(by: 10)
            result.append((last.high &* 10 &+ lowProduct.high, lowProduct.low))
        }
        return result
    }()

    /// The fewest bytes whose signed range holds every value of `precision` digits.
    public static func byteWidth(forPrecision precision: Int) -> Int {
        // 10^p - 1 fits in n bytes when p * log2(10) < 8n - 1 (never equal: log2(10) is irrational).
        var width = 1
        while Double(precision) * 3.321928094887362 >= Double(8 * width - 1) { width += 1 }
        return width
    }

    /// Appends the value as `width` big-endian two's complement bytes (sign-extended).
    func appendBigEndian(width: Int, to output: inout [UInt8]) {
        for index in stride(from: width - 1, through: 0, by: -1) {
            let shift = index * 8
            let byte: UInt8
            if shift >= 128 {
                byte = isNegative ? 0xFF : 0
            } else if shift >= 64 {
                byte = UInt8(truncatingIfNeeded: UInt64(bitPattern: high) >> UInt64(shift - 64))
            } else {
                byte = UInt8(truncatingIfNeeded: low >> UInt64(shift))
            }
            output.append(byte)
        }
    }

    /// The unscaled integer in base 10, e.g. "-1234".
    public var description: String {
        var (hi, lo) = magnitude
        if hi == 0 && lo == 0 { return "0" }
        var digits: [UInt8] = []
        while hi != 0 || lo != 0 {
            let highQuotient = hi / 10
            let highRemainder = hi % 10
            let (lowQuotient, remainder) = UInt64(10).dividingFullWidth((high: highRemainder, low: lo))
            hi = highQuotient
            lo = lowQuotient
            digits.append(UInt8(ascii: "0") + UInt8(remainder))
        }
        if isNegative { digits.append(UInt8(ascii: "-")) }
        return String(decoding: digits.reversed(), as: UTF8.self)
    }

    /// The value with the decimal point placed `scale` digits from the right, e.g. "-12.34".
    public func formatted(scale: Int) -> String {
        var text = description
        let negative = text.hasPrefix("-")
        if negative { text.removeFirst() }
        if scale > 0 {
            if text.count <= scale { text = String(repeating: "0", count: scale - text.count + 1) + text }
            text.insert(".", at: text.index(text.endIndex, offsetBy: -scale))
        }
        return negative ? "-" + text : text
    }
}

extension ParquetDecimal {
    /// Parses decimal text such as "12.34", "-0.5" or "1200" into the unscaled value at `scale`.
    ///
    /// Fewer fraction digits than `scale` are padded with zeros; more are rejected rather than
    /// rounded, and so is anything of more than 38 significant digits.
    public init(parsing text: UnsafeRawBufferPointer, scale: Int) throws {
        var index = 0
        var negative = false
        if index < text.count, text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+") {
            negative = text[index] == UInt8(ascii: "-")
            index += 1
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var significantDigits = 0
        var integerDigits = 0
        var fractionDigits = 0
        var seenPoint = false

        func appendDigit(_ digit: UInt64) -> Bool {
            if significantDigits == 0 && digit == 0 { return true }
            significantDigits += 1
            if significantDigits > ParquetDecimal.maxPrecision { return false }
            let product = low.multipliedFullWidth(by: 10)
            let (sum, carry) = product.low.addingReportingOverflow(digit)
            high = high &* 10 &+ product.high &+ (carry ? 1 : 0)
            low = sum
            return true
        }

        while index < text.count {
            let byte = text[index]
            if byte == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                if seenPoint { fractionDigits += 1 } else { integerDigits += 1 }
                guard fractionDigits <= scale else {
                    throw ParquetError(
                        .invalidValue, "decimal '\(String(decoding: text, as: UTF8.self))' has more than \(scale) fraction digits")
                }
                guard appendDigit(UInt64(byte - UInt8(ascii: "0"))) else {
                    throw ParquetError(.invalidValue, "decimal '\(String(decoding: text, as: UTF8.self))' has more than 38 digits")
                }
            } else {
                throw ParquetError(.invalidValue, "'\(String(decoding: text, as: UTF8.self))' is not a decimal number")
            }
            index += 1
        }
        guard integerDigits + fractionDigits > 0 else {
            throw ParquetError(.invalidValue, "'\(String(decoding: text, as: UTF8.self))' is not a decimal number")
        }
        for _ in fractionDigits..<max(scale, fractionDigits) {
            guard appendDigit(0) else {
                throw ParquetError(
                    .invalidValue, "decimal '\(String(decoding: text, as: UTF8.self))' has more than 38 digits at scale \(scale)")
            }
        }
        let positive = ParquetDecimal(high: Int64(bitPattern: high), low: low)
        self = negative ? positive.negated : positive
    }

    /// Parses decimal text; see `init(parsing:scale:)` on raw bytes.
    public init(parsing text: String, scale: Int) throws {
        var copy = text
        self = try copy.withUTF8 { try ParquetDecimal(parsing: UnsafeRawBufferPointer($0), scale: scale) }
    }
}
