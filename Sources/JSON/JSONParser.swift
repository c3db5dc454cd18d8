/// A reusable parser for hot loops (one per thread): validates a text fully ONCE and remembers
/// where every object and array ends, so that navigating the document skips nested containers in
/// O(1) instead of rescanning them. Reusing the parser allocates nothing once its index has grown
/// to the longest text seen (4 bytes per input byte).
///
/// The document exists only inside `parse`'s closure (it is `~Escapable` and borrows the index),
/// and `parse` is `mutating`: the next parse cannot overwrite the index of a document in use.
public struct JSONParser: ~Copyable {
    /// Where each container of the last parsed text ends (indexed by its opening byte). Owned by
    /// the parser; documents write and read it through a pointer while they borrow the parser.
    struct EndIndex: ~Copyable {
        private(set) var ends: UnsafeMutablePointer<Int32>
        private(set) var capacity = 0

        init() { ends = UnsafeMutablePointer<Int32>.allocate(capacity: 1) }

        deinit { ends.deallocate() }

        mutating func reserve(_ n: Int) {
            if n <= capacity { return }
            ends.deallocate()
            capacity = max(n, capacity * 2)
            ends = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        }
    }

    private var index = EndIndex()

    public init() {}

    /// Validates `bytes` (exactly one value plus whitespace, like `JSONDocument.root()`) and calls
    /// `body` with the indexed document and its root value.
    public mutating func parse<R>(
        _ bytes: UnsafeRawBufferPointer, _ body: (_ document: JSONDocument, _ root: JSONValue) throws -> R
    ) throws -> R {
        guard bytes.count < Int(Int32.max) else {
            let document = JSONDocument(bytes)
            return try body(document, try document.root())
        }
        index.reserve(bytes.count)
        let document = JSONDocument(bytes, endIndex: index)
        return try body(document, try document.root())
    }
}
