import JSON

/// Makes every primary key unique in a table's output. The stage feeds it each document whose rows
/// it writes, in raw order; it names the raw lines that must not be mapped, and the stage maps the
/// table again with those lines rejected (only when it found any: clean input is mapped once).
///
/// The rule for copies of one document (same top-level `id`): the copy on the LAST raw line wins.
/// Stripe objects carry no update time (`created` never changes), so the only order is the order of
/// reading: the extract writes a stream's pages in the order it read them within each `created`
/// window, and every copy of one document falls in the same window (its `created` is fixed), so the
/// later line is the later read. Earlier copies are rejected whole: `duplicate` when byte-identical to
/// the kept copy (collapsed, nothing lost), `superseded` otherwise. Only documents whose rows are
/// written take part: a damaged copy is rejected for its damage and leaves the readable one.
///
/// Rows of a child list (invoice lines, credit-note lines, subscription items) carry their own
/// primary key: a row id that a DIFFERENT document already wrote (or that occurs twice in one
/// document) rejects the later document whole with `duplicate_key`; copies of one document share their
/// row ids and are settled by the rule above.
///
/// Memory: one entry per distinct written document (a 128-bit hash of the id, the line and a 64-bit
/// hash of the line: 32 bytes, 43-64 with the hash table's free slots, ~45-70 MB per million
/// documents), plus for child-list tables one entry per row id (a 64-bit hash of the id, the line and
/// a 32-bit hash of its document id: 16 bytes, 22-32 with free slots, ~22-32 MB per million rows),
/// held while the table is mapped. Two different row ids with one 64-bit hash (about once in 10^5
/// runs of 14 million rows) would reject a document as `duplicate_key`, visibly.
struct UniqueKeys {
    struct Key: Hashable {
        let a: UInt64
        let b: UInt64

        init(id: Span<UInt8>) {
            a = UniqueKeys.hash(id, seed: 0x9E37_79B9_7F4A_7C15)
            b = UniqueKeys.hash(id, seed: 0xC2B2_AE3D_27D4_EB4F)
        }
    }

    private struct Occurrence {
        var line: Int
        /// Hash of the whole line (its length is part of the seed).
        var hash: UInt64
    }

    let stream: String
    /// The child list's path (`lines`, `data`) when its rows' ids are the table's primary key.
    let unit: [[UInt8]]?
    private var latest: [Key: Occurrence] = [:]
    private var earlier: [(line: Int, key: Key, id: String, occurrence: Occurrence)] = []
    /// Row id hash -> line (high 32 bits) and document id hash (low 32 bits) of its first writer.
    private var rowOwners: [UInt64: UInt64] = [:]
    private var rowConflicts: [Int: RowReject] = [:]
    private var inserted: [UInt64] = []

    init(stream: String, unit: [String]?) {
        self.stream = stream
        self.unit = unit.map { $0.map { Array($0.utf8) } }
    }

    static let lineSeed: UInt64 = 0x1656_67B1_9E37_79F9
    static let rowSeed: UInt64 = 0x2545_F491_4F6C_DD1D

    /// A document whose rows were written: `text` is its raw line (for the messages), `rowKeys` the
    /// hashes (`rowSeed`) of its rows' ids in order.
    mutating func add(line: Int, document: Key, lineHash: UInt64, rowKeys: ArraySlice<UInt64>, text: UnsafeRawBufferPointer) {
        let me = UInt64(UInt32(truncatingIfNeeded: line)) << 32 | document.a & 0xFFFF_FFFF
        inserted.removeAll(keepingCapacity: true)
        for (k, rowKey) in rowKeys.enumerated() {
            if let owner = rowOwners[rowKey] {
                if owner & 0xFFFF_FFFF == document.a & 0xFFFF_FFFF && owner != me { continue } // a copy of this document
                for key in inserted { rowOwners[key] = nil }
                let id = Self.documentId(JSONDocument(text)) ?? "?"
                let row = rowId(text, index: k) ?? "?"
                rowConflicts[line] =
                    owner == me
                    ? RowReject(
                        .duplicateKey,
                        "\(stream) \(id) holds row \(row) twice; a primary key appears once, so the document is rejected whole")
                    : RowReject(
                        .duplicateKey,
                        "\(stream) \(id) holds row \(row), which the document on raw line \(owner >> 32) already holds; a primary key appears once (the document read first keeps it), so this one is rejected whole"
                    )
                return
            }
            rowOwners[rowKey] = me
            inserted.append(rowKey)
        }
        if let previous = latest.updateValue(Occurrence(line: line, hash: lineHash), forKey: document) {
            let id = Self.documentId(JSONDocument(text)) ?? "?"
            earlier.append((previous.line, document, id, previous))
        }
    }

    /// Raw line numbers (1-based) that must not be mapped, with the reason.
    func losers() -> [Int: RowReject] {
        var result = rowConflicts
        for e in earlier where result[e.line] == nil {
            guard let kept = latest[e.key] else { continue }
            if kept.hash == e.occurrence.hash {
                result[e.line] = RowReject(
                    .duplicate, "\(stream) \(e.id) occurs again, identical, at raw line \(kept.line); the copies collapse into that one")
            } else {
                result[e.line] = RowReject(
                    .superseded,
                    "\(stream) \(e.id) occurs again with different content at raw line \(kept.line); the copy read last (the later line) is kept and this older one is rejected"
                )
            }
        }
        return result
    }

    /// The raw text of the top-level `id` string (without quotes, escapes kept), or nil when the
    /// document does not start as an object with a readable string id. `id` comes first in Stripe
    /// objects; the rest of the document may be damaged.
    static func documentId(_ document: JSONDocument) -> String? {
        let line = document.span
        var start = 0
        while start < line.count, line[start] == 0x20 || line[start] == 0x09 || line[start] == 0x0D || line[start] == 0x0A { start += 1 }
        guard start < line.count, line[start] == 0x7B else { return nil }
        let root = JSONValue(start: start, end: line.count, kind: .object)
        guard let value = try? document.member(root, "id"), value.kind == .string else { return nil }
        return document.stringBytes(value).text
    }

    /// The id of the `index`-th object of the unit array, for messages.
    private func rowId(_ line: UnsafeRawBufferPointer, index: Int) -> String? {
        guard let unit else { return nil }
        let document = JSONDocument(line)
        guard var value = try? document.root(validating: false) else { return nil }
        for key in unit {
            guard value.kind == .object, let next = try? document.member(value, key: key) else { return nil }
            value = next
        }
        guard value.kind == .array else { return nil }
        var n = 0
        var found: String?
        try? document.forEachElement(value) { element in
            guard found == nil, element.kind == .object, let v = try? document.member(element, "id"), v.kind == .string else { return }
            if n == index { found = try? document.string(v) }
            n += 1
        }
        return found
    }

    /// A 64-bit hash of `bytes`: four independent multiply-rotate lanes over 32-byte blocks, then a
    /// final mix (about 8 GB/s); not cryptographic.
    static func hash(_ bytes: Span<UInt8>, seed: UInt64) -> UInt64 {
        // Unaligned 8-byte loads without a bounds check each: raw only for this call.
        bytes.withUnsafeBytes { hash(raw: $0, seed: seed) }
    }

    private static func hash(raw bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let n = bytes.count
        let k1: UInt64 = 0x9E37_79B9_7F4A_7C15, k2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
        var h0 = seed ^ (UInt64(n) &* k1), h1 = seed &+ k2, h2 = seed ^ k1 ^ k2, h3 = seed &- k1
        var i = 0
        while i + 32 <= n {
            h0 = rotate((h0 ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* k2, 31)
            h1 = rotate((h1 ^ bytes.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)) &* k2, 29)
            h2 = rotate((h2 ^ bytes.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self)) &* k2, 27)
            h3 = rotate((h3 ^ bytes.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self)) &* k2, 25)
            i += 32
        }
        var h = mix(h0) ^ mix(h1 &+ k1) ^ mix(h2 &+ k2) ^ mix(h3 ^ k1)
        while i + 8 <= n {
            h = mix(h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
        }
        return mix(h ^ tail ^ (UInt64(n) << 56))
    }

    @inline(__always)
    private static func rotate(_ x: UInt64, _ r: UInt64) -> UInt64 { x << r | x >> (64 - r) }

    @inline(__always)
    private static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
