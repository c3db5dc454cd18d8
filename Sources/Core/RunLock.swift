import Foundation
import ModuleErrors
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on an output root, so two runs never write the same output at once.
/// Held with flock(2) on `<output>/.lock`: the kernel drops it when the holder dies, so a lock
/// left by a killed process is stale by construction and the next run takes it over. swift-system
/// wraps neither flock nor fsync: those two stay direct calls on the descriptor.
public final class RunLock {
    private let fd: FileDescriptor
    public let path: String

    /// Takes the lock or throws `CoreError(.locked)` naming the holder.
    public init(path: String, owner: String) throws {
        try AtomicFile.createParentDirectory(of: path)
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(
                FilePath(path), .readWrite, options: [.create, .closeOnExec], permissions: FilePermissions(rawValue: 0o644))
        } catch {
            throw CoreError(.io, "cannot open lock file \(path): \(error)")
        }
        if flock(fd.rawValue, LOCK_EX | LOCK_NB) != 0 {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
            try? fd.close()
            throw CoreError(
                .locked,
                "another run holds \(path) (\(holder.isEmpty ? "unknown holder" : holder)); wait for it to finish, or use another --output")
        }
        self.fd = fd
        self.path = path
        note(owner)
    }

    /// Replaces the holder's note (e.g. once the run id is known). The lock itself is the flock;
    /// the text only informs whoever is refused.
    public func note(_ owner: String) {
        _ = try? fd.resize(to: 0)
        _ = try? fd.writeAll(toAbsoluteOffset: 0, Array("pid \(getpid()) \(owner)\n".utf8))
        _ = fsync(fd.rawValue)
    }

    deinit {
        _ = try? fd.resize(to: 0)
        flock(fd.rawValue, LOCK_UN)
        try? fd.close()
    }
}
