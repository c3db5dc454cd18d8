import ModuleErrors
import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An append-only file, tracking the current offset.
final class FileOutput {
    let path: String
    private var descriptor: FileDescriptor?
    private(set) var offset: Int64 = 0

    init(path: String) throws {
        self.path = path
        do {
            descriptor = try FileDescriptor.open(
                FilePath(path), .writeOnly, options: [.create, .truncate, .closeOnExec],
                permissions: FilePermissions(rawValue: 0o644))
        } catch {
            throw ParquetError(.io, "cannot create \(path): \(error)")
        }
    }

    deinit {
        try? descriptor?.close()
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let descriptor else { throw ParquetError(.io, "cannot write \(path): \(Errno.badFileDescriptor)") }
        do { try descriptor.writeAll(bytes) } catch { throw ParquetError(.io, "cannot write \(path): \(error)") }
        offset += Int64(bytes.count)
    }

    func close(sync: Bool) throws {
        guard let descriptor else { return }
        // swift-system has no fsync: the one direct call.
        if sync && fsync(descriptor.rawValue) != 0 {
            throw ParquetError(.io, "cannot fsync \(path): \(Errno(rawValue: errno))")
        }
        self.descriptor = nil
        do { try descriptor.close() } catch { throw ParquetError(.io, "cannot close \(path): \(error)") }
    }
}
