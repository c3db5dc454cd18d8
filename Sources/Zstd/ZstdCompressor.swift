import CZstd
import ModuleErrors

/// One-shot compression of whole buffers (Parquet pages), reusing one compression context.
public final class ZstdCompressor {
    private let context: OpaquePointer
    public let level: Int32

    public init(level: Int32 = 3) throws {
        guard let context = ZSTD_createCCtx() else { throw ZstdError(.library, "cannot allocate a compression context") }
        self.context = context
        self.level = level
    }

    deinit { ZSTD_freeCCtx(context) }

    /// Compresses `input` into a complete zstd frame, appended to `output`.
    public func compress(_ input: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) throws {
        let bound = ZSTD_compressBound(input.count)
        var result = 0
        // Written straight into uninitialised capacity: no zero-fill of the bound, no oversized array kept.
        var frame = [UInt8](unsafeUninitializedCapacity: bound) { buffer, initialized in
            result = ZSTD_compressCCtx(context, buffer.baseAddress, bound, input.baseAddress, input.count, level)
            initialized = ZSTD_isError(result) != 0 ? 0 : result
        }
        if ZSTD_isError(result) != 0 { throw ZstdError(.library, String(cString: ZSTD_getErrorName(result))) }
        if output.isEmpty { swap(&output, &frame) } else { output.append(contentsOf: frame) }
    }

    /// Compresses `input` into a new complete zstd frame.
    public func compress(_ input: [UInt8]) throws -> [UInt8] {
        var output: [UInt8] = []
        try input.withUnsafeBytes { try compress($0, appendingTo: &output) }
        return output
    }
}

/// One-shot decompression of a whole frame whose decompressed size is known (Parquet pages).
public enum ZstdDecompression {
    public static func decompress(_ input: UnsafeRawBufferPointer, decompressedSize: Int) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: decompressedSize)
        let written = output.withUnsafeMutableBytes { out in
            ZSTD_decompress(out.baseAddress, decompressedSize, input.baseAddress, input.count)
        }
        if ZSTD_isError(written) != 0 { throw ZstdError(.corrupt, String(cString: ZSTD_getErrorName(written))) }
        guard written == decompressedSize else {
            throw ZstdError(.corrupt, "frame decompressed to \(written) bytes, expected \(decompressedSize)")
        }
        return output
    }
}
