import ModuleErrors
import Zstd

/// Whole staging lines (each ending in a newline, empty ones kept so numbering holds).
struct StagingBlock: Sendable {
    var bytes: [UInt8]
    var firstLineNumber: Int
}

/// Cuts a staging file into blocks of about `blockBytes` of whole lines (on the loading thread),
/// for the decoding threads.
final class StagingBlockReader {
    /// The load's block size: large enough that a block's decoding outweighs handing it to a thread.
    static let defaultBlockBytes = 2 << 20
    private let reader: ZstdLineReader
    private let blockBytes: Int

    init(path: String, blockBytes: Int = StagingBlockReader.defaultBlockBytes) throws {
        self.blockBytes = max(1, blockBytes)
        do { reader = try ZstdLineReader(path: path) } catch {
            throw LoadError(.staging, "cannot open staging file \(path)", cause: error)
        }
    }

    /// Up to `count` blocks; empty at the end of the file.
    func readBlocks(_ count: Int) throws -> [StagingBlock] {
        var blocks: [StagingBlock] = []
        while blocks.count < count {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(blockBytes + 65_536)
            let first = reader.lineNumber + 1
            while bytes.count < blockBytes, let line = try nextLine() {
                bytes.append(contentsOf: line)
                bytes.append(10)
            }
            if bytes.isEmpty { break }
            blocks.append(StagingBlock(bytes: bytes, firstLineNumber: first))
        }
        return blocks
    }

    private func nextLine() throws -> UnsafeRawBufferPointer? {
        do { return try reader.nextLine() } catch {
            throw LoadError(
                .staging, "\(reader.path) line \(reader.lineNumber + 1): cannot read (truncated or corrupt); re-run transform for this run",
                cause: error)
        }
    }
}
