// Duplicate keys: RFC 8259 says names SHOULD be unique and leaves the meaning of a repeated one to
// the reader (readers disagree on which copy wins). Validation accepts them, as the grammar does;
// callers that must refuse them (the transform's input) ask for this check as well.

extension JSONDocument {
    /// Throws `duplicateKey` when any object inside `value` (itself included) has the same key twice.
    /// Keys are compared as written (escapes are not decoded, as the mapping's key lookups do). Walks
    /// the value once more (navigation: structure only), so call it after validating.
    public func requireUniqueKeys(_ value: JSONValue) throws {
        switch value.kind {
        case .object: try uniqueKeys(object: value)
        case .array:
            try walkArray(value) { element in
                if element.kind == .object || element.kind == .array { try requireUniqueKeys(element) }
                return true
            }
        default: return
        }
    }

    private func uniqueKeys(object: JSONValue) throws {
        // Fingerprints of the keys so far: the first 8 in a list, then an open-addressed table of 128,
        // then a Set. A match (a duplicate, or rarely two keys with one fingerprint) is confirmed by
        // comparing bytes.
        try withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 8 + 128) { seen in
            var n = 0
            var overflow = Set<UInt64>()
            try walkObject(object) { keyStart, keyEnd, member in
                let fingerprint = keyFingerprint(keyStart, keyEnd)
                var match = false
                if n < 8 {
                    for k in 0..<n where seen[k] == fingerprint { match = true }
                    seen[n] = fingerprint
                    if n == 7 {
                        for s in 8..<(8 + 128) { seen[s] = 0 }
                        for k in 0..<8 { _ = Self.insert(seen[k], into: seen) }
                    }
                } else if n < 96 {
                    match = !Self.insert(fingerprint, into: seen)
                } else {
                    if n == 96 { for s in 8..<(8 + 128) where seen[s] != 0 { overflow.insert(seen[s]) } }
                    match = !overflow.insert(fingerprint).inserted
                }
                n += 1
                if match { try checkNoEarlierKey(objectStart: object.start, keyStart: keyStart, keyEnd: keyEnd) }
                if member.kind == .object || member.kind == .array { try requireUniqueKeys(member) }
                return true
            }
        }
    }

    /// Inserts a fingerprint into the open-addressed table `table[8..<136]` (0 = empty); false when
    /// it is there already.
    private static func insert(_ fingerprint: UInt64, into table: UnsafeMutableBufferPointer<UInt64>) -> Bool {
        var s = Int(truncatingIfNeeded: fingerprint >> 57)
        while true {
            let v = table[8 &+ s]
            if v == 0 { table[8 &+ s] = fingerprint; return true }
            if v == fingerprint { return false }
            s = (s &+ 1) & 127
        }
    }

    /// A key's fingerprint (never 0) from its length and its first and last 8 raw bytes.
    private func keyFingerprint(_ from: Int, _ to: Int) -> UInt64 {
        let length = to - from
        var first: UInt64 = 0
        var last: UInt64 = 0
        if length >= 8 {
            first = UnsafeRawPointer(base + from).loadUnaligned(as: UInt64.self)
            last = UnsafeRawPointer(base + to - 8).loadUnaligned(as: UInt64.self)
        } else {
            for k in 0..<length { first |= UInt64(base[from + k]) << UInt64(8 * k) }
        }
        var h = first &* 0x9E37_79B9_7F4A_7C15
        h ^= (last ^ UInt64(length) << 56) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= h >> 29
        return h | 1
    }

    /// Throws `duplicateKey` when a member before `keyStart` of the object at `objectStart` has the
    /// same raw key.
    private func checkNoEarlierKey(objectStart: Int, keyStart: Int, keyEnd: Int) throws {
        let length = keyEnd - keyStart
        var found = false
        try walkObject(JSONValue(start: objectStart, end: count, kind: .object)) { s, e, _ in
            if s >= keyStart { return false }
            if e - s == length {
                var k = 0
                while k < length && base[s + k] == base[keyStart + k] { k += 1 }
                if k == length { found = true; return false }
            }
            return true
        }
        if found {
            let key = String(decoding: UnsafeBufferPointer(start: base + keyStart, count: length), as: UTF8.self)
            throw JSONError(.duplicateKey, "duplicate key \"\(key)\" in an object", offset: keyStart - 1)
        }
    }
}
