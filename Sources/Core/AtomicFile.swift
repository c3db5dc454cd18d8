import Foundation
import ModuleErrors
#if canImport(Glibc)
import Glibc
#endif

/// Files that readers never see half-written: write a temporary sibling, fsync, rename into place,
/// fsync the directory.
public enum AtomicFile {
    /// The temporary name a final path is written under; deterministic so a re-run replaces it.
    public static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().appendingPathComponent(".tmp-\(url.lastPathComponent)").path
    }

    /// Writes `bytes` to `path` atomically.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let temporary = temporaryPath(for: path)
        try createParentDirectory(of: path)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CoreError(.io, "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let message = String(cString: strerror(errno))
                close(fd)
                throw CoreError(.io, "cannot write \(temporary): \(message)")
            }
            offset += n
        }
        if fsync(fd) != 0 { close(fd); throw CoreError(.io, "cannot fsync \(temporary): \(String(cString: strerror(errno)))") }
        close(fd)
        try publish(temporary, as: path)
    }

    public static func write(_ string: String, to path: String) throws {
        try write(Array(string.utf8), to: path)
    }

    /// Renames a finished temporary file into place and makes the rename durable.
    public static func publish(_ temporary: String, as path: String) throws {
        if rename(temporary, path) != 0 {
            throw CoreError(.io, "cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
        syncDirectory(of: path)
    }

    /// fsyncs the directory holding `path` so a rename or create survives a crash.
    public static func syncDirectory(of path: String) {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { _ = fsync(fd); close(fd) }
    }

    public static func createParentDirectory(of path: String) throws {
        try createDirectory(URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    public static func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CoreError(.io, "cannot create directory \(path)", cause: error)
        }
    }
}
