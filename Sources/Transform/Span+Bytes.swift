#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the transform does with a document's byte views (`JSONDocument.bytes`, `stringBytes`,
/// `span`). The views cannot outlive the document; raw pointers exist only inside these calls.
extension Span where Element == UInt8 {
    /// A copy of the bytes.
    var array: [UInt8] { withUnsafeBufferPointer { Array($0) } }

    /// The bytes as text (invalid UTF-8 repaired), for messages and lookups.
    var text: String { withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) } }

    /// Whether the bytes are exactly `other`.
    @inline(__always)
    func equals(_ other: [UInt8]) -> Bool {
        guard count == other.count else { return false }
        if count == 0 { return true }
        return withUnsafeBytes { mine in other.withUnsafeBytes { memcmp(mine.baseAddress!, $0.baseAddress!, $0.count) == 0 } }
    }
}
