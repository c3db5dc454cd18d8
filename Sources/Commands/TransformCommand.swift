public import ArgumentParser
import Core
import Foundation
import Pipeline
import Transform

/// `stripe-transform PIPELINE [--run-id ID] [--output DIR]`
public struct TransformCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "transform",
        abstract: "Map a complete raw run into the schema tables under output/staging/<run_id>/ (rejects and manifest included).",
        discussion:
            "A re-run of a run id reuses the exchange rates it was first transformed with; --refresh-rates takes the current ones instead.",
        version: ToolInfo.version
    )

    @OptionGroup public var stage: StageOptions
    @Flag(name: .long, help: "Use the current rates instead of the ones this run was first transformed with.")
    public var refreshRates = false
    @OptionGroup public var logging: LoggingOptions

    public init() {}

    public func run() throws {
        let (logger, progress) = logging.setUp(label: "stripe-transform")
        try runReportingErrors(logger) {
            let context = try StageContext(pipelinePath: stage.pipeline, output: stage.output, logger: logger, progress: progress)
            let lock = try context.lockOutput("stripe-transform")
            defer { withExtendedLifetime(lock) {} }
            let runId = try context.resolveRunId(stage.runId, latestOf: context.paths.rawRoot)
            lock.note("stripe-transform \(context.pipeline.name) \(runId)")
            let report = try Stages.transform(context, runId: runId, refreshRates: refreshRates)
            let rows = report.manifest.tables.values.reduce(0) { $0 + $1.rowsOut }
            let rejected = report.manifest.tables.values.reduce(0) { $0 + $1.rowsRejected }
            print("transform \(runId): \(rows) rows, \(rejected) rejected, in \(context.paths.staging(runId))")
        }
    }
}
