import CZstd
import ModuleErrors
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Streams the decompressed bytes of a zstd file. A file that ends inside a frame (a writer that
/// never closed, a cut copy) throws `ZstdError(.truncated)` instead of reading as short or empty.
public final class ZstdFileReader {
    private let stream: OpaquePointer
    private let fd: FileDescriptor
    private var inBuffer: [UInt8]
    private var inPos = 0
    private var inEnd = 0
    private var eof = false
    /// Non-zero while a frame is open: the hint zstd returns is 0 exactly at a frame boundary.
    private var frameOpen = false
    private var sawAnyInput = false
    public let path: String
    /// Compressed bytes read from the file so far.
    public private(set) var bytesRead = 0

    public init(path: String) throws {
        guard let stream = ZSTD_createDStream() else { throw ZstdError(.library, "cannot allocate a decompression stream") }
        self.stream = stream
        self.path = path
        do { fd = try FileDescriptor.open(FilePath(path), .readOnly, options: .closeOnExec) } catch {
            ZSTD_freeDStream(stream)
            throw ZstdError(.io, "cannot open \(path): \(error)")
        }
        inBuffer = [UInt8](repeating: 0, count: max(ZSTD_DStreamInSize(), 1 << 17))
        ZSTD_initDStream(stream)
    }

    deinit {
        try? fd.close()
        ZSTD_freeDStream(stream)
    }

    /// Fills `buffer` with up to `buffer.count` decompressed bytes; returns 0 only at the clean end
    /// of the file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            if inPos == inEnd && !eof {
                let n: Int
                do { n = try inBuffer.withUnsafeMutableBytes { try fd.read(into: $0) } } catch {
                    throw ZstdError(.io, "cannot read \(path): \(error)")
                }
                if n == 0 { eof = true } else { inPos = 0; inEnd = n; bytesRead += n; sawAnyInput = true }
            }
            if inPos == inEnd && eof {
                if frameOpen {
                    throw ZstdError(
                        .truncated, "\(path) ends in the middle of a zstd frame (the file is truncated or its writer never finished)")
                }
                if !sawAnyInput {
                    // An empty file is not a valid zstd stream either: a writer always emits a frame.
                    throw ZstdError(.truncated, "\(path) is empty (a finished zstd file holds at least one frame)")
                }
                return 0
            }
            var output = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
            let hint = inBuffer.withUnsafeBytes { inBytes -> Int in
                var input = ZSTD_inBuffer(src: inBytes.baseAddress, size: inEnd, pos: inPos)
                let hint = ZSTD_decompressStream(stream, &output, &input)
                inPos = input.pos
                return hint
            }
            if ZSTD_isError(hint) != 0 {
                throw ZstdError(.corrupt, "\(path) is not valid zstd data: \(String(cString: ZSTD_getErrorName(hint)))")
            }
            frameOpen = hint != 0
            if output.pos > 0 { return output.pos }
        }
    }
}
