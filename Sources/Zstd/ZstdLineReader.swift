/// Reads newline-delimited records from a zstd file without copying each line into its own array.
public final class ZstdLineReader {
    private let reader: ZstdFileReader
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var finished = false
    /// 1-based number of the line last returned.
    public private(set) var lineNumber = 0
    public var path: String { reader.path }
    public var compressedBytesRead: Int { reader.bytesRead }

    public init(path: String, bufferSize: Int = 1 << 20) throws {
        reader = try ZstdFileReader(path: path)
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// Calls `body` with each line (without its newline); the pointer is valid only during the call.
    /// A final line without a trailing newline is still delivered.
    public func forEachLine(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        while let line = try nextLine() { try body(line) }
    }

    /// The next line, valid until the following call; nil at the end.
    public func nextLine() throws -> UnsafeRawBufferPointer? {
        while true {
            if let newline = findNewline() {
                let line = UnsafeRawBufferPointer(rebasing: buffer[start..<newline])
                start = newline + 1
                lineNumber += 1
                return line
            }
            if finished {
                guard start < end else { return nil }
                let line = UnsafeRawBufferPointer(rebasing: buffer[start..<end])
                start = end
                lineNumber += 1
                return line
            }
            try refill()
        }
    }

    private func findNewline() -> Int? {
        guard start < end else { return nil }
        let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        if let hit = memchr(base + start, 10, end - start) {
            return UnsafeRawPointer(hit) - UnsafeRawPointer(base)
        }
        return nil
    }

    private func refill() throws {
        if start > 0 {
            let remaining = end - start
            if remaining > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: remaining) }
            start = 0
            end = remaining
        }
        if end == buffer.count {
            // A line longer than the buffer: grow, keeping what is there.
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
            bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
            buffer.deallocate()
            buffer = bigger
        }
        let n = try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
        if n == 0 { finished = true } else { end += n }
    }
}

#if canImport(Glibc)
import Glibc
#endif
