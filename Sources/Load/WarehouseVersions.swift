import Core
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Publishes the warehouse tree atomically as a whole.
///
/// `warehouse` is a symlink to one complete version, `.warehouse-versions/<name>/`, beside it in
/// the output root. A load builds a new version (hard links to the unchanged files of the
/// current one, new files for what it loads, its `_runs/<run_id>.json` last), makes it durable,
/// and publishes it with one `rename()` of a new symlink over `warehouse`. Readers see the old
/// tree or the new tree, never a mix; a crash before the rename leaves the old tree untouched,
/// and a re-run rebuilds the unfinished version from scratch.
struct WarehouseVersions {
    let paths: RunPaths

    var versionsRoot: String { paths.root + "/.warehouse-versions" }

    func versionPath(_ name: String) -> String { versionsRoot + "/" + name }

    /// The name of the published version, or nil when nothing is published yet. A plain
    /// `warehouse` directory (written before versioning) is adopted as a version first.
    func currentVersion() throws -> String? {
        var info = stat()
        guard lstat(paths.warehouse, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw LoadError(.io, "cannot inspect \(paths.warehouse): \(String(cString: strerror(errno)))")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            return try adoptPlainDirectory()
        }
        guard (info.st_mode & S_IFMT) == S_IFLNK else {
            throw LoadError(.io, "\(paths.warehouse) is neither a directory nor a symlink; move it away and re-run")
        }
        let target: String
        do { target = try FileManager.default.destinationOfSymbolicLink(atPath: paths.warehouse) } catch {
            throw LoadError(.io, "cannot read the symlink \(paths.warehouse)", cause: error)
        }
        let prefix = ".warehouse-versions/"
        guard target.hasPrefix(prefix), !target.dropFirst(prefix.count).contains("/") else {
            throw LoadError(.io, "\(paths.warehouse) points to '\(target)', not to a version in \(versionsRoot); fix or remove the link and re-run")
        }
        return String(target.dropFirst(prefix.count))
    }

    /// A fresh, empty directory for a new version named after the run (suffixed if that name is the
    /// published one); leftovers of an interrupted attempt are removed.
    func prepareVersion(runId: String, current: String?) throws -> String {
        var name = runId
        var attempt = 2
        while name == current {
            name = "\(runId)~\(attempt)"
            attempt += 1
        }
        let path = versionPath(name)
        if FileManager.default.fileExists(atPath: path) {
            do { try FileManager.default.removeItem(atPath: path) } catch {
                throw LoadError(.io, "cannot remove the unfinished version \(path)", cause: error)
            }
        }
        try AtomicFile.createDirectory(path)
        return name
    }

    /// Hard-links every file of version `from` into version `to`, except paths `skip` rejects
    /// (relative paths; a skipped directory skips its contents). Copies when linking is refused.
    func linkUnchanged(from: String, to: String, skip: (String) -> Bool) throws {
        let source = versionPath(from)
        let destination = versionPath(to)
        guard let walker = FileManager.default.enumerator(atPath: source) else { return }
        while let relative = walker.nextObject() as? String {
            if skip(relative) {
                walker.skipDescendants()
                continue
            }
            let sourcePath = source + "/" + relative
            let destinationPath = destination + "/" + relative
            var info = stat()
            guard lstat(sourcePath, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                try AtomicFile.createDirectory(destinationPath)
            } else if (info.st_mode & S_IFMT) == S_IFREG {
                if link(sourcePath, destinationPath) != 0 {
                    do { try FileManager.default.copyItem(atPath: sourcePath, toPath: destinationPath) } catch {
                        throw LoadError(.io, "cannot link or copy \(sourcePath) into the new version", cause: error)
                    }
                }
            }
        }
    }

    /// fsyncs every directory of a version, so its files and links survive a crash.
    func syncVersion(_ name: String) {
        let root = versionPath(name)
        var directories = [root]
        if let walker = FileManager.default.enumerator(atPath: root) {
            while let relative = walker.nextObject() as? String {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory), isDirectory.boolValue {
                    directories.append(root + "/" + relative)
                }
            }
        }
        for directory in directories.reversed() { AtomicFile.syncDirectory(of: directory + "/.") }
        AtomicFile.syncDirectory(of: root)
    }

    /// Points `warehouse` at version `name` with one atomic rename.
    func publish(_ name: String) throws {
        let link = paths.root + "/.warehouse-link.tmp"
        _ = unlink(link)
        guard symlink(".warehouse-versions/" + name, link) == 0 else {
            throw LoadError(.io, "cannot create the symlink \(link): \(String(cString: strerror(errno)))")
        }
        guard rename(link, paths.warehouse) == 0 else {
            throw LoadError(.io, "cannot publish \(paths.warehouse): \(String(cString: strerror(errno)))")
        }
        AtomicFile.syncDirectory(of: paths.warehouse)
    }

    /// Removes every version but `keep` (the published one and the one before it, which readers
    /// that listed files just before the switch may still be reading).
    func removeVersions(except keep: Set<String>) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: versionsRoot) else { return }
        for name in names where !keep.contains(name) {
            try? FileManager.default.removeItem(atPath: versionPath(name))
        }
    }

    private func adoptPlainDirectory() throws -> String {
        try AtomicFile.createDirectory(versionsRoot)
        var name = "adopted"
        var attempt = 2
        while FileManager.default.fileExists(atPath: versionPath(name)) {
            name = "adopted~\(attempt)"
            attempt += 1
        }
        guard rename(paths.warehouse, versionPath(name)) == 0 else {
            throw LoadError(.io, "cannot move the plain directory \(paths.warehouse) into \(versionsRoot): \(String(cString: strerror(errno)))")
        }
        try publish(name)
        return name
    }
}
