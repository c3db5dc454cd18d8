#if canImport(Glibc)
import Glibc
#endif
public import Digest
import ModuleErrors

extension SHA256 {
    /// Streams a file through the hash.
    public static func hexOfFile(atPath path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CoreError(.io, "cannot open \(path) to checksum it: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var hasher = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw CoreError(.io, "cannot read \(path) to checksum it: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        return hasher.hexDigest()
    }
}
