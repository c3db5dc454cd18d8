public import ArgumentParser
import Core
import Extract
import Foundation
import Pipeline

/// `stripe-extract PIPELINE [--run-id ID] [--output DIR] [--api-base URL]`
public struct ExtractCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Page every enabled Stripe stream into output/raw/<run_id>/ (zstd NDJSON, manifest last).",
        discussion:
            "The key comes from STRIPE_API_KEY or the pipeline's stripe.key_file, never from arguments. Without --run-id a killed or failed extract (no raw manifest yet) is resumed; --run-id resumes a given one.",
        version: ToolInfo.version
    )

    @OptionGroup public var stage: StageOptions
    @Option(name: .long, help: "Base URL of a Stripe-compatible API (default: the pipeline's stripe.api_base).")
    public var apiBase: String?
    @OptionGroup public var logging: LoggingOptions

    public init() {}

    public func run() throws {
        let (logger, progress) = logging.setUp(label: "stripe-extract")
        try runReportingErrors(logger) {
            let context = try StageContext(pipelinePath: stage.pipeline, output: stage.output, logger: logger, progress: progress)
            let lock = try context.lockOutput("stripe-extract")
            defer { withExtendedLifetime(lock) {} }
            let paths = context.paths
            let runId = try context.resumeOrNewRunId(stage.runId) { FileManager.default.fileExists(atPath: paths.rawManifest($0)) }
            lock.note("stripe-extract \(context.pipeline.name) \(runId)")
            let manifest = try Stages.extract(context, runId: runId, apiBase: apiBase)
            print("extract \(runId): \(manifest.streams.values.reduce(0) { $0 + $1.objects }) objects in \(context.paths.raw(runId))")
        }
    }
}
