/// A small deterministic PRNG (SplitMix64). The generator never uses Swift's system random, so the
/// same seed yields the same account on every machine and every run.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for object `index` of stream `tag`, independent of every other object, so any
    /// object can be produced on demand in O(1).
    public init(seed: UInt64, tag: UInt64, index: Int) {
        state = SplitMix64.mix(seed ^ SplitMix64.mix(tag &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(truncatingIfNeeded: index)))
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// SplitMix64's output function, also used as a stateless hash.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound` (bound > 0); a plain modulo, the bias is irrelevant for fixtures.
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        return Int(next() % UInt64(bound))
    }

    /// A value in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }

    /// True with probability `percent`/100.
    public mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}
