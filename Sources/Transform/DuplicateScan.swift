import JSON
import Zstd

/// The pre-scan that makes every document id unique in a table's output: it reads a raw stream once,
/// before mapping, and names the raw lines that must not be mapped because another copy of the same
/// document (same top-level `id`) is kept.
///
/// The rule: the copy on the LAST raw line wins. Stripe objects carry no update time (`created` never
/// changes), so the only order is the order of reading: the extract writes a stream's pages in the
/// order it read them within each `created` window, and every copy of one document falls in the same
/// window (its `created` is fixed), so the later line is the later read. Earlier copies are rejected
/// whole: `duplicate` when byte-identical to the kept copy (collapsed, nothing lost), `superseded`
/// otherwise. Lines whose id cannot be read are left to the mapping, which rejects them.
///
/// Rows of a child list (invoice lines, credit-note lines, subscription items) carry their own
/// primary key: a row id that a DIFFERENT document already holds (or that occurs twice in one
/// document) rejects the later document whole with `duplicate_key`, so no key reaches the table
/// twice; copies of one document share their row ids and are settled by the rule above.
///
/// Memory: one entry per distinct document id (a 128-bit hash of the id, the line and a 64-bit hash
/// of the line: 32 bytes, 43-64 with the hash table's free slots, ~45-70 MB per million documents),
/// plus for child-list tables one entry per row id (a 64-bit hash of the id, the line and a 32-bit
/// hash of its document id: 16 bytes, 22-32 with free slots, ~22-32 MB per million rows), released
/// before the table is mapped; plus one reject per losing line. A collision of two different 64-bit row-id hashes (about
/// one run in 10^5 at 14 million rows) would reject a document as `duplicate_key`, visibly.
enum DuplicateScan {
    struct Key: Hashable {
        let a: UInt64
        let b: UInt64
    }

    private struct Occurrence {
        var line: Int
        /// Hash of the whole line (its length is part of the seed).
        var hash: UInt64
    }

    /// Raw line numbers (1-based) whose document must not be mapped, with the reason: earlier copies
    /// of a document, and documents holding a row id (`unit`, e.g. `["lines", "data"]`, element `id`)
    /// that another document holds already.
    static func losers(path: String, stream: String, unit: [String]?) throws -> [Int: RowReject] {
        var latest: [Key: Occurrence] = [:]
        var earlier: [(line: Int, key: Key, id: String, occurrence: Occurrence)] = []
        // Row id hash -> line (high 32 bits) and document id hash (low 32 bits) of its first holder.
        var rowOwners: [UInt64: UInt64] = [:]
        var result: [Int: RowReject] = [:]
        let unitKeys = unit.map { $0.map { Array($0.utf8) } }
        let reader = try ZstdLineReader(path: path)
        while let line = try reader.nextLine() {
            if line.isEmpty { continue }
            guard let id = documentId(line) else { continue }
            let key = Key(a: hash(id, seed: 0x9E37_79B9_7F4A_7C15), b: hash(id, seed: 0xC2B2_AE3D_27D4_EB4F))
            let occurrence = Occurrence(line: reader.lineNumber, hash: hash(line, seed: 0x1656_67B1_9E37_79F9))
            if let previous = latest.updateValue(occurrence, forKey: key) {
                earlier.append((previous.line, key, String(decoding: id, as: UTF8.self), previous))
            }
            guard let unitKeys else { continue }
            let document = UInt64(truncatingIfNeeded: key.a)
            let me = UInt64(UInt32(truncatingIfNeeded: reader.lineNumber)) << 32 | document & 0xFFFF_FFFF
            forEachRowId(line, unitKeys) { rowId in
                let rowKey = hash(rowId, seed: 0x2545_F491_4F6C_DD1D)
                guard let owner = rowOwners[rowKey] else { rowOwners[rowKey] = me; return true }
                if owner == me {
                    result[reader.lineNumber] = RowReject(.duplicateKey, "\(stream) \(String(decoding: id, as: UTF8.self)) holds row \(String(decoding: rowId, as: UTF8.self)) twice; a primary key appears once, so the document is rejected whole")
                    return false
                }
                if owner & 0xFFFF_FFFF != document & 0xFFFF_FFFF {
                    result[reader.lineNumber] = RowReject(.duplicateKey, "\(stream) \(String(decoding: id, as: UTF8.self)) holds row \(String(decoding: rowId, as: UTF8.self)), which the document on raw line \(owner >> 32) already holds; a primary key appears once (the document read first keeps it), so this one is rejected whole")
                    return false
                }
                return true
            }
        }
        for e in earlier where result[e.line] == nil {
            guard let kept = latest[e.key] else { continue }
            if kept.hash == e.occurrence.hash {
                result[e.line] = RowReject(.duplicate, "\(stream) \(e.id) occurs again, identical, at raw line \(kept.line); the copies collapse into that one")
            } else {
                result[e.line] = RowReject(.superseded, "\(stream) \(e.id) occurs again with different content at raw line \(kept.line); the copy read last (the later line) is kept and this older one is rejected")
            }
        }
        return result
    }

    /// The raw bytes of the top-level `id` string (without quotes), or nil when the line does not
    /// start as an object with a readable string id. `id` comes first in Stripe objects, so this
    /// reads a few bytes of most lines.
    static func documentId(_ line: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        let document = JSONDocument(line)
        var start = 0
        while start < line.count, line[start] == 0x20 || line[start] == 0x09 || line[start] == 0x0D || line[start] == 0x0A { start += 1 }
        guard start < line.count, line[start] == 0x7B else { return nil }
        let root = JSONValue(start: start, end: line.count, kind: .object)
        guard let value = try? document.member(root, "id"), value.kind == .string else { return nil }
        return document.stringBytes(value)
    }

    /// Calls `body` with the raw bytes of each row's `id` in the unit array (first occurrence of the
    /// path), until it returns false. Damaged documents are left to the mapping, which rejects them.
    private static func forEachRowId(_ line: UnsafeRawBufferPointer, _ path: [[UInt8]], _ body: (UnsafeRawBufferPointer) -> Bool) {
        let document = JSONDocument(line)
        var start = 0
        while start < line.count, line[start] == 0x20 || line[start] == 0x09 || line[start] == 0x0D || line[start] == 0x0A { start += 1 }
        guard start < line.count, line[start] == 0x7B else { return }
        var value = JSONValue(start: start, end: line.count, kind: .object)
        for key in path {
            guard value.kind == .object, let next = try? document.member(value, key: key) else { return }
            value = next
        }
        guard value.kind == .array else { return }
        var going = true
        try? document.forEachElement(value) { element in
            guard going, element.kind == .object, let v = try? document.member(element, "id"), v.kind == .string else { return }
            going = body(document.stringBytes(v))
        }
    }

    /// A 64-bit hash of `bytes` (8 bytes at a time, multiply-xorshift mixing); not cryptographic.
    static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        var h = seed ^ (UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15)
        var i = 0
        let n = bytes.count
        while i + 8 <= n {
            let word = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ mix(word)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ mix(tail)) &* 0xC4CE_B9FE_1A85_EC53
        return mix(h)
    }

    @inline(__always)
    private static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
