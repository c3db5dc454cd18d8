import Foundation
import ModuleErrors
import SystemPackage

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
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(
                FilePath(temporary), .writeOnly, options: [.create, .truncate, .closeOnExec],
                permissions: FilePermissions(rawValue: 0o644))
        } catch {
            throw CoreError(.io, "cannot create \(temporary): \(error)")
        }
        do { try fd.writeAll(bytes) } catch {
            try? fd.close()
            throw CoreError(.io, "cannot write \(temporary): \(error)")
        }
        // swift-system has no fsync: the one direct call.
        if fsync(fd.rawValue) != 0 {
            let reason = Errno(rawValue: errno)
            try? fd.close()
            throw CoreError(.io, "cannot fsync \(temporary): \(reason)")
        }
        try? fd.close()
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
        guard let fd = try? FileDescriptor.open(FilePath(directory), .readOnly, options: [.directory, .closeOnExec]) else { return }
        _ = fsync(fd.rawValue)
        try? fd.close()
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
