import Foundation
import ModuleErrors
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on an output root, so two runs never write the same output at once.
/// Held with flock(2) on `<output>/.lock`: the kernel drops it when the holder dies, so a lock
/// left by a killed process is stale by construction and the next run takes it over.
public final class RunLock {
    private let fd: Int32
    public let path: String

    /// Takes the lock or throws `CoreError(.locked)` naming the holder.
    public init(path: String, owner: String) throws {
        try AtomicFile.createParentDirectory(of: path)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CoreError(.io, "cannot open lock file \(path): \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
            close(fd)
            throw CoreError(.locked, "another run holds \(path) (\(holder.isEmpty ? "unknown holder" : holder)); wait for it to finish, or use another --output")
        }
        self.fd = fd
        self.path = path
        note(owner)
    }

    /// Replaces the holder's note (e.g. once the run id is known). The lock itself is the flock;
    /// the text only informs whoever is refused.
    public func note(_ owner: String) {
        _ = ftruncate(fd, 0)
        let text = "pid \(getpid()) \(owner)\n"
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        _ = fsync(fd)
    }

    deinit {
        _ = ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
    }
}
