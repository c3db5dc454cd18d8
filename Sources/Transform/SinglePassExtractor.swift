import JSON

/// Fills a table's object slots AND every unit's slots (e.g. each `lines.data[]` element) in ONE
/// scan of a compact NDJSON line: containers some path enters are walked, not skipped first, and
/// the unit array's elements are walked as they are met. `FieldTrie.extract` (the general path)
/// skips each container before walking it, so it reads the bytes of a line three or four times.
///
/// It takes only the shape the mapping expects (an object per line, objects in the unit array, keys
/// without escapes); anything else throws `SinglePassExtractor.Unusual` and the caller maps the line
/// through the general path, which produces the same rows and the same reject messages.
final class SinglePassExtractor {
    struct Unusual: Error {}

    /// `~Copyable`: it owns its arrays and frees them when the extractor goes.
    private struct Trie: ~Copyable {
        let keys: UnsafeMutablePointer<UInt8>
        let edges: UnsafeMutablePointer<FieldTrie.Edge>
        let starts: UnsafeMutablePointer<Int>
        let counts: UnsafeMutablePointer<Int>
        /// Per node, bit n set when some edge's key has n bytes (n < 64; longer keys set bit 63):
        /// most members of an object match no edge, and this rejects them with one test.
        let lengths: UnsafeMutablePointer<UInt64>
        let isEmpty: Bool

        init(_ trie: FieldTrie) {
            let f = trie.flat
            keys = .allocate(capacity: max(1, f.keys.count))
            keys.initialize(from: f.keys, count: f.keys.count)
            edges = .allocate(capacity: max(1, f.edges.count))
            edges.initialize(from: f.edges, count: f.edges.count)
            starts = .allocate(capacity: max(1, f.starts.count))
            starts.initialize(from: f.starts, count: f.starts.count)
            counts = .allocate(capacity: max(1, f.counts.count))
            counts.initialize(from: f.counts, count: f.counts.count)
            isEmpty = f.edges.isEmpty
            lengths = .allocate(capacity: max(1, f.starts.count))
            lengths.initialize(repeating: 0, count: max(1, f.starts.count))
            for node in 0..<f.starts.count {
                for e in f.starts[node]..<(f.starts[node] + f.counts[node]) {
                    lengths[node] |= 1 << UInt64(min(63, f.edges[e].keyLength))
                }
            }
        }

        deinit {
            keys.deallocate()
            edges.deallocate()
            starts.deallocate()
            counts.deallocate()
            lengths.deallocate()
        }
    }

    private let object: Trie
    private let unit: Trie
    private let arraySlot: Int
    let unitSlotCount: Int
    /// Unit slots, `unitSlotCount` per unit, for `unitCount` units.
    private(set) var unitRows: UnsafeMutablePointer<JSONValue?>
    private var unitCapacity = 16
    private(set) var unitCount = 0

    init(plan: TablePlan) {
        object = Trie(plan.objectTrie)
        unit = Trie(plan.unitTrie)
        arraySlot = plan.unitArraySlot ?? -1
        unitSlotCount = max(1, plan.unitTrie.slotCount)
        unitRows = .allocate(capacity: unitCapacity * unitSlotCount)
    }

    deinit {
        unitRows.deallocate()
    }

    /// Extracts the document's line into `slots` (cleared here) and `unitRows`.
    ///
    /// The walk reads the line through a raw pointer, valid for this call only (the document's
    /// `span` read through `Span`'s bounds-checked subscript cost 7% more instructions in this,
    /// the transform's hottest loop); every read is below `count`, checked by the walk itself.
    func extract(_ document: JSONDocument, into slots: UnsafeMutablePointer<JSONValue?>, slotCount: Int) throws {
        for i in 0..<slotCount { slots[i] = nil }
        unitCount = 0
        try document.span.withUnsafeBufferPointer { line in
            guard let base = line.baseAddress, line.count > 1 else { throw Unusual() }
            let count = line.count
            var i = 0
            while i < count && Self.isSpace(base[i]) { i &+= 1 }
            guard i < count, base[i] == 0x7B else { throw Unusual() }
            let end = try walk(document, base, count, i, object, 0, slots, isUnit: false)
            i = end
            while i < count && Self.isSpace(base[i]) { i &+= 1 }
            guard i == count else { throw Unusual() }
        }
    }

    @inline(__always)
    private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }

    /// Walks the object at `start` ('{') through `trie` node `node`; returns the index after its '}'.
    private func walk(
        _ document: JSONDocument, _ base: UnsafePointer<UInt8>, _ count: Int, _ start: Int,
        _ trie: borrowing Trie, _ node: Int, _ slots: UnsafeMutablePointer<JSONValue?>, isUnit: Bool
    ) throws -> Int {
        let first = trie.starts[node]
        let last = first &+ trie.counts[node]
        let lengthMask = trie.lengths[node]
        var i = start &+ 1
        while i < count && Self.isSpace(base[i]) { i &+= 1 }
        if i < count && base[i] == 0x7D { return i &+ 1 }
        // Edges already taken in this object: a repeated key goes to the general path, which rejects it.
        var taken: UInt64 = 0
        while true {
            guard i < count, base[i] == 0x22 else { throw Unusual() }
            let keyStart = i &+ 1
            var k = keyStart
            while k < count {
                let c = base[k]
                if c == 0x22 { break }
                if c == 0x5C { throw Unusual() }
                k &+= 1
            }
            guard k < count else { throw Unusual() }
            let length = k &- keyStart
            i = k &+ 1
            while i < count && Self.isSpace(base[i]) { i &+= 1 }
            guard i < count, base[i] == 0x3A else { throw Unusual() }
            i &+= 1
            while i < count && Self.isSpace(base[i]) { i &+= 1 }
            guard i < count else { throw Unusual() }
            // Which edge, if any, this key takes.
            var e = lengthMask & (1 << UInt64(min(63, length))) == 0 ? last : first
            var matched = -1
            while e < last {
                let edge = trie.edges[e]
                if edge.keyLength == length {
                    let key = trie.keys + edge.keyOffset
                    var j = 0
                    while j < length && key[j] == base[keyStart &+ j] { j &+= 1 }
                    if j == length { matched = e; break }
                }
                e &+= 1
            }
            let valueStart = i
            if matched >= 0 {
                let bit: UInt64 = matched &- first < 64 ? 1 << UInt64(matched &- first) : 0
                if taken & bit != 0 { throw Unusual() }
                taken |= bit
            }
            if matched < 0 {
                i = try document.skippedValue(at: i).end
            } else {
                let edge = trie.edges[matched]
                let c = base[i]
                if edge.child >= 0 && c == 0x7B {
                    i = try walk(document, base, count, i, trie, edge.child, slots, isUnit: isUnit)
                    if edge.slot >= 0 && slots[edge.slot] == nil {
                        slots[edge.slot] = JSONValue(start: valueStart, end: i, kind: .object)
                    }
                } else if !isUnit && edge.slot == arraySlot && c == 0x5B && slots[edge.slot] == nil {
                    i = try walkUnits(document, base, count, i)
                    slots[edge.slot] = JSONValue(start: valueStart, end: i, kind: .array)
                } else {
                    let value = try document.skippedValue(at: i)
                    i = value.end
                    if edge.slot >= 0 && slots[edge.slot] == nil { slots[edge.slot] = value }
                }
            }
            if try !Self.nextItem(base, count, &i, closing: 0x7D) { return i }
        }
    }

    /// After a member or element: skips to the next item (true, past the ',' and its whitespace), or
    /// past the container's `closing` byte (false); anything else is unusual.
    @inline(__always)
    private static func nextItem(_ base: UnsafePointer<UInt8>, _ count: Int, _ i: inout Int, closing: UInt8) throws -> Bool {
        while i < count && isSpace(base[i]) { i &+= 1 }
        guard i < count else { throw Unusual() }
        if base[i] == 0x2C {
            i &+= 1
            while i < count && isSpace(base[i]) { i &+= 1 }
            return true
        }
        guard base[i] == closing else { throw Unusual() }
        i &+= 1
        return false
    }

    /// Walks the unit array at `start` ('['): each element must be an object; returns the index after ']'.
    private func walkUnits(_ document: JSONDocument, _ base: UnsafePointer<UInt8>, _ count: Int, _ start: Int) throws -> Int {
        var i = start &+ 1
        while i < count && Self.isSpace(base[i]) { i &+= 1 }
        if i < count && base[i] == 0x5D { return i &+ 1 }
        while true {
            guard i < count, base[i] == 0x7B else { throw Unusual() }
            if unitCount == unitCapacity {
                let bigger = UnsafeMutablePointer<JSONValue?>.allocate(capacity: unitCapacity * 2 * unitSlotCount)
                bigger.moveInitialize(from: unitRows, count: unitCount * unitSlotCount)
                unitRows.deallocate()
                unitRows = bigger
                unitCapacity *= 2
            }
            let row = unitRows + unitCount &* unitSlotCount
            row.initialize(repeating: nil, count: unitSlotCount)
            unitCount &+= 1
            i = unit.isEmpty ? try document.skippedValue(at: i).end : try walk(document, base, count, i, unit, 0, row, isUnit: true)
            if try !Self.nextItem(base, count, &i, closing: 0x5D) { return i }
        }
    }
}
