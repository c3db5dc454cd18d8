public import Digest
import ModuleErrors
import SystemPackage

extension SHA256 {
    /// Streams a file through the hash.
    public static func hexOfFile(atPath path: String) throws -> String {
        let fd: FileDescriptor
        do { fd = try FileDescriptor.open(FilePath(path), .readOnly, options: .closeOnExec) } catch {
            throw CoreError(.io, "cannot open \(path) to checksum it: \(error)")
        }
        defer { try? fd.close() }
        var hasher = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n: Int
            do { n = try fd.read(into: buffer) } catch { throw CoreError(.io, "cannot read \(path) to checksum it: \(error)") }
            if n == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        return hasher.hexDigest()
    }
}
