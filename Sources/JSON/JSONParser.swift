/// A reusable parser for hot loops (one per thread): validates a text fully ONCE and remembers
/// where every object and array ends, so that navigating the returned document skips nested
/// containers in O(1) instead of rescanning them. Reusing the parser allocates nothing once its
/// index has grown to the longest text seen (4 bytes per input byte).
///
/// The returned document is valid while the text's memory is alive; after the next `parse` call
/// on the same parser it silently falls back to scanning (it never reads a stale index).
public final class JSONParser {
    final class EndIndex {
        var ends: UnsafeMutablePointer<Int32>
        var capacity: Int
        var generation: UInt64 = 0

        init() {
            capacity = 0
            ends = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        }

        deinit { ends.deallocate() }

        func reserve(_ n: Int) {
            if n <= capacity { return }
            ends.deallocate()
            capacity = max(n, capacity * 2)
            ends = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        }
    }

    private let index = EndIndex()

    public init() {}

    /// Validates `bytes` (exactly one value plus whitespace, like `JSONDocument.root()`) and
    /// returns an indexed document with its root value.
    public func parse(_ bytes: UnsafeRawBufferPointer) throws -> (document: JSONDocument, root: JSONValue) {
        guard bytes.count < Int(Int32.max) else {
            let document = JSONDocument(bytes)
            return (document, try document.root())
        }
        index.generation &+= 1
        index.reserve(bytes.count)
        let document = JSONDocument(bytes, endIndex: index, generation: index.generation)
        return (document, try document.root())
    }
}
