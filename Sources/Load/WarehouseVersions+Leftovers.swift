public import Core
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LoadStage {
    /// Removes what a load killed before it published left under `paths.root`: version
    /// directories that are neither published (`warehouse`'s target) nor in the publish history (its markers),
    /// and the temporary `warehouse` link. Returns the removed paths. The caller holds the output's
    /// lock, so no load is building a version now. Without a publish history (a tree written before
    /// it existed) versions are left to the next load's pruning.
    @discardableResult
    public static func removeInterruptedVersions(paths: RunPaths) -> [String] {
        var removed: [String] = []
        let versions = WarehouseVersions(paths: paths)
        let link = paths.root + "/.warehouse-link.tmp"
        var info = stat()
        if lstat(link, &info) == 0, unlink(link) == 0 { removed.append(link) }
        // The publish markers are the history: a version with no marker (and not current) was never published.
        guard FileManager.default.fileExists(atPath: versions.markersRoot),
            let current = try? versions.currentVersion(),
            let history = try? versions.history(current: current, now: 0)
        else {
            return removed
        }
        var keep = Set(history.map(\.version))
        keep.insert(current)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: versions.versionsRoot)) ?? []
        where !name.hasPrefix(".") && !keep.contains(name) {
            if (try? FileManager.default.removeItem(atPath: versions.versionPath(name))) != nil {
                removed.append(versions.versionPath(name))
            }
        }
        return removed
    }
}
