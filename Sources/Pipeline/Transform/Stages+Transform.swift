public import Core
import Foundation
public import Transform

extension Stages {
    /// Transform: raw run -> staging run. The stage itself refuses a table whose reject ratio is above
    /// the pipeline's `transform.max_reject_ratio` (`TransformError.tooManyRejects`, exit 65) before it
    /// publishes anything.
    public static func transform(_ context: StageContext, runId: String, refreshRates: Bool = false) throws -> TransformReport {
        var options = TransformStage.Options()
        options.refreshRates = refreshRates
        let progress = context.progress
        let stage = TransformStage(pipeline: context.pipeline, paths: context.paths, schemas: context.schemas, options: options) { event in
            progress.report(ProgressEvent(stage: "transform", item: event.table, count: event.rowsOut, finished: true))
        }
        return try stage.run(runId: runId)
    }

    /// Fails with `dataRejected` when a table of a finished staging run rejected more than
    /// `transform.max_reject_ratio` of its rows (such a run is never loaded): a resumed run checks the
    /// run it would keep against today's setting. Identical duplicates lose nothing (their kept copy
    /// is in the output) and do not count, as in the transform's own check.
    public static func checkRejectRatio(_ context: StageContext, runId: String, _ manifest: StagingManifest) throws {
        for (name, table) in manifest.tables.sorted(by: { $0.key < $1.key }) where table.rowsIn > 0 {
            let duplicates = manifest.quality["rejects.\(name).duplicate"].flatMap { Int($0) } ?? 0
            let lost = table.rowsRejected - duplicates
            let ratio = Double(lost) / Double(table.rowsIn)
            if ratio > context.pipeline.transform.maxRejectRatio {
                throw StageFailure(
                    .dataRejected,
                    "transform \(runId): table \(name) rejected \(lost) of \(table.rowsIn) rows (\(String(format: "%.2f", ratio * 100))%), above transform.max_reject_ratio \(context.pipeline.transform.maxRejectRatio); see \(context.paths.stagingRejects(runId)) for each row's reason"
                )
            }
        }
    }
}
