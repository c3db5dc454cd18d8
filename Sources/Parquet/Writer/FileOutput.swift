import ModuleErrors

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An append-only file written with POSIX calls, tracking the current offset.
final class FileOutput {
    let path: String
    private var descriptor: Int32
    private(set) var offset: Int64 = 0

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ParquetError(.io, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        if descriptor >= 0 { _ = posixClose(descriptor) }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var written = 0
        while written < bytes.count {
            let result = posixWrite(descriptor, bytes.baseAddress! + written, bytes.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                throw ParquetError(.io, "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            written += result
        }
        offset += Int64(bytes.count)
    }

    func close(sync: Bool) throws {
        guard descriptor >= 0 else { return }
        if sync && fsync(descriptor) != 0 {
            throw ParquetError(.io, "cannot fsync \(path): \(String(cString: strerror(errno)))")
        }
        let result = posixClose(descriptor)
        descriptor = -1
        guard result == 0 else { throw ParquetError(.io, "cannot close \(path): \(String(cString: strerror(errno)))") }
    }
}

@inline(__always)
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buffer, count)
    #else
    return Darwin.write(fd, buffer, count)
    #endif
}

@inline(__always)
private func posixClose(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.close(fd)
    #else
    return Darwin.close(fd)
    #endif
}
