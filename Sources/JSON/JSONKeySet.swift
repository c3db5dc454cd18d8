/// A fixed set of member names for `JSONDocument.members(_:_:into:)`, prepared once and reused
/// for every object so that one pass over an object finds all of them.
public struct JSONKeySet: Sendable {
    /// All keys' UTF-8 bytes, concatenated.
    private let storage: [UInt8]
    private let offsets: [Int]
    /// For each key length, the indexes of the keys with that length.
    private let byLength: [[Int]]
    private let anyKeyHasBackslash: Bool
    public let keys: [String]

    public init(_ keys: [String]) {
        self.keys = keys
        var storage: [UInt8] = []
        var offsets: [Int] = [0]
        var byLength: [[Int]] = []
        for (index, key) in keys.enumerated() {
            let utf8 = Array(key.utf8)
            storage.append(contentsOf: utf8)
            offsets.append(storage.count)
            while byLength.count <= utf8.count { byLength.append([]) }
            byLength[utf8.count].append(index)
        }
        self.storage = storage
        self.offsets = offsets
        self.byLength = byLength
        self.anyKeyHasBackslash = storage.contains(asciiBackslash)
    }

    public var count: Int { keys.count }

    /// The index of the key equal to the decoded form of the raw key `from..<to` in `base`.
    @inline(__always)
    func index(ofRawKey base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Int? {
        let n = to - from
        return storage.withUnsafeBufferPointer { keyBytes -> Int? in
            if n < byLength.count && !anyKeyHasBackslash {
                for index in byLength[n] {
                    let start = offsets[index]
                    if n == 0 || bytesMatch(base + from, keyBytes.baseAddress! + start, n) { return index }
                }
            }
            // Escaped keys (or keys containing a backslash) take the general comparison.
            if anyKeyHasBackslash || containsBackslash(base, from, to) {
                let document = JSONDocument(UnsafeRawBufferPointer(start: base, count: to))
                for index in 0..<keys.count {
                    let target = UnsafeRawBufferPointer(
                        start: keyBytes.baseAddress.map { $0 + offsets[index] }, count: offsets[index + 1] - offsets[index])
                    if document.rawString(from, to, equals: target) { return index }
                }
            }
            return nil
        }
    }
}
