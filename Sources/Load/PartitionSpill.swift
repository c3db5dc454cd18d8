import Core
import Digest
import ModuleErrors
import Zstd

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The decoded records of one partition between the two passes of a Parquet load, in input order.
///
/// Records arrive as zstd-compressed chunks (compressed by the decoding threads). Chunks stay in
/// memory while the load's budget allows; `moveToDisk()` appends the ones held to a scratch file
/// (`[UInt32 compressed size][UInt32 raw size][frame]` each), so memory stays flat however large
/// the table. Reading returns the file's chunks first, then the ones still in memory.
final class PartitionSpill {
    struct Chunk: Sendable {
        var compressed: [UInt8]
        var rawSize: Int
    }

    let path: String
    private var held: [Chunk] = []
    private(set) var heldBytes = 0
    private var descriptor: Int32 = -1
    private(set) var rows = 0
    /// SHA-256 of the partition's records in order (`hash(_:)`), for carrying over an unchanged partition.
    private var hasher: SHA256? = SHA256()

    init(path: String) {
        self.path = path
    }

    deinit { if descriptor >= 0 { _ = close(descriptor) } }

    func append(_ chunk: Chunk, rows: Int) {
        held.append(chunk)
        heldBytes += chunk.compressed.count
        self.rows += rows
    }

    /// Adds records, uncompressed and in input order, to the partition's rows hash. The hash is of
    /// the records' bytes alone, so it does not depend on how the input was cut into blocks.
    func hash(_ records: UnsafeRawBufferPointer) {
        hasher?.update(records)
    }

    /// Writes the chunks held in memory to the scratch file and drops them.
    func moveToDisk() throws {
        if descriptor < 0 {
            descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw LoadError(.io, "cannot create scratch file \(path): \(String(cString: strerror(errno)))") }
        }
        for chunk in held {
            var header: [UInt8] = []
            withUnsafeBytes(of: UInt32(chunk.compressed.count).littleEndian) { header.append(contentsOf: $0) }
            withUnsafeBytes(of: UInt32(chunk.rawSize).littleEndian) { header.append(contentsOf: $0) }
            try header.withUnsafeBytes { try writeAll($0) }
            try chunk.compressed.withUnsafeBytes { try writeAll($0) }
        }
        held.removeAll()
        heldBytes = 0
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        try writeScratch(descriptor, bytes, path: path)
    }

    /// The partition's records for pass 2 (on any thread): the scratch file is closed for writing
    /// and the chunks still held move to the returned value.
    func sealed() -> Sealed {
        let onDisk = descriptor >= 0
        if onDisk {
            _ = close(descriptor)
            descriptor = -1
        }
        defer { held.removeAll(); heldBytes = 0 }
        let digest = hasher.take()?.hexDigest() ?? SHA256().hexDigest()
        return Sealed(path: path, onDisk: onDisk, held: held, rowsSha256: digest)
    }

    /// A partition's records once pass 1 is done: the scratch file's chunks (if any), then the
    /// ones that stayed in memory.
    struct Sealed: Sendable {
        let path: String
        let onDisk: Bool
        let held: [Chunk]
        /// SHA-256 of every record in order (see `PartitionSpill.hash(_:)`).
        let rowsSha256: String

        /// Drops the records without reading them (the partition's file is carried over).
        func discard() {
            if onDisk { _ = unlink(path) }
        }

        /// Calls `body` with every record (see `TypedRowCodec`), in order, then removes the scratch file.
        func forEachRecord(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
            if onDisk {
                let input = open(path, O_RDONLY | O_CLOEXEC)
                guard input >= 0 else { throw LoadError(.io, "cannot open scratch file \(path): \(String(cString: strerror(errno)))") }
                defer { _ = close(input); _ = unlink(path) }
                var header = [UInt8](repeating: 0, count: 8)
                var frame: [UInt8] = []
                while try readExactly(input, &header, count: 8) {
                    let sizes = header.withUnsafeBytes {
                        ($0.loadUnaligned(fromByteOffset: 0, as: UInt32.self), $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
                    }
                    let compressed = Int(UInt32(littleEndian: sizes.0))
                    if frame.count < compressed { frame = [UInt8](repeating: 0, count: compressed) }
                    guard try readExactly(input, &frame, count: compressed) else {
                        throw LoadError(.io, "scratch file \(path) ends inside a chunk")
                    }
                    try frame.withUnsafeBytes { frame in
                        try records(
                            of: UnsafeRawBufferPointer(rebasing: frame[0..<compressed]), rawSize: Int(UInt32(littleEndian: sizes.1)), body)
                    }
                }
            }
            for chunk in held {
                try chunk.compressed.withUnsafeBytes { try records(of: $0, rawSize: chunk.rawSize, body) }
            }
        }

        private func records(of compressed: UnsafeRawBufferPointer, rawSize: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
            let raw: [UInt8]
            do { raw = try ZstdDecompression.decompress(compressed, decompressedSize: rawSize) } catch {
                throw LoadError(.io, "scratch data of \(path) is corrupt", cause: error)
            }
            try raw.withUnsafeBytes { raw in
                var offset = 0
                while offset + 4 <= raw.count {
                    let length = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                    guard offset + 4 + length <= raw.count else { throw LoadError(.io, "scratch data of \(path) ends inside a record") }
                    try body(UnsafeRawBufferPointer(rebasing: raw[(offset + 4)..<(offset + 4 + length)]))
                    offset += 4 + length
                }
            }
        }

        /// Reads exactly `count` bytes into `buffer`; false at a clean end of file before any byte.
        private func readExactly(_ fd: Int32, _ buffer: inout [UInt8], count: Int) throws -> Bool {
            var done = 0
            try buffer.withUnsafeMutableBytes { out in
                while done < count {
                    let result = read(fd, out.baseAddress! + done, count - done)
                    if result < 0 {
                        if errno == EINTR { continue }
                        throw LoadError(.io, "cannot read scratch file \(path): \(String(cString: strerror(errno)))")
                    }
                    if result == 0 { break }
                    done += result
                }
            }
            if done == 0 { return false }
            guard done == count else { throw LoadError(.io, "scratch file \(path) is truncated") }
            return true
        }
    }
}
