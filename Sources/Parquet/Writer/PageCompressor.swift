/// Compresses page bodies; the codec is recorded in each column chunk's metadata.
///
/// Parquet knows no compression library: the caller supplies one (the load stage wraps zstd).
public protocol PageCompressor {
    var codec: CompressionCodec { get }
    /// Appends the compressed form of `input` to `output`.
    func compress(_ input: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) throws
}

/// Stores pages as they are.
public struct UncompressedPageCompressor: PageCompressor {
    public init() {}
    public var codec: CompressionCodec { .uncompressed }
    public func compress(_ input: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) throws {
        output.append(contentsOf: input)
    }
}
