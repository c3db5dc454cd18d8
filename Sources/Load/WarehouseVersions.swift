import Core
import Foundation
import ModuleErrors

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Publishes the warehouse tree atomically as a whole.
///
/// `warehouse` is a symlink to one complete version, `.warehouse-versions/<name>/`, beside it in
/// the output root. A load builds a new version (hard links to the unchanged files of the
/// current one, new files named after the run for what it loads, its `_runs/<run_id>.json`
/// last), makes it durable, and publishes it with one `rename()` of a new symlink over
/// `warehouse`. A version's files are never changed after it is published, and superseded
/// versions stay for a grace period, so a reader that resolved `warehouse` once (the README's
/// `readlink -f`) reads one version to the end. A crash before the rename leaves the old tree
/// untouched, and a re-run rebuilds the unfinished version from scratch.
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
            throw LoadError(
                .io, "\(paths.warehouse) points to '\(target)', not to a version in \(versionsRoot); fix or remove the link and re-run")
        }
        return String(target.dropFirst(prefix.count))
    }

    /// The run a version publishes: its name is the run id, suffixed `~N` when that run was
    /// published before (run ids cannot contain '~').
    static func runId(ofVersion name: String) -> String {
        String(name.split(separator: "~", maxSplits: 1).first ?? Substring(name))
    }

    /// A fresh, empty directory for a new version of run `runId`: named after the run, suffixed
    /// `~2`, `~3`... while that name belongs to a published version (which readers may still hold).
    /// A directory of that name that was never published is an interrupted attempt: removed.
    func prepareVersion(runId: String, current: String?, history: [PublishedVersion]) throws -> String {
        let taken = Set(history.map(\.version) + [current].compactMap { $0 })
        var name = runId
        var attempt = 2
        while taken.contains(name) {
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

    /// One published version: the empty marker `.published/<sequence>-<version>`, whose
    /// modification time is the publish time. The bookkeeping holds no clock value or run id in
    /// any file's contents, so a killed and resumed load leaves the same bytes as a clean one.
    struct PublishedVersion: Equatable {
        /// Publish order (1, 2, ...).
        var sequence: Int
        var version: String
        /// Unix seconds of the publish (for the grace period).
        var publishedAt: Int64

        var runId: String { WarehouseVersions.runId(ofVersion: version) }
        var markerName: String { String(format: "%06d-", sequence) + version }
    }

    var markersRoot: String { versionsRoot + "/.published" }

    /// The publish history in publish order, ending with `current`. A marker is written just
    /// before its version's symlink rename, so markers after the published version's belong to
    /// attempts that never published: they are dropped. A published version without a marker
    /// (a tree from before markers) is appended, published `now`.
    func history(current: String?, now: Int64) throws -> [PublishedVersion] {
        var entries: [PublishedVersion] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: markersRoot)) ?? [] {
            guard let dash = name.firstIndex(of: "-"), let sequence = Int(name[..<dash]) else { continue }
            var info = stat()
            let time = stat(markersRoot + "/" + name, &info) == 0 ? Int64(info.st_mtim.tv_sec) : now
            entries.append(PublishedVersion(sequence: sequence, version: String(name[name.index(after: dash)...]), publishedAt: time))
        }
        entries.sort { $0.sequence < $1.sequence }
        guard let current else { return [] }
        if let index = entries.lastIndex(where: { $0.version == current }) {
            entries.removeSubrange((index + 1)...)
        } else {
            entries = appending(current, to: entries, now: now)
        }
        return entries
    }

    func appending(_ version: String, to entries: [PublishedVersion], now: Int64) -> [PublishedVersion] {
        entries + [PublishedVersion(sequence: (entries.last?.sequence ?? 0) + 1, version: version, publishedAt: now)]
    }

    /// Makes the markers match `entries`: a marker dated `publishedAt` for each, none other.
    func writeHistory(_ entries: [PublishedVersion]) throws {
        try AtomicFile.createDirectory(markersRoot)
        let live = Set(entries.map(\.markerName))
        for name in (try? FileManager.default.contentsOfDirectory(atPath: markersRoot)) ?? [] where !live.contains(name) {
            _ = unlink(markersRoot + "/" + name)
        }
        for entry in entries {
            let marker = markersRoot + "/" + entry.markerName
            guard !FileManager.default.fileExists(atPath: marker) else { continue }
            try AtomicFile.write("", to: marker)
            var times = [timespec(tv_sec: Int(entry.publishedAt), tv_nsec: 0), timespec(tv_sec: Int(entry.publishedAt), tv_nsec: 0)]
            _ = utimensat(AT_FDCWD, marker, &times, 0)
        }
        AtomicFile.syncDirectory(of: markersRoot + "/.")
    }

    /// Removes superseded versions: kept are the published one, the newest `keep` versions, and
    /// any version superseded less than `graceSeconds` ago (readers that resolved it just before
    /// the switch are still reading it). Directories that were never published (interrupted
    /// attempts) go too. Returns the history that remains.
    @discardableResult
    func prune(_ entries: [PublishedVersion], current: String, keep: Int, graceSeconds: Int, now: Int64) throws -> [PublishedVersion] {
        var kept: [PublishedVersion] = []
        for (index, entry) in entries.enumerated() {
            let isNewest = index >= entries.count - max(1, keep)
            let supersededAt = index + 1 < entries.count ? entries[index + 1].publishedAt : now
            let inGrace = now - supersededAt < Int64(graceSeconds)
            if entry.version == current || isNewest || inGrace {
                kept.append(entry)
            }
        }
        let keepNames = Set(kept.map(\.version) + [current])
        if let names = try? FileManager.default.contentsOfDirectory(atPath: versionsRoot) {
            for name in names where !name.hasPrefix(".") && !keepNames.contains(name) {
                try? FileManager.default.removeItem(atPath: versionPath(name))
            }
        }
        kept.removeAll { !FileManager.default.fileExists(atPath: versionPath($0.version)) }
        try writeHistory(kept)
        return kept
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

    private func adoptPlainDirectory() throws -> String {
        try AtomicFile.createDirectory(versionsRoot)
        var name = "adopted"
        var attempt = 2
        while FileManager.default.fileExists(atPath: versionPath(name)) {
            name = "adopted~\(attempt)"
            attempt += 1
        }
        guard rename(paths.warehouse, versionPath(name)) == 0 else {
            throw LoadError(
                .io, "cannot move the plain directory \(paths.warehouse) into \(versionsRoot): \(String(cString: strerror(errno)))")
        }
        try publish(name)
        return name
    }
}
