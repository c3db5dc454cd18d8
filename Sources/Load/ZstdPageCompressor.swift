import Parquet
import Zstd

/// Fills the Parquet writer's compression slot with zstd.
final class ZstdPageCompressor: PageCompressor {
    private let compressor: ZstdCompressor

    init(level: Int32) throws {
        compressor = try ZstdCompressor(level: level)
    }

    var codec: CompressionCodec { .zstd }

    func compress(_ input: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) throws {
        try compressor.compress(input, appendingTo: &output)
    }
}
