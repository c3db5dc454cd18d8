import Core

/// Overflow-checked exact decimal arithmetic: an amount too large for 128 bits is a rejected row,
/// never a trap.
enum ExactMath {
    static func pow10(_ n: Int) -> Int128 {
        if n >= 0 && n < 19 { return Int128(p10(n)) }
        var result: Int128 = 1
        for _ in 0..<n { result &*= 10 }
        return result
    }

    /// 10^n for n in 0...18, as constants (no global table: its lazy initialisation check showed
    /// up in the per-amount profile).
    @inline(__always)
    static func p10(_ n: Int) -> Int64 {
        switch n {
        case 0: return 1
        case 1: return 10
        case 2: return 100
        case 3: return 1_000
        case 4: return 10_000
        case 5: return 100_000
        case 6: return 1_000_000
        case 7: return 10_000_000
        case 8: return 100_000_000
        case 9: return 1_000_000_000
        case 10: return 10_000_000_000
        case 11: return 100_000_000_000
        case 12: return 1_000_000_000_000
        case 13: return 10_000_000_000_000
        case 14: return 100_000_000_000_000
        case 15: return 1_000_000_000_000_000
        case 16: return 10_000_000_000_000_000
        case 17: return 100_000_000_000_000_000
        default: return 1_000_000_000_000_000_000
        }
    }

    /// `a x m x 10^shift / d` (shift < 0: `a x m / (d x 10^-shift)`) rounded half-even, in 64-bit
    /// arithmetic with one 128-by-64-bit division; nil when an intermediate or the result does not
    /// fit (the caller then takes the general 128-bit path, which gives the same result or error).
    /// `d` > 0.
    @inline(__always)
    static func scaledQuotient(_ a: Int64, _ m: Int64, _ d: Int64, shift: Int) -> Int64? {
        guard shift > -19 && shift < 19 else { return nil }
        var multiplier = m
        var divisor = d
        if shift >= 0 {
            let (r, o) = m.multipliedReportingOverflow(by: p10(shift))
            if o { return nil }
            multiplier = r
        } else {
            let (r, o) = d.multipliedReportingOverflow(by: p10(-shift))
            if o { return nil }
            divisor = r
        }
        let negative = (a < 0) != (multiplier < 0)
        let product = a.magnitude.multipliedFullWidth(by: multiplier.magnitude)
        let den = UInt64(divisor)
        guard product.high < den else { return nil }
        var (q, r) = den.dividingFullWidth(product)
        if r != 0 {
            let rest = den - r
            if r > rest || (r == rest && q & 1 == 1) { q += 1 }
        }
        if negative {
            guard q <= UInt64(Int64.max) else { return nil }
            return -Int64(q)
        }
        guard q <= UInt64(Int64.max) else { return nil }
        return Int64(q)
    }

    static func overflow() -> RowReject { RowReject(.outOfRange, "amount too large for exact 128-bit arithmetic") }

    static func multiply(_ a: Int128, _ b: Int128) throws -> Int128 {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        if o { throw overflow() }
        return r
    }

    static func rescale(_ d: ExactDecimal, to scale: Int) throws -> ExactDecimal {
        if scale == d.scale { return d }
        if scale > d.scale {
            if let u = Int64(exactly: d.units), scale - d.scale < 19 {
                let (r, o) = u.multipliedReportingOverflow(by: p10(scale - d.scale))
                if !o { return ExactDecimal(units: Int128(r), scale: scale) }
            }
            return ExactDecimal(units: try multiply(d.units, pow10(scale - d.scale)), scale: scale)
        }
        return ExactDecimal(units: ExactDecimal.divideHalfEven(d.units, pow10(d.scale - scale)), scale: scale)
    }

    /// a x b, exact when `scale` is nil, else rounded half-even to `scale`.
    static func multiply(_ a: ExactDecimal, _ b: ExactDecimal, scale: Int? = nil) throws -> ExactDecimal {
        let exact = ExactDecimal(units: try multiply(a.units, b.units), scale: a.scale + b.scale)
        guard let scale else { return exact }
        return try rescale(exact, to: scale)
    }

    /// a / b rounded half-even to `scale`.
    static func divide(_ a: ExactDecimal, _ b: ExactDecimal, scale: Int) throws -> ExactDecimal {
        guard b.units != 0 else { throw RowReject(.outOfRange, "division by zero") }
        let shift = b.scale + scale - a.scale
        var numerator = a.units
        var denominator = b.units
        if shift >= 0 { numerator = try multiply(numerator, pow10(shift)) } else { denominator = try multiply(denominator, pow10(-shift)) }
        return ExactDecimal(units: ExactDecimal.divideHalfEven(numerator, denominator), scale: scale)
    }

    static func add(_ a: ExactDecimal, _ b: ExactDecimal) throws -> ExactDecimal {
        let s = max(a.scale, b.scale)
        let (r, o) = try rescale(a, to: s).units.addingReportingOverflow(try rescale(b, to: s).units)
        if o { throw overflow() }
        return ExactDecimal(units: r, scale: s)
    }

    static func subtract(_ a: ExactDecimal, _ b: ExactDecimal) throws -> ExactDecimal {
        try add(a, ExactDecimal(units: -b.units, scale: b.scale))
    }

    /// Parses a JSON number or decimal string (`-12.50`, `3`) without allocating; nil for exponents
    /// or anything else.
    static func parse(_ bytes: Span<UInt8>) -> ExactDecimal? {
        var units: Int128 = 0
        var scale = 0
        var negative = false
        var digits = 0
        var point = false
        for i in bytes.indices {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "-") where i == 0: negative = true
            case UInt8(ascii: "."):
                if point { return nil }
                point = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let (m, o1) = units.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int128(c &- 48))
                if o1 || o2 { return nil }
                units = a
                digits += 1
                if point { scale += 1 }
            default: return nil
            }
        }
        guard digits > 0, scale <= 38 else { return nil }
        return ExactDecimal(units: negative ? -units : units, scale: scale)
    }

    private static let powersOfTen: [UInt128] = (0...38).map { n in
        var p: UInt128 = 1
        for _ in 0..<n { p *= 10 }
        return p
    }

    /// Whether |units| has at most `digits` decimal digits (one comparison, no division).
    @inline(__always)
    static func fits(_ units: Int128, digits: Int) -> Bool {
        if digits <= 18 { return units.magnitude < UInt128(UInt64(p10(digits))) }
        return digits >= 39 || units.magnitude < powersOfTen[digits]
    }
}
