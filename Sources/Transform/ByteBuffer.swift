import Core

/// A growable byte buffer for building staging rows without per-value allocations.
///
/// `~Copyable`: the buffer owns its storage, so a copy cannot alias it (and `grow` cannot free
/// storage another copy still uses); the storage is freed when the owner goes.
struct ByteBuffer: ~Copyable {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private(set) var capacity: Int

    init(capacity: Int = 1 << 16) {
        self.capacity = max(64, capacity)
        base = UnsafeMutablePointer<UInt8>.allocate(capacity: self.capacity)
    }

    /// A buffer without storage, to move an owned buffer into a local and back:
    /// `var local = ByteBuffer.empty(); swap(&local, &owner.buffer)`.
    static func empty() -> ByteBuffer { ByteBuffer(unallocated: ()) }

    private init(unallocated: Void) {
        capacity = 0
        base = UnsafeMutablePointer(bitPattern: 1)!
    }

    deinit { if capacity > 0 { base.deallocate() } }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    private mutating func grow(_ needed: Int) {
        var newCapacity = max(64, capacity * 2)
        while newCapacity < needed { newCapacity *= 2 }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.update(from: base, count: count)
        if capacity > 0 { base.deallocate() }
        base = bigger
        capacity = newCapacity
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(_ raw: UnsafeRawBufferPointer) {
        let n = raw.count
        guard n > 0 else { return }
        if n <= 32 {
            appendSmall(raw.baseAddress!.assumingMemoryBound(to: UInt8.self), n)
            return
        }
        reserve(n)
        (base + count).update(from: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n)
        count += n
    }

    /// Appends a short run byte by byte (cheaper than a memmove call for keys and tokens).
    @inline(__always)
    mutating func appendSmall(_ source: UnsafePointer<UInt8>, _ n: Int) {
        reserve(n)
        var i = 0
        while i < n {
            base[count &+ i] = source[i]
            i &+= 1
        }
        count &+= n
    }

    mutating func append(_ bytes: [UInt8]) { bytes.withUnsafeBytes { append($0) } }

    /// Appends a document's bytes (a view that cannot outlive the document).
    @inline(__always)
    mutating func append(_ bytes: Span<UInt8>) { bytes.withUnsafeBytes { append($0) } }

    mutating func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Drops everything after `newCount` (used to undo a rejected row).
    @inline(__always)
    mutating func truncate(to newCount: Int) { count = newCount }

    mutating func removeAll() { count = 0 }

    /// Appends a signed decimal integer.
    @inline(__always)
    mutating func appendInt(_ value: Int64) {
        if value < 0 {
            append(UInt8(ascii: "-"))
            appendUInt(value.magnitude)
        } else {
            appendUInt(UInt64(value))
        }
    }

    mutating func appendUInt(_ value: UInt64) {
        reserve(20)
        var digits:
            (
                UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        var v = value
        withUnsafeMutableBytes(of: &digits) { raw in
            let d = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            repeat {
                d[n] = UInt8(truncatingIfNeeded: v % 10) &+ 48
                v /= 10
                n += 1
            } while v > 0
            var i = n - 1
            while i >= 0 {
                base[count] = d[i]
                count += 1
                i -= 1
            }
        }
    }

    /// Appends `value` zero-padded to `width` digits (value >= 0).
    @inline(__always)
    mutating func appendPadded(_ value: Int, width: Int) {
        reserve(width + 20)
        var v = value
        var i = width - 1
        while i >= 0 {
            base[count + i] = UInt8(truncatingIfNeeded: v % 10) &+ 48
            v /= 10
            i -= 1
        }
        count += width
        if v > 0 {
            // Wider than `width` (years past 9999): rewrite unpadded.
            count -= width
            appendUInt(UInt64(value))
        }
    }

    /// Appends `YYYY-MM-DD` for days since 1970-01-01.
    mutating func appendDay(_ days: Int) {
        let c = UTCDate.civil(fromDays: days)
        appendPadded(c.year, width: 4)
        append(UInt8(ascii: "-"))
        appendPadded(c.month, width: 2)
        append(UInt8(ascii: "-"))
        appendPadded(c.day, width: 2)
    }

    /// Appends `YYYY-MM-DDTHH:MM:SS.000000Z` for Unix seconds.
    mutating func appendTimestamp(unixSeconds: Int64) {
        let days = unixSeconds >= 0 ? unixSeconds / 86_400 : (unixSeconds - 86_399) / 86_400
        let second = Int(unixSeconds - days * 86_400)
        appendDay(Int(days))
        append(UInt8(ascii: "T"))
        appendPadded(second / 3600, width: 2)
        append(UInt8(ascii: ":"))
        appendPadded(second / 60 % 60, width: 2)
        append(UInt8(ascii: ":"))
        appendPadded(second % 60, width: 2)
        append(".000000Z")
    }

    /// Appends an exact decimal `units / 10^scale` with exactly `scale` fraction digits.
    mutating func appendDecimal(units: Int128, scale: Int) {
        if units < 0 { append(UInt8(ascii: "-")) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { digits in
            var n = 0
            var magnitude = units.magnitude
            if magnitude <= UInt128(UInt64.max) {
                var v = UInt64(magnitude)
                repeat {
                    digits[n] = UInt8(truncatingIfNeeded: v % 10) &+ 48
                    v /= 10
                    n += 1
                } while v > 0
            } else {
                repeat {
                    digits[n] = UInt8(truncatingIfNeeded: magnitude % 10) &+ 48
                    magnitude /= 10
                    n += 1
                } while magnitude > 0
            }
            while n <= scale { digits[n] = 48; n += 1 }
            reserve(n + 1)
            var i = n - 1
            while i >= 0 {
                if i == scale - 1 { base[count] = UInt8(ascii: "."); count += 1 }
                base[count] = digits[i]
                count += 1
                i -= 1
            }
        }
    }
}

extension [UInt8] {
    /// Appends `bytes` with one copy (`append(contentsOf:)` on a raw buffer goes byte by byte).
    @inline(__always)
    mutating func appendBytes(_ bytes: UnsafeRawBufferPointer) {
        append(contentsOf: UnsafeBufferPointer(start: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), count: bytes.count))
    }
}
