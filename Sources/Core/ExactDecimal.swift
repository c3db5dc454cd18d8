/// An exact decimal number: `units / 10^scale`, 128-bit. Money never goes through binary floating point.
public struct ExactDecimal: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var units: Int128
    public var scale: Int

    public init(units: Int128, scale: Int) {
        precondition(scale >= 0 && scale <= 38)
        self.units = units
        self.scale = scale
    }

    /// Integer minor units as a decimal in major units, e.g. 1234 EUR cents -> 12.34, 500 JPY -> 500.
    public init(minorUnits: Int64, exponent: Int) {
        self.init(units: Int128(minorUnits), scale: exponent)
    }

    static func pow10(_ n: Int) -> Int128 {
        var result: Int128 = 1
        for _ in 0..<n { result *= 10 }
        return result
    }

    /// Parses `-123.4500` exactly (no exponent notation). The scale is the number of fraction digits.
    public init?(parsing text: some StringProtocol) {
        var units: Int128 = 0
        var scale = 0
        var negative = false
        var seenDigit = false
        var seenPoint = false
        for (i, c) in text.utf8.enumerated() {
            switch c {
            case UInt8(ascii: "-") where i == 0: negative = true
            case UInt8(ascii: "+") where i == 0: break
            case UInt8(ascii: "."):
                if seenPoint { return nil }
                seenPoint = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let (m, o1) = units.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int128(c - UInt8(ascii: "0")))
                if o1 || o2 { return nil }
                units = a
                seenDigit = true
                if seenPoint { scale += 1 }
            default: return nil
            }
        }
        guard seenDigit, scale <= 38 else { return nil }
        self.init(units: negative ? -units : units, scale: scale)
    }

    /// The same value at a larger scale (exact), or rounded half-to-even to a smaller one.
    public func rescaled(to newScale: Int) -> ExactDecimal {
        if newScale == scale { return self }
        if newScale > scale { return ExactDecimal(units: units * Self.pow10(newScale - scale), scale: newScale) }
        return ExactDecimal(units: Self.divideHalfEven(units, Self.pow10(scale - newScale)), scale: newScale)
    }

    /// `numerator / denominator` rounded half to even.
    public static func divideHalfEven(_ numerator: Int128, _ denominator: Int128) -> Int128 {
        precondition(denominator != 0)
        var q = numerator / denominator
        let r = numerator % denominator
        if r == 0 { return q }
        let twice = (r.magnitude) * 2
        let d = denominator.magnitude
        let sameSign = (numerator < 0) == (denominator < 0)
        if twice > d || (twice == d && q % 2 != 0) { q += sameSign ? 1 : -1 }
        return q
    }

    public static func * (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal {
        ExactDecimal(units: lhs.units * rhs.units, scale: lhs.scale + rhs.scale)
    }

    public static func + (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal {
        let s = max(lhs.scale, rhs.scale)
        return ExactDecimal(units: lhs.rescaled(to: s).units + rhs.rescaled(to: s).units, scale: s)
    }

    public static func - (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal {
        let s = max(lhs.scale, rhs.scale)
        return ExactDecimal(units: lhs.rescaled(to: s).units - rhs.rescaled(to: s).units, scale: s)
    }

    /// `self / divisor`, rounded half to even at `scale`.
    public func divided(by divisor: ExactDecimal, scale resultScale: Int) -> ExactDecimal {
        // self.units/10^s1 / (d.units/10^s2) = self.units * 10^(s2 + r - s1) / d.units at scale r
        let shift = divisor.scale + resultScale - scale
        var numerator = units
        var denominator = divisor.units
        if shift >= 0 { numerator *= Self.pow10(shift) } else { denominator *= Self.pow10(-shift) }
        return ExactDecimal(units: Self.divideHalfEven(numerator, denominator), scale: resultScale)
    }

    /// Plain notation with exactly `scale` fraction digits: "-12.340", "500".
    public var description: String {
        let negative = units < 0
        var digits = String(units.magnitude)
        if scale > 0 {
            if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        }
        return negative ? "-" + digits : digits
    }
}
