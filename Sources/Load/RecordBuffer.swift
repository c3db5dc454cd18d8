/// A growable byte buffer for a block's records: unaligned little-endian stores without Array's
/// per-append overhead.
///
/// Owns its memory: not copyable (a copy would alias the storage `grow` frees), freed in `deinit`.
/// One per decoding block, used by one thread.
struct RecordBuffer: ~Copyable {
    private var base: UnsafeMutableRawPointer
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 64)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    /// The bytes written so far; valid until the next change to the buffer.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// `count` bytes from `offset` (within what was written); valid until the next change.
    func bytes(from offset: Int, count: Int) -> UnsafeRawBufferPointer {
        precondition(offset >= 0 && count >= 0 && offset + count <= self.count, "record range outside the buffer")
        return UnsafeRawBufferPointer(start: base + offset, count: count)
    }

    /// A little-endian UInt32 written earlier at `offset` (a record's length).
    func uint32(at offset: Int) -> UInt32 {
        precondition(offset >= 0 && offset + 4 <= count, "record length outside the buffer")
        return UInt32(littleEndian: UnsafeRawPointer(base).loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private mutating func grow(to needed: Int) {
        var bigger = capacity * 2
        while bigger < needed { bigger *= 2 }
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: bigger, alignment: 16)
        fresh.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = fresh
        capacity = bigger
    }

    @inline(__always)
    mutating func append<T: FixedWidthInteger>(_ value: T) {
        reserve(MemoryLayout<T>.size)
        (base + count).storeBytes(of: value.littleEndian, as: T.self)
        count += MemoryLayout<T>.size
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (base + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    /// Overwrites 4 bytes at `offset` (a record's length, once known).
    mutating func store(_ value: UInt32, at offset: Int) {
        precondition(offset >= 0 && offset + 4 <= count, "record length outside the buffer")
        (base + offset).storeBytes(of: value.littleEndian, as: UInt32.self)
    }

    /// Forgets the bytes written, keeping the storage.
    mutating func removeAll() { count = 0 }
}
