import Foundation
import ModuleErrors
import SystemPackage
import Zstd

/// The records of one partition between the two passes of a load, in input order.
///
/// Records arrive as zstd-compressed chunks of length-prefixed records (`[UInt32 length][record]`,
/// compressed by the decoding threads). Chunks stay in memory while the load's budget allows;
/// `moveToDisk()` appends the ones held to a scratch file (`[UInt32 compressed size][UInt32 raw
/// size][frame]` each), so memory stays flat however large the table. Reading returns the file's
/// chunks first, then the ones still in memory.
final class PartitionSpill {
    struct Chunk: Sendable {
        var compressed: [UInt8]
        var rawSize: Int
    }

    let path: String
    private var held: [Chunk] = []
    private(set) var heldBytes = 0
    private var file: FileDescriptor?
    private(set) var rows = 0

    init(path: String) {
        self.path = path
    }

    deinit { try? file?.close() }

    /// True once some of the partition's chunks went to its scratch file.
    var isOnDisk: Bool { file != nil }

    func append(_ chunk: Chunk, rows: Int) {
        held.append(chunk)
        heldBytes += chunk.compressed.count
        self.rows += rows
    }

    /// Writes the chunks held in memory to the scratch file and drops them.
    func moveToDisk() throws {
        let file: FileDescriptor
        if let open = self.file {
            file = open
        } else {
            do {
                file = try FileDescriptor.open(
                    FilePath(path), .writeOnly, options: [.create, .truncate, .closeOnExec], permissions: [.ownerReadWrite])
            } catch {
                throw LoadError(.io, "cannot create scratch file \(path): \(error)")
            }
            self.file = file
        }
        for chunk in held {
            var header: [UInt8] = []
            withUnsafeBytes(of: UInt32(chunk.compressed.count).littleEndian) { header.append(contentsOf: $0) }
            withUnsafeBytes(of: UInt32(chunk.rawSize).littleEndian) { header.append(contentsOf: $0) }
            do {
                // writeAll retries interrupted and partial writes.
                _ = try file.writeAll(header)
                _ = try file.writeAll(chunk.compressed)
            } catch {
                throw LoadError(.io, "cannot write scratch file \(path): \(error)")
            }
        }
        held.removeAll()
        heldBytes = 0
    }

    /// Calls `body` with every record of `chunk`, in order (`path` names the data in messages).
    static func forEachRecord(of chunk: Chunk, path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try chunk.compressed.withUnsafeBytes { try forEachRecord(compressed: $0, rawSize: chunk.rawSize, path: path, body) }
    }

    private static func forEachRecord(
        compressed: UnsafeRawBufferPointer, rawSize: Int, path: String, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
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

    /// The partition's records for the second pass (on any thread): the scratch file is closed for
    /// writing and the chunks still held move to the returned value.
    func sealed() -> Sealed {
        let onDisk = file != nil
        try? file?.close()
        file = nil
        defer {
            held.removeAll()
            heldBytes = 0
        }
        return Sealed(path: path, onDisk: onDisk, held: held)
    }

    /// A partition's records once the first pass is done: the scratch file's chunks (if any), then
    /// the ones that stayed in memory.
    struct Sealed: Sendable {
        let path: String
        let onDisk: Bool
        let held: [Chunk]

        /// Drops the records without reading them (the partition's file is carried over).
        func discard() {
            if onDisk { try? FileManager.default.removeItem(atPath: path) }
        }

        /// Calls `body` with every record, in order, then removes the scratch file.
        func forEachRecord(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
            if onDisk {
                let input: FileDescriptor
                do { input = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec]) } catch {
                    throw LoadError(.io, "cannot open scratch file \(path): \(error)")
                }
                defer {
                    try? input.close()
                    try? FileManager.default.removeItem(atPath: path)
                }
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
            try PartitionSpill.forEachRecord(compressed: compressed, rawSize: rawSize, path: path, body)
        }

        /// Reads exactly `count` bytes into `buffer`; false at a clean end of file before any byte.
        private func readExactly(_ file: FileDescriptor, _ buffer: inout [UInt8], count: Int) throws -> Bool {
            var done = 0
            do {
                try buffer.withUnsafeMutableBytes { out in
                    while done < count {
                        // Retries interrupted reads; a short read is followed by another.
                        let read = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: out[done..<count]))
                        if read == 0 { break }
                        done += read
                    }
                }
            } catch {
                throw LoadError(.io, "cannot read scratch file \(path): \(error)")
            }
            if done == 0 { return false }
            guard done == count else { throw LoadError(.io, "scratch file \(path) is truncated") }
            return true
        }
    }
}
