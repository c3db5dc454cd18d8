import Core
import Extract
public import Foundation
import JSON
import Load
import Logging
import Transform
import Zstd

/// `stripe-etl run`: extract, transform and load for one run id, under the output's lock, each as
/// its own step with its own manifest; stops at the first failed stage.
public struct PipelineRunner {
    public let context: StageContext

    public init(context: StageContext) { self.context = context }

    /// Runs (or resumes) every stage. A stage whose manifest exists is kept unless `redo` is set
    /// (extract is never redone: a finished raw run is the record of what Stripe returned).
    public func run(
        runId given: String?, apiBase: String?, redo: Bool = false, fullRefresh: Bool = false,
        now: @Sendable () -> Date = { Date() }
    ) throws -> RunSummary {
        let lock = try context.lockOutput("stripe-etl run")
        defer { withExtendedLifetime(lock) {} }
        let paths = context.paths
        let runId = try context.resumeOrNewRunId(given) { paths.isPublished($0) }
        lock.note("stripe-etl run \(context.pipeline.name) \(runId)")
        let logger = context.logger
        logger.info("run started", metadata: ["run.id": .string(runId), "pipeline": .string(context.pipeline.name)])

        let mode = try chooseMode(runId: runId, fullRefresh: fullRefresh, now: Int64(now().timeIntervalSince1970))
        let raw = try Stages.extract(context, runId: runId, apiBase: apiBase, mode: mode)
        logger.info(
            "stage finished",
            metadata: [
                "run.id": .string(runId), "stage": "extract",
                "objects": .stringConvertible(raw.streams.values.reduce(0) { $0 + $1.objects })
            ])

        // A finished transform is kept only if it passes today's reject check: a run that failed it
        // (exit 65) is transformed again when resumed, so a fixed configuration takes effect and
        // rejected data is never loaded.
        var kept: StagingManifest? = nil
        if !redo, FileManager.default.fileExists(atPath: context.paths.stagingManifest(runId)) {
            let existing = try StagingManifest.read(paths: context.paths, runId: runId)
            if (try? Stages.checkRejectRatio(context, runId: runId, existing)) != nil {
                kept = existing
                logger.info("transform already complete", metadata: ["run.id": .string(runId)])
            }
        }
        let staging: StagingManifest
        if let kept {
            staging = kept
        } else {
            RatesRefresh.refreshIfDue(context)
            staging = try Stages.transform(context, runId: runId).manifest
        }
        logger.info(
            "stage finished",
            metadata: [
                "run.id": .string(runId), "stage": "transform",
                "rows": .stringConvertible(staging.tables.values.reduce(0) { $0 + $1.rowsOut })
            ])

        let loaded = try Stages.load(context, runId: runId)
        logger.info("stage finished", metadata: ["run.id": .string(runId), "stage": "load", "manifest": .string(loaded.manifestPath)])
        try advanceState(runId: runId, raw: raw, now: Int64(now().timeIntervalSince1970))
        var summary = try RunSummary(context: context, runId: runId, staging: staging, warehouse: loaded.manifest)
        summary.sync = raw.sync
        return summary
    }

    /// Full or incremental, from the pipeline state (see `PipelineState.decide`); a forced full
    /// refresh because the cursor is too old is a warning, in the log and in the summary.
    private func chooseMode(runId: String, fullRefresh: Bool, now: Int64) throws -> ExtractStage.Mode {
        let paths = context.paths
        if FileManager.default.fileExists(atPath: paths.rawManifest(runId)) { return .full(reason: "extract already complete") }
        let state = try PipelineState.load(paths)
        let decision = PipelineState.decide(state, pipeline: context.pipeline, fullRefresh: fullRefresh, now: now) { base in
            guard base != runId, FileManager.default.fileExists(atPath: paths.rawManifest(base)) else { return nil }
            return try? RawManifest.read(paths: paths, runId: base)
        }
        switch decision {
        case .full(let reason, let loud):
            if loud {
                context.logger.warning("FULL REFRESH: \(reason)", metadata: ["run.id": .string(runId)])
            } else {
                context.logger.info("full extract", metadata: ["run.id": .string(runId), "reason": .string(reason)])
            }
            return .full(reason: reason)
        case .incremental(let base, let cursor, let atCursor):
            return .incremental(IncrementalExtract.Base(runId: base, cursor: cursor, eventsAtCursor: atCursor))
        }
    }

    /// After a publish: this run is the base of the next one.
    private func advanceState(runId: String, raw: RawManifest, now: Int64) throws {
        guard let sync = raw.sync else { return }
        let previous = try PipelineState.load(context.paths)
        let full = sync.mode == "full"
        let state = PipelineState(
            baseRun: runId, eventsCursor: sync.eventsCursor, eventsAtCursor: sync.eventsAtCursor,
            lastFullRun: full ? runId : previous?.lastFullRun ?? runId,
            // When the full run read the account (its events cursor: the extract's start less
            // the lag), not when it was published: a re-published old run keeps its age.
            lastFullRefreshAt: full ? min(sync.eventsCursor, now) : previous?.lastFullRefreshAt ?? now)
        try state.save(context.paths)
    }
}
