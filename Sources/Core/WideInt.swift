/// An arbitrary-precision signed integer for the rare exact computations whose intermediates do not
/// fit 128 bits (MRR of int64 amounts x int64 quantities at 12 decimals, its discount shares, the
/// conversion of such amounts). Sign and magnitude; the magnitude is little-endian 32-bit limbs with
/// no leading zero limb (zero has none). Not fast: hot paths stay on Int64/Int128 and fall back here.
public struct WideInt: Equatable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public private(set) var negative: Bool
    /// Little-endian 32-bit limbs of |value|, without leading zeros.
    public private(set) var limbs: [UInt32]

    public static let zero = WideInt(negative: false, limbs: [])

    init(negative: Bool, limbs: [UInt32]) {
        var l = limbs
        while let last = l.last, last == 0 { l.removeLast() }
        self.limbs = l
        self.negative = l.isEmpty ? false : negative
    }

    public init(_ value: Int128) {
        var m = value.magnitude
        var l: [UInt32] = []
        while m != 0 {
            l.append(UInt32(truncatingIfNeeded: m))
            m >>= 32
        }
        self.init(negative: value < 0, limbs: l)
    }

    public init(_ value: Int64) { self.init(Int128(value)) }
    public init(_ value: Int) { self.init(Int128(value)) }

    public var isZero: Bool { limbs.isEmpty }
    public var signum: Int { isZero ? 0 : (negative ? -1 : 1) }

    /// The value as Int128, or nil when it does not fit.
    public var int128: Int128? {
        guard limbs.count <= 4 else { return nil }
        var m: UInt128 = 0
        for limb in limbs.reversed() { m = m << 32 | UInt128(limb) }
        if negative {
            guard m <= UInt128(Int128.max) + 1 else { return nil }
            return m == UInt128(Int128.max) + 1 ? Int128.min : -Int128(m)
        }
        guard m <= UInt128(Int128.max) else { return nil }
        return Int128(m)
    }

    public static func pow10(_ n: Int) -> WideInt {
        var result = WideInt(1)
        var remaining = n
        while remaining >= 18 {
            result = result * WideInt(Int64(1_000_000_000_000_000_000))
            remaining -= 18
        }
        var tail: Int64 = 1
        for _ in 0..<remaining { tail *= 10 }
        return result * WideInt(tail)
    }

    // MARK: Magnitudes

    private static func compareMagnitude(_ a: [UInt32], _ b: [UInt32]) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        for i in stride(from: a.count - 1, through: 0, by: -1) where a[i] != b[i] {
            return a[i] < b[i] ? -1 : 1
        }
        return 0
    }

    private static func addMagnitude(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var result: [UInt32] = []
        result.reserveCapacity(max(a.count, b.count) + 1)
        var carry: UInt64 = 0
        for i in 0..<max(a.count, b.count) {
            let s = UInt64(i < a.count ? a[i] : 0) + UInt64(i < b.count ? b[i] : 0) + carry
            result.append(UInt32(truncatingIfNeeded: s))
            carry = s >> 32
        }
        if carry != 0 { result.append(UInt32(carry)) }
        return result
    }

    /// a - b for |a| >= |b|.
    private static func subtractMagnitude(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var result: [UInt32] = []
        result.reserveCapacity(a.count)
        var borrow: Int64 = 0
        for i in 0..<a.count {
            var d = Int64(a[i]) - Int64(i < b.count ? b[i] : 0) - borrow
            if d < 0 { d += 1 << 32; borrow = 1 } else { borrow = 0 }
            result.append(UInt32(d))
        }
        return result
    }

    private static func multiplyMagnitude(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        if a.isEmpty || b.isEmpty { return [] }
        var result = [UInt32](repeating: 0, count: a.count + b.count)
        for i in 0..<a.count {
            var carry: UInt64 = 0
            let ai = UInt64(a[i])
            for j in 0..<b.count {
                let t = ai * UInt64(b[j]) + UInt64(result[i + j]) + carry
                result[i + j] = UInt32(truncatingIfNeeded: t)
                carry = t >> 32
            }
            var k = i + b.count
            while carry != 0 {
                let t = UInt64(result[k]) + carry
                result[k] = UInt32(truncatingIfNeeded: t)
                carry = t >> 32
                k += 1
            }
        }
        return result
    }

    /// (quotient, remainder) of magnitudes by binary long division; `b` non-zero.
    private static func divideMagnitude(_ a: [UInt32], _ b: [UInt32]) -> ([UInt32], [UInt32]) {
        if compareMagnitude(a, b) < 0 { return ([], a) }
        if b.count == 1 {
            let d = UInt64(b[0])
            var q = [UInt32](repeating: 0, count: a.count)
            var r: UInt64 = 0
            for i in stride(from: a.count - 1, through: 0, by: -1) {
                let cur = r << 32 | UInt64(a[i])
                q[i] = UInt32(cur / d)
                r = cur % d
            }
            return (q, r == 0 ? [] : [UInt32(r)])
        }
        var q = [UInt32](repeating: 0, count: a.count)
        var r: [UInt32] = []
        for bit in stride(from: a.count * 32 - 1, through: 0, by: -1) {
            // r = r << 1 | bit
            var carry: UInt32 = (a[bit / 32] >> UInt32(bit % 32)) & 1
            for i in 0..<r.count {
                let next = r[i] >> 31
                r[i] = r[i] << 1 | carry
                carry = next
            }
            if carry != 0 { r.append(carry) }
            if compareMagnitude(r, b) >= 0 {
                r = subtractMagnitude(r, b)
                while let last = r.last, last == 0 { r.removeLast() }
                q[bit / 32] |= 1 << UInt32(bit % 32)
            }
        }
        return (q, r)
    }

    // MARK: Arithmetic

    public static func + (a: WideInt, b: WideInt) -> WideInt {
        if a.negative == b.negative { return WideInt(negative: a.negative, limbs: addMagnitude(a.limbs, b.limbs)) }
        if compareMagnitude(a.limbs, b.limbs) >= 0 { return WideInt(negative: a.negative, limbs: subtractMagnitude(a.limbs, b.limbs)) }
        return WideInt(negative: b.negative, limbs: subtractMagnitude(b.limbs, a.limbs))
    }

    public static prefix func - (a: WideInt) -> WideInt { WideInt(negative: !a.negative, limbs: a.limbs) }

    public static func - (a: WideInt, b: WideInt) -> WideInt { a + (-b) }

    public static func * (a: WideInt, b: WideInt) -> WideInt {
        WideInt(negative: a.negative != b.negative, limbs: multiplyMagnitude(a.limbs, b.limbs))
    }

    /// Truncating division (quotient rounded toward zero, remainder with the dividend's sign).
    public func quotientAndRemainder(dividingBy divisor: WideInt) -> (quotient: WideInt, remainder: WideInt) {
        precondition(!divisor.isZero, "division by zero")
        let (q, r) = Self.divideMagnitude(limbs, divisor.limbs)
        return (WideInt(negative: negative != divisor.negative, limbs: q), WideInt(negative: negative, limbs: r))
    }

    /// `numerator / denominator` rounded half to even.
    public static func divideHalfEven(_ numerator: WideInt, _ denominator: WideInt) -> WideInt {
        let (q, r) = numerator.quotientAndRemainder(dividingBy: denominator)
        if r.isZero { return q }
        let twice = WideInt(negative: false, limbs: r.limbs) * WideInt(2)
        let c = compareMagnitude(twice.limbs, denominator.limbs)
        let odd = (q.limbs.first ?? 0) & 1 == 1
        guard c > 0 || (c == 0 && odd) else { return q }
        let awayFromZero = numerator.negative != denominator.negative ? WideInt(-1) : WideInt(1)
        return q + awayFromZero
    }

    public static func < (a: WideInt, b: WideInt) -> Bool {
        if a.negative != b.negative { return a.negative }
        let c = compareMagnitude(a.limbs, b.limbs)
        return a.negative ? c > 0 : c < 0
    }

    /// Decimal digits, with a leading '-' when negative.
    public var description: String {
        if isZero { return "0" }
        var digits: [String] = []
        var m = WideInt(negative: false, limbs: limbs)
        let chunk = WideInt(Int64(1_000_000_000))
        while !m.isZero {
            let (q, r) = m.quotientAndRemainder(dividingBy: chunk)
            digits.append(String(r.int128 ?? 0))
            m = q
        }
        var text = digits.last!
        for part in digits.dropLast().reversed() { text += String(repeating: "0", count: 9 - part.count) + part }
        return negative ? "-" + text : text
    }
}
