import CZstd

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
        let start = output.count
        output.reserveCapacity(start + bound)
        output.append(contentsOf: repeatElement(0, count: bound))
        let written = output.withUnsafeMutableBytes { out -> Int in
            ZSTD_compressCCtx(context, out.baseAddress! + start, bound, input.baseAddress, input.count, level)
        }
        if ZSTD_isError(written) != 0 {
            output.removeLast(bound)
            throw ZstdError(.library, String(cString: ZSTD_getErrorName(written)))
        }
        output.removeLast(bound - written)
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
