import CZlib
public import ModuleErrors

/// zlib's raw inflate and CRC-32, for the deflated entries of zip archives.
public enum Zlib {
    /// Inflates raw deflate data (no zlib or gzip header) that must decode to exactly `size` bytes
    /// and end with the deflate stream's final block.
    public static func inflateRaw(_ input: UnsafeBufferPointer<UInt8>, size: Int) throws(ZlibError) -> [UInt8] {
        var stream = z_stream()
        let initialised = CZlib_inflateInitRaw(&stream)
        guard initialised == Z_OK else { throw ZlibError(.library, "inflateInit2 failed with code \(initialised)") }
        defer { inflateEnd(&stream) }
        // One spare byte: output past the declared size is detected instead of silently cut off.
        var status: Int32 = Z_OK
        var produced = 0
        let output = [UInt8](unsafeUninitializedCapacity: size + 1) { buffer, initialised in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)
            stream.next_out = buffer.baseAddress
            stream.avail_out = UInt32(buffer.count)
            status = inflate(&stream, Z_FINISH)
            produced = buffer.count - Int(stream.avail_out)
            initialised = produced
        }
        switch status {
        case Z_STREAM_END:
            guard produced == size else {
                throw ZlibError(.sizeMismatch, "deflate data decodes to \(produced) bytes, the archive says \(size)")
            }
            return output
        case Z_DATA_ERROR:
            throw ZlibError(.corrupt, "corrupt deflate data: \(stream.msg.map { String(cString: $0) } ?? "invalid stream")")
        case Z_BUF_ERROR where produced > size:
            throw ZlibError(.sizeMismatch, "deflate data decodes to more than the \(size) bytes the archive says")
        case Z_BUF_ERROR, Z_OK:
            throw ZlibError(.truncated, "deflate data ends before its final block (truncated)")
        default:
            throw ZlibError(.library, "inflate failed with code \(status)")
        }
    }

    /// CRC-32 (ISO-HDLC), as zip stores it per entry.
    public static func crc32(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var crc: UInt = CZlib.crc32(0, nil, 0)
        var offset = 0
        // zlib takes a 32-bit length: large inputs go in slices.
        repeat {
            let count = min(bytes.count - offset, Int(UInt32.max))
            crc = CZlib.crc32(crc, bytes.baseAddress.map { $0 + offset }, UInt32(count))
            offset += count
        } while offset < bytes.count
        return UInt32(truncatingIfNeeded: crc)
    }

    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { crc32($0) }
    }
}
