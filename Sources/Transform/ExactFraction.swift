import Core

/// An exact non-reduced fraction of wide integers (denominator > 0): MRR is computed as one exact
/// value per item and rounded once, so no intermediate limit or rounding step can change or reject it.
struct ExactFraction: Sendable {
    var numerator: WideInt
    var denominator: WideInt

    static let zero = ExactFraction(numerator: .zero, denominator: WideInt(1))

    init(numerator: WideInt, denominator: WideInt) {
        precondition(denominator.signum > 0)
        self.numerator = numerator
        self.denominator = denominator
    }

    init(_ d: ExactDecimal) {
        self.init(numerator: WideInt(d.units), denominator: WideInt.pow10(d.scale))
    }

    init(_ n: Int128) { self.init(numerator: WideInt(n), denominator: WideInt(1)) }

    var signum: Int { numerator.signum }

    static func + (a: ExactFraction, b: ExactFraction) -> ExactFraction {
        if a.denominator == b.denominator { return ExactFraction(numerator: a.numerator + b.numerator, denominator: a.denominator) }
        return ExactFraction(
            numerator: a.numerator * b.denominator + b.numerator * a.denominator, denominator: a.denominator * b.denominator)
    }

    static func - (a: ExactFraction, b: ExactFraction) -> ExactFraction {
        a + ExactFraction(numerator: -b.numerator, denominator: b.denominator)
    }

    static func * (a: ExactFraction, b: ExactFraction) -> ExactFraction {
        ExactFraction(numerator: a.numerator * b.numerator, denominator: a.denominator * b.denominator)
    }

    /// a / b; b non-zero.
    static func / (a: ExactFraction, b: ExactFraction) -> ExactFraction {
        let n = a.numerator * b.denominator
        let d = a.denominator * b.numerator
        return d.signum < 0 ? ExactFraction(numerator: -n, denominator: -d) : ExactFraction(numerator: n, denominator: d)
    }

    /// The value divided by 10^`exponent`, rounded half-even to `scale` decimals; nil when the result
    /// does not fit 128 bits.
    func rounded(scale: Int, dividingByPowerOfTen exponent: Int = 0) -> ExactDecimal? {
        let n = numerator * WideInt.pow10(scale)
        let d = denominator * WideInt.pow10(exponent)
        guard let units = WideInt.divideHalfEven(n, d).int128 else { return nil }
        return ExactDecimal(units: units, scale: scale)
    }
}
