#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The distinct byte-array values of one column chunk, in first-seen order, for RLE_DICTIONARY.
///
/// Entries live PLAIN-encoded in one contiguous buffer (exactly the dictionary page body), found
/// through an open-addressing hash table, so a lookup allocates nothing.
struct ByteArrayDictionary {
    /// PLAIN-encoded entries: the dictionary page body.
    private(set) var plainBytes: [UInt8] = []
    private var offsets: [Int] = [] // start of each entry's payload in plainBytes
    private var lengths: [Int32] = []
    private var hashes: [UInt64] = []
    private var slots: [Int32] = Array(repeating: -1, count: 1024)

    var count: Int { offsets.count }

    /// Result of `indexOrInsert`.
    enum Lookup {
        case existing(UInt32)
        case inserted(UInt32)
        /// Adding the value would exceed the limits; nothing was changed.
        case full
    }

    /// Finds `value`, or adds it when the dictionary stays within `maxBytes` and `maxEntries`.
    mutating func indexOrInsert(_ value: UnsafeRawBufferPointer, maxBytes: Int, maxEntries: Int) -> Lookup {
        let hash = ByteArrayDictionary.hash(value)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry < 0 { break }
            let e = Int(entry)
            if hashes[e] == hash, Int(lengths[e]) == value.count, equals(entry: e, value) {
                return .existing(UInt32(e))
            }
            slot = (slot + 1) & mask
        }
        guard offsets.count < maxEntries, plainBytes.count + 4 + value.count <= maxBytes else { return .full }
        let index = offsets.count
        PlainEncoder.append(byteArray: value, to: &plainBytes)
        offsets.append(plainBytes.count - value.count)
        lengths.append(Int32(truncatingIfNeeded: value.count))
        hashes.append(hash)
        slots[slot] = Int32(index)
        if offsets.count * 2 > slots.count { grow() }
        return .inserted(UInt32(index))
    }

    /// Calls `body` with the bytes of entry `index`.
    func withEntry(_ index: Int, _ body: (UnsafeRawBufferPointer) -> Void) {
        plainBytes.withUnsafeBytes { stored in
            body(UnsafeRawBufferPointer(rebasing: stored[offsets[index]..<(offsets[index] + Int(lengths[index]))]))
        }
    }

    mutating func removeAll() {
        plainBytes.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        lengths.removeAll(keepingCapacity: true)
        hashes.removeAll(keepingCapacity: true)
        for index in slots.indices { slots[index] = -1 }
    }

    private func equals(entry: Int, _ value: UnsafeRawBufferPointer) -> Bool {
        if value.isEmpty { return true }
        return plainBytes.withUnsafeBytes { stored in
            memcmp(stored.baseAddress! + offsets[entry], value.baseAddress!, value.count) == 0
        }
    }

    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (index, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
    }

    /// A fixed-seed multiply-xorshift hash over 8-byte words; fixed so runs are reproducible.
    static func hash(_ value: UnsafeRawBufferPointer) -> UInt64 {
        let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        var hash: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(value.count)
        var index = 0
        while index + 8 <= value.count {
            let word = value.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            hash = (hash ^ word) &* multiplier
            hash ^= hash >> 32
            index += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while index < value.count {
            tail |= UInt64(value[index]) << shift
            shift += 8
            index += 1
        }
        hash = (hash ^ tail) &* multiplier
        hash ^= hash >> 29
        hash = hash &* multiplier
        hash ^= hash >> 32
        return hash
    }
}
