import Core
import Digest
import ModuleErrors

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A scratch file of newline-terminated lines: one per partition while a fact table is split,
/// so that each partition's file can then be written alone (input order kept, memory flat).
final class SpillFileWriter {
    let path: String
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private static let bufferLimit = 1 << 16
    private(set) var lines = 0
    /// SHA-256 of the lines appended, each with its newline (see `PartitionReuse`).
    private var hasher: SHA256? = SHA256()

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw LoadError(.io, "cannot create scratch file \(path): \(String(cString: strerror(errno)))") }
        buffer.reserveCapacity(SpillFileWriter.bufferLimit + 4096)
    }

    deinit { if descriptor >= 0 { _ = close(descriptor) } }

    func append(line: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: line)
        buffer.append(10)
        lines += 1
        if buffer.count >= SpillFileWriter.bufferLimit { try flush() }
    }

    /// The hash of every line appended (with its newline), in order; call once, after `finish()`.
    func rowsSha256() -> String {
        return hasher.take()?.hexDigest() ?? SHA256().hexDigest()
    }

    private func flush() throws {
        buffer.withUnsafeBytes { hasher?.update($0) }
        try buffer.withUnsafeBytes { bytes in
            try writeScratch(descriptor, bytes, path: path)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes; the file is complete (no fsync: it is scratch).
    func finish() throws {
        try flush()
        _ = close(descriptor)
        descriptor = -1
    }
}

/// Reads the lines of a spill file back, without copying each line.
final class SpillFileReader {
    private let path: String
    private var descriptor: Int32
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var finished = false

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw LoadError(.io, "cannot open scratch file \(path): \(String(cString: strerror(errno)))") }
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    }

    deinit {
        buffer.deallocate()
        if descriptor >= 0 { _ = close(descriptor) }
    }

    /// The next line without its newline, valid until the next call; nil at the end.
    func nextLine() throws -> UnsafeRawBufferPointer? {
        while true {
            if start < end, let hit = memchr(buffer.baseAddress! + start, 10, end - start) {
                let newline = UnsafeRawPointer(hit) - UnsafeRawPointer(buffer.baseAddress!)
                let line = UnsafeRawBufferPointer(rebasing: buffer[start..<newline])
                start = newline + 1
                return line
            }
            if finished { return nil } // every spilled line ends with a newline
            try refill()
        }
    }

    private func refill() throws {
        let remaining = end - start
        if start > 0 {
            if remaining > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: remaining) }
            start = 0
            end = remaining
        }
        if end == buffer.count {
            // A line longer than the buffer: grow it.
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
            bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
            buffer.deallocate()
            buffer = bigger
        }
        let result = read(descriptor, buffer.baseAddress! + end, buffer.count - end)
        if result < 0 {
            if errno == EINTR { return }
            throw LoadError(.io, "cannot read scratch file \(path): \(String(cString: strerror(errno)))")
        }
        if result == 0 { finished = true }
        end += result
    }
}

/// Writes all of `bytes` to a scratch file descriptor, retrying interrupted writes.
func writeScratch(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
    var written = 0
    while written < bytes.count {
        let result = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
        if result < 0 {
            if errno == EINTR { continue }
            throw LoadError(.io, "cannot write scratch file \(path): \(String(cString: strerror(errno)))")
        }
        written += result
    }
}
