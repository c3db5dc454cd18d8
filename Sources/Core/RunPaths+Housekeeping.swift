public import Foundation

/// Which runs exist, which one a command without `--run-id` works on, and what a killed
/// predecessor left behind. Every caller holds the output's lock (`RunLock`), so nothing found
/// here can belong to a live writer.
extension RunPaths {
    /// Run ids under a stage root (`rawRoot`, `stagingRoot`), oldest first. Names sort by time
    /// because new ids are UTC timestamps (`newRunId`); hidden entries are not runs.
    public func runIds(under stageRoot: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: stageRoot)) ?? []
        return names.filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: stageRoot + "/" + name, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }.sorted()
    }

    /// Whether run `runId` finished every stage: its warehouse manifest is published.
    public func isPublished(_ runId: String) -> Bool {
        FileManager.default.fileExists(atPath: warehouseManifest(runId))
    }

    /// The newest raw run if `isComplete` says it is unfinished, else nil. Only the newest run is
    /// considered: an older unfinished run was superseded by a newer one and stays as it is
    /// (resume it with `--run-id`).
    public func latestIncompleteRun(isComplete: (String) -> Bool) -> String? {
        guard let latest = runIds(under: rawRoot).last, !isComplete(latest) else { return nil }
        return latest
    }

    /// A new run id that no run directory uses yet (two runs started in the same second get
    /// `<id>-2`, `<id>-3`, which still sort after `<id>`).
    public func unusedRunId(now: Date = Date()) -> String {
        let base = Self.newRunId(now: now)
        var candidate = base
        var attempt = 2
        while FileManager.default.fileExists(atPath: raw(candidate)) || FileManager.default.fileExists(atPath: staging(candidate)) {
            candidate = "\(base)-\(attempt)"
            attempt += 1
        }
        return candidate
    }

    /// Removes what killed commands left under this root and returns the removed paths:
    /// - in a raw run whose manifest exists: the part files (`.parts/`) and `_state.json`, which
    ///   only a resumable (manifest-less) run needs;
    /// - everywhere under `raw/`, `staging/` and `rates/`: temporary files (`.tmp-*`, the names
    ///   `AtomicFile.temporaryPath` gives), which a finished write has always renamed away;
    /// - `sql/.<version>-<dialect>.tmp`, an unfinished `stripe-load sql` script directory.
    /// Unpublished warehouse versions are the load stage's (`LoadStage.removeInterruptedVersions`).
    @discardableResult
    public func removeLeftovers() -> [String] {
        var removed: [String] = []
        func remove(_ path: String) {
            if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(path) }
        }
        for runId in runIds(under: rawRoot) where FileManager.default.fileExists(atPath: rawManifest(runId)) {
            let parts = raw(runId) + "/.parts"
            if FileManager.default.fileExists(atPath: parts) { remove(parts) }
            if FileManager.default.fileExists(atPath: rawState(runId)) { remove(rawState(runId)) }
        }
        for directory in [rawRoot, stagingRoot, rates] {
            guard let walker = FileManager.default.enumerator(atPath: directory) else { continue }
            var temporaries: [String] = []
            while let relative = walker.nextObject() as? String {
                if (relative as NSString).lastPathComponent.hasPrefix(".tmp-") { temporaries.append(directory + "/" + relative) }
            }
            temporaries.forEach(remove)
        }
        // `stripe-load sql` builds each script directory as `sql/.<version>-<dialect>.tmp` first.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root + "/sql")) ?? []
        where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            remove(root + "/sql/" + name)
        }
        return removed
    }
}
