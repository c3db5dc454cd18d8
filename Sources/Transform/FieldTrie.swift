import JSON

/// The Stripe paths a table reads from one object, as a trie: one walk over the object (and over
/// only the nested objects some path enters) fills every path's slot. Keys are matched on their raw
/// bytes; Stripe never escapes its field names.
struct FieldTrie {
    struct Edge {
        var keyOffset: Int
        var keyLength: Int
        /// Node entered when the value is an object, or -1.
        var child: Int
        /// Slot receiving the value when a path ends here, or -1.
        var slot: Int
    }

    private final class Builder {
        var children: [(key: String, node: Builder)] = []
        var slot = -1
    }

    private var keyBytes: [UInt8] = []
    private var edges: [Edge] = []
    private var nodeStart: [Int] = []
    private var nodeCount: [Int] = []
    /// Number of slots (distinct paths).
    private(set) var slotCount = 0
    private var slotsByPath: [[String]: Int] = [:]
    private let root = Builder()

    /// The slot of `keys`, adding the path if new. Call `seal()` after the last insert.
    mutating func slot(for keys: [String]) -> Int {
        if let existing = slotsByPath[keys] { return existing }
        var node = root
        for key in keys {
            if let next = node.children.first(where: { $0.key == key })?.node {
                node = next
            } else {
                let next = Builder()
                node.children.append((key, next))
                node = next
            }
        }
        node.slot = slotCount
        slotsByPath[keys] = slotCount
        slotCount += 1
        return node.slot
    }

    /// Flattens the trie for walking.
    mutating func seal() {
        keyBytes = []
        edges = []
        nodeStart = []
        nodeCount = []
        var queue: [Builder] = [root]
        var index: [ObjectIdentifier: Int] = [ObjectIdentifier(root): 0]
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for (_, child) in node.children where !child.children.isEmpty {
                index[ObjectIdentifier(child)] = queue.count
                queue.append(child)
            }
        }
        for node in queue {
            nodeStart.append(edges.count)
            nodeCount.append(node.children.count)
            for (key, child) in node.children {
                let bytes = Array(key.utf8)
                edges.append(
                    Edge(
                        keyOffset: keyBytes.count, keyLength: bytes.count,
                        child: child.children.isEmpty ? -1 : index[ObjectIdentifier(child)]!, slot: child.slot))
                keyBytes.append(contentsOf: bytes)
            }
        }
    }

    /// The sealed trie as flat arrays (for `SinglePassExtractor`): key bytes, edges, and each node's
    /// first edge and edge count. Node 0 is the root.
    var flat: (keys: [UInt8], edges: [Edge], starts: [Int], counts: [Int]) { (keyBytes, edges, nodeStart, nodeCount) }

    /// Fills `slots` (already cleared to nil) with the values of this trie's paths in `object`.
    /// Only the first occurrence of a key counts. A non-object where a path goes deeper is skipped.
    ///
    /// Keys are compared through a raw pointer to the document's text, valid for this call only
    /// (`Span`'s bounds-checked subscript cost 11% more instructions in the walk); the document's
    /// navigation has checked every key range against the text.
    func extract(_ document: JSONDocument, _ object: JSONValue, into slots: UnsafeMutablePointer<JSONValue?>) throws {
        guard object.kind == .object, !edges.isEmpty else { return }
        try document.span.withUnsafeBufferPointer { text in
            guard let base = text.baseAddress else { return }
            try edges.withUnsafeBufferPointer { edges in
                try keyBytes.withUnsafeBufferPointer { keys in
                    try nodeStart.withUnsafeBufferPointer { starts in
                        try nodeCount.withUnsafeBufferPointer { counts in
                            try Self.walk(document, base, object, 0, edges, keys.baseAddress!, starts, counts, slots)
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func same(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var i = 0
        while i < n {
            if a[i] != b[i] { return false }
            i &+= 1
        }
        return true
    }

    private static func walk(
        _ document: JSONDocument, _ base: UnsafePointer<UInt8>, _ object: JSONValue, _ node: Int,
        _ edges: UnsafeBufferPointer<Edge>, _ keys: UnsafePointer<UInt8>,
        _ starts: UnsafeBufferPointer<Int>, _ counts: UnsafeBufferPointer<Int>,
        _ slots: UnsafeMutablePointer<JSONValue?>
    ) throws {
        let first = starts[node]
        let end = first + counts[node]
        // Edges already taken in this object: a key the mapping reads must not occur twice.
        var taken: UInt64 = 0
        try document.forEachMember(object) { keyStart, keyEnd, value in
            let length = keyEnd - keyStart
            var e = first
            while e < end {
                let edge = edges[e]
                if edge.keyLength == length && Self.same(base + keyStart, keys + edge.keyOffset, length) {
                    let bit: UInt64 = e - first < 64 ? 1 << UInt64(e - first) : 0
                    if taken & bit != 0 {
                        let key = String(decoding: UnsafeBufferPointer(start: base + keyStart, count: length), as: UTF8.self)
                        throw JSONError(.duplicateKey, "duplicate key \"\(key)\" in an object", offset: keyStart - 1)
                    }
                    taken |= bit
                    if edge.slot >= 0 && slots[edge.slot] == nil { slots[edge.slot] = value }
                    if edge.child >= 0 && value.kind == .object {
                        try walk(document, base, value, edge.child, edges, keys, starts, counts, slots)
                    }
                    return
                }
                e += 1
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
