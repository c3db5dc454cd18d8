public import Foundation
public import Core
public import Extract
public import Load
public import Transform
import Logging

/// The stage runners the commands call; each reads only the previous stage's files.
public enum Stages {
    /// Extract: the key from the environment or key file, the API base from the flag, the pipeline, or
    /// the in-process demo server when the pipeline has a `demo:` section.
    public static func extract(_ context: StageContext, runId: String, apiBase: String? = nil,
                               mode: ExtractStage.Mode = .full(reason: "requested"),
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> RawManifest {
        let complete = FileManager.default.fileExists(atPath: context.paths.rawManifest(runId))
        if context.pipeline.demo != nil && apiBase == nil && !complete {
            let demo = try DemoServer.start(context.pipeline, logger: context.logger)
            defer { demo.stop() }
            let stage = ExtractStage(pipeline: context.pipeline, paths: context.paths, key: demo.key, apiBase: demo.baseURL,
                                     logger: context.logger, progress: context.progress)
            return try stage.run(runId: runId, mode: mode)
        }
        if complete { return try RawManifest.read(paths: context.paths, runId: runId) }
        let key = try APIKey.load(pipeline: context.pipeline, environment: environment)
        let stage = ExtractStage(pipeline: context.pipeline, paths: context.paths, key: key, apiBase: apiBase,
                                 logger: context.logger, progress: context.progress)
        return try stage.run(runId: runId, mode: mode)
    }
}

extension Stages {
    /// Transform: raw run -> staging run; fails with `dataRejected` when a table's reject ratio is
    /// above the pipeline's `transform.max_reject_ratio`.
    public static func transform(_ context: StageContext, runId: String, refreshRates: Bool = false) throws -> TransformReport {
        var options = TransformStage.Options()
        options.refreshRates = refreshRates
        let progress = context.progress
        let stage = TransformStage(pipeline: context.pipeline, paths: context.paths, schemas: context.schemas, options: options) { event in
            progress.report(ProgressEvent(stage: "transform", item: event.table, count: event.rowsOut, finished: true))
        }
        let report = try stage.run(runId: runId)
        try checkRejectRatio(context, runId: runId, report.manifest)
        return report
    }

    /// Fails with `dataRejected` when a table of a staging run rejected more than
    /// `transform.max_reject_ratio` of its rows (such a run is never loaded). Identical duplicates
    /// lose nothing (their kept copy is in the output) and do not count, as in the transform's own check.
    public static func checkRejectRatio(_ context: StageContext, runId: String, _ manifest: StagingManifest) throws {
        for (name, table) in manifest.tables.sorted(by: { $0.key < $1.key }) where table.rowsIn > 0 {
            let duplicates = manifest.quality["rejects.\(name).duplicate"].flatMap { Int($0) } ?? 0
            let lost = table.rowsRejected - duplicates
            let ratio = Double(lost) / Double(table.rowsIn)
            if ratio > context.pipeline.transform.maxRejectRatio {
                throw StageFailure(.dataRejected, "transform \(runId): table \(name) rejected \(lost) of \(table.rowsIn) rows (\(String(format: "%.2f", ratio * 100))%), above transform.max_reject_ratio \(context.pipeline.transform.maxRejectRatio); see \(context.paths.stagingRejects(runId)) for each row's reason")
            }
        }
    }

    /// Load: staging run -> published warehouse tree, manifest last.
    public static func load(_ context: StageContext, runId: String) throws -> LoadStage.Result {
        try LoadStage(paths: context.paths, schemas: context.schemas, options: LoadOptions(pipeline: context.pipeline)).run(runId: runId)
    }
}
