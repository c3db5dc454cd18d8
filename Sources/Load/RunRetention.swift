import Core
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `retention.keep_runs`: after a publish, raw/ and staging/ of older published runs are pruned.
///
/// Kept: the newest `keepRuns` published runs (by their latest publish), the published run, and
/// the run of every kept warehouse version (its load scripts re-export from its staging files).
/// Runs that were never published (in progress, killed, failed) are never touched here.
struct RunRetention {
    let paths: RunPaths

    /// Removes raw/<run> and staging/<run> of published runs outside the kept set; returns them.
    @discardableResult
    func prune(keepRuns: Int, history: [WarehouseVersions.PublishedVersion], current: String) -> [String] {
        let manager = FileManager.default
        let currentRun = WarehouseVersions.runId(ofVersion: current)
        // Every run ever published: manifests are linked forward into each new version.
        let manifests = (try? manager.contentsOfDirectory(atPath: WarehouseVersions(paths: paths).versionPath(current) + "/_runs")) ?? []
        let published = Set(manifests.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(".json".count)) })
        // Newest first: by latest publish in the history, then the rest by run id (older).
        var order: [String] = []
        for entry in history.reversed() where !order.contains(entry.runId) { order.append(entry.runId) }
        order += published.subtracting(order).sorted().reversed()
        var keep = Set(order.prefix(max(1, keepRuns)))
        keep.insert(currentRun)
        keep.formUnion(history.map(\.runId))
        keep.formUnion(incrementalBase)
        return remove(order, keeping: keep)
    }

    /// `load.format: delta`: the published runs are `delta/_runs/<run>.json`, newest load first
    /// (the manifest is rewritten by every load of its run); the newest `keepRuns` are kept.
    @discardableResult
    func pruneDelta(keepRuns: Int, runsDirectory: String, current: String) -> [String] {
        let manager = FileManager.default
        var dated: [(run: String, time: Int64)] = []
        for name in (try? manager.contentsOfDirectory(atPath: runsDirectory)) ?? [] where name.hasSuffix(".json") {
            var info = stat()
            guard stat(runsDirectory + "/" + name, &info) == 0 else { continue }
            dated.append((String(name.dropLast(".json".count)), Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)))
        }
        let order = dated.sorted { ($0.time, $0.run) > ($1.time, $1.run) }.map(\.run)
        var keep = Set(order.prefix(max(1, keepRuns)))
        keep.insert(current)
        keep.formUnion(incrementalBase)
        return remove(order, keeping: keep)
    }

    /// The base of the next incremental run (`_pipeline_state.json`), whatever was published since.
    private var incrementalBase: [String] {
        [(try? PipelineState.load(paths))??.baseRun].compactMap { $0 }
    }

    private func remove(_ order: [String], keeping keep: Set<String>) -> [String] {
        let manager = FileManager.default
        var removed: [String] = []
        for run in order where !keep.contains(run) {
            var any = false
            for directory in [paths.raw(run), paths.staging(run)] where manager.fileExists(atPath: directory) {
                try? manager.removeItem(atPath: directory)
                any = true
            }
            if any { removed.append(run) }
        }
        return removed
    }
}
