import Core

/// Overflow-checked exact decimal arithmetic: an amount too large for 128 bits is a rejected row,
/// never a trap.
enum ExactMath {
    static func pow10(_ n: Int) -> Int128 {
        var result: Int128 = 1
        for _ in 0..<n { result &*= 10 }
        return result
    }

    static func overflow() -> RowReject { RowReject(.outOfRange, "amount too large for exact 128-bit arithmetic") }

    static func multiply(_ a: Int128, _ b: Int128) throws -> Int128 {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        if o { throw overflow() }
        return r
    }

    static func rescale(_ d: ExactDecimal, to scale: Int) throws -> ExactDecimal {
        if scale == d.scale { return d }
        if scale > d.scale { return ExactDecimal(units: try multiply(d.units, pow10(scale - d.scale)), scale: scale) }
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
    static func parse(_ bytes: UnsafeRawBufferPointer) -> ExactDecimal? {
        var units: Int128 = 0
        var scale = 0
        var negative = false
        var digits = 0
        var point = false
        for (i, c) in bytes.enumerated() {
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
        digits >= 39 || units.magnitude < powersOfTen[digits]
    }
}
