// Byte constants and word-at-a-time (SWAR) helpers shared by the scanners.
//
// A word is 8 input bytes loaded little-endian, so byte k of the input is bits 8k..8k+7 and the
// first matching byte is `mask.trailingZeroBitCount >> 3`. The "has zero byte" trick may flag
// bytes ABOVE a real match (borrow propagation) but never below it and never misses one, so the
// lowest flagged byte is always exact; callers only ever use the lowest flag and re-read that byte.

@usableFromInline let asciiQuote: UInt8 = 0x22 // "
@usableFromInline let asciiBackslash: UInt8 = 0x5C // \
@usableFromInline let asciiComma: UInt8 = 0x2C
@usableFromInline let asciiColon: UInt8 = 0x3A
@usableFromInline let asciiOpenBrace: UInt8 = 0x7B // {
@usableFromInline let asciiCloseBrace: UInt8 = 0x7D // }
@usableFromInline let asciiOpenBracket: UInt8 = 0x5B // [
@usableFromInline let asciiCloseBracket: UInt8 = 0x5D // ]
@usableFromInline let asciiMinus: UInt8 = 0x2D
@usableFromInline let asciiPlus: UInt8 = 0x2B
@usableFromInline let asciiDot: UInt8 = 0x2E
@usableFromInline let asciiZero: UInt8 = 0x30
@usableFromInline let asciiNine: UInt8 = 0x39
@usableFromInline let asciiNewline: UInt8 = 0x0A

private let lowBits: UInt64 = 0x0101_0101_0101_0101
private let highBits: UInt64 = 0x8080_8080_8080_8080

@inline(__always)
func isJSONWhitespace(_ c: UInt8) -> Bool {
    c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09
}

@inline(__always)
func isDigit(_ c: UInt8) -> Bool { c &- asciiZero < 10 }

@inline(__always)
func loadWord(_ p: UnsafePointer<UInt8>, _ i: Int) -> UInt64 {
    UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
}

/// High bit set in every byte of `x` that is zero (lowest flag exact, see file comment).
@inline(__always)
func zeroBytes(_ x: UInt64) -> UInt64 { (x &- lowBits) & ~x & highBits }

/// High bit set in every byte of `w` equal to `c`.
@inline(__always)
func bytesEqual(_ w: UInt64, _ c: UInt8) -> UInt64 { zeroBytes(w ^ (lowBits &* UInt64(c))) }

/// High bit set in every byte of `w` below 0x20 (JSON control characters).
@inline(__always)
func bytesBelowSpace(_ w: UInt64) -> UInt64 { (w &- 0x2020_2020_2020_2020) & ~w & highBits }

/// High bit set in every non-ASCII byte of `w`.
@inline(__always)
func nonASCIIBytes(_ w: UInt64) -> UInt64 { w & highBits }

@inline(__always)
func firstFlaggedByte(_ mask: UInt64) -> Int { mask.trailingZeroBitCount &>> 3 }

/// Compares `count` bytes; the keys this serves are short, so an inline loop beats a libc call.
@inline(__always)
func bytesMatch(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    var i = 0
    while i &+ 8 <= count {
        if loadWord(a, i) != loadWord(b, i) { return false }
        i &+= 8
    }
    while i < count {
        if a[i] != b[i] { return false }
        i &+= 1
    }
    return true
}

@inline(__always)
func containsBackslash(_ p: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
    var i = from
    while i &+ 8 <= to {
        if bytesEqual(loadWord(p, i), asciiBackslash) != 0 { return true }
        i &+= 8
    }
    while i < to {
        if p[i] == asciiBackslash { return true }
        i &+= 1
    }
    return false
}

@inline(__always)
func hexValue(_ c: UInt8) -> UInt32? {
    switch c {
    case 0x30...0x39: return UInt32(c &- 0x30)
    case 0x41...0x46: return UInt32(c &- 0x41 &+ 10)
    case 0x61...0x66: return UInt32(c &- 0x61 &+ 10)
    default: return nil
    }
}

/// The UTF-8 bytes of a StaticString (a rethrowing `withUTF8Buffer`).
@inline(__always)
func withUTF8<R>(_ s: StaticString, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    if s.hasPointerRepresentation {
        return try body(UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }
    // A single-scalar StaticString has no pointer; this path is rare and may allocate.
    let bytes = Array(String(s.unicodeScalar).utf8)
    return try bytes.withUnsafeBytes { try body($0) }
}
