public import Core
import Foundation
import ModuleErrors

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A run as published in one kept warehouse version: what load scripts read, by absolute path,
/// so they keep reading that version however many loads publish after it (while it is kept).
public struct PublishedRun: Sendable {
    public var runId: String
    /// The version directory's name under `.warehouse-versions/`.
    public var version: String
    /// Absolute, symlink-free path of the version directory.
    public var versionPath: String
    public var manifest: WarehouseManifest

    /// The published run (`runId` nil), or the newest kept version that published `runId`.
    public static func resolve(paths: RunPaths, runId: String?) throws -> PublishedRun {
        let versions = WarehouseVersions(paths: paths)
        guard let current = try versions.currentVersion() else {
            throw LoadError(.staging, "nothing is published under \(paths.warehouse); run the load stage first")
        }
        let history = try versions.history(current: current, now: 0)
        let candidates = [current] + history.map(\.version).reversed()
        let wanted = runId ?? WarehouseVersions.runId(ofVersion: current)
        try RunPaths.validate(runId: wanted)
        guard
            let version = candidates.first(where: {
                WarehouseVersions.runId(ofVersion: $0) == wanted
                    && FileManager.default.fileExists(atPath: versions.versionPath($0) + "/_runs/\(wanted).json")
            })
        else {
            let kept = Set(history.map(\.runId) + [WarehouseVersions.runId(ofVersion: current)]).sorted()
            throw LoadError(
                .staging,
                "run \(wanted) is not published in a kept warehouse version (kept: \(kept.joined(separator: ", "))); publish it with `stripe-load PIPELINE --run-id \(wanted)` first"
            )
        }
        guard let resolved = realpath(versions.versionPath(version), nil) else {
            throw LoadError(.io, "cannot resolve \(versions.versionPath(version)): \(String(cString: strerror(errno)))")
        }
        defer { free(resolved) }
        let path = String(cString: resolved)
        let manifest = try ManifestCoding.read(WarehouseManifest.self, from: path + "/_runs/\(wanted).json", stage: "load")
        return PublishedRun(runId: wanted, version: version, versionPath: path, manifest: manifest)
    }

    /// The warehouse tables of this run, in schema order (each dimension table then its
    /// history), after checking that the run was loaded with today's schemas.
    public func targets(_ schemas: SchemaSet) throws -> [WarehouseDDL.Target] {
        var targets: [WarehouseDDL.Target] = []
        for schema in schemas.tables {
            guard let table = manifest.tables[schema.table] else { continue }
            guard table.schemaHash == schema.hash else {
                throw LoadError(
                    .staging,
                    "table \(schema.table): run \(runId) was loaded with schema sha256 \(table.schemaHash), but \(schema.path) is now \(schema.hash); re-run transform and load for this run"
                )
            }
            guard let by = PartitionSpec.Granularity(rawValue: table.partitionBy) else {
                throw LoadError(.staging, "table \(schema.table): run \(runId)'s manifest has partition_by '\(table.partitionBy)'")
            }
            targets.append(
                WarehouseDDL.Target(
                    schema: schema, name: schema.table, partitionColumn: table.partitionColumn, partitionBy: by, isHistory: false))
            if by == .snapshot {
                targets.append(
                    WarehouseDDL.Target(
                        schema: schema, name: WarehouseDDL.historyName(schema.table), partitionColumn: table.partitionColumn,
                        partitionBy: by, isHistory: true))
            }
        }
        return targets
    }
}
