public import ArgumentParser
import Core
import Foundation
import ModuleErrors
import Pipeline
import Rates
import Transform

/// `stripe-etl`: the whole pipeline, and every stage, in one tool.
public struct ETLCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "stripe-etl",
        abstract: "Stripe billing data to warehouse-ready files: extract, transform, load.",
        discussion: "Exit codes: " + ExitStatus.allCases.map { "\($0.rawValue) \($0.summary)" }.joined(separator: "; ") + ".",
        version: ToolInfo.version,
        subcommands: [
            RunCommand.self, ValidateCommand.self, ExtractCommand.self, TransformCommand.self, LoadCommand.self,
            RatesCommand.self, DocsCommand.self
        ]
    )

    public init() {}
}

/// `stripe-etl run PIPELINE`: extract, transform and load one run.
public struct RunCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "run",
        abstract:
            "Run extract, transform and load for one run (the newest if it is unfinished, else a new one; --run-id to resume or redo a given one), then print a summary."
    )

    @OptionGroup public var stage: StageOptions
    @Option(name: .long, help: "Base URL of a Stripe-compatible API (default: the pipeline's; the demo pipeline serves its own).")
    public var apiBase: String?
    @Flag(name: .long, help: "Transform and load again even if this run already has their manifests.")
    public var redo = false
    @Flag(name: .long, help: "Extract everything instead of only the changes since the last published run.")
    public var fullRefresh = false
    @OptionGroup public var logging: LoggingOptions

    public init() {}

    public func run() throws {
        let (logger, progress) = logging.setUp(label: "stripe-etl")
        try runReportingErrors(logger) {
            let context = try StageContext(pipelinePath: stage.pipeline, output: stage.output, logger: logger, progress: progress)
            let summary = try PipelineRunner(context: context).run(
                runId: stage.runId, apiBase: apiBase, redo: redo, fullRefresh: fullRefresh)
            if !logging.quiet { print(summary.text) }
        }
    }
}

/// `stripe-etl validate PIPELINE`: checks the pipeline file and schemas without touching the network.
public struct ValidateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a pipeline file and the schemas it uses, without touching the network."
    )

    @Argument(help: "The pipeline file.")
    public var pipeline: String

    public init() {}

    public func run() throws {
        try runReportingErrors(nil) {
            let definition = try PipelineDefinition.load(path: pipeline)
            let schemas = try SchemaSet.load(directory: definition.schemas)
            for required in SchemaSet.tableOrder where schemas.table(required) == nil {
                throw CoreError(.schema, "\(definition.schemas)/\(required).json is missing; every table needs its schema")
            }
            if let rates = definition.fx.rates, !FileManager.default.fileExists(atPath: rates) {
                throw CoreError(
                    .configuration,
                    "\(pipeline): fx.rates names \(rates), which does not exist; remove it to use the rates store or run `stripe-etl rates update`"
                )
            }
            guard Currency.exponent(of: definition.fx.reportingCurrency) != nil else {
                throw CoreError(
                    .configuration,
                    "\(pipeline): fx.reporting_currency \(definition.fx.reportingCurrency) is not a currency Stripe supports")
            }
            print(
                "\(pipeline): ok (\(definition.mode.rawValue) mode, streams: \(definition.enabledStreams.joined(separator: ", ")); \(schemas.tables.count) schemas in \(schemas.directory); output \(definition.output))"
            )
        }
    }
}

/// `stripe-etl rates update PIPELINE`: downloads the ECB history into the rates store, atomically.
public struct RatesCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "rates", abstract: "Manage the exchange-rate store.", subcommands: [RatesUpdateCommand.self])
    public init() {}
}

public struct RatesUpdateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Download the ECB reference-rate history (validated, then swapped in atomically; the old file stays on any failure)."
    )

    @Argument(help: "The pipeline file (for fx.update_url and the output root).")
    public var pipeline: String
    @Option(name: .long, help: "Output root (default: the pipeline's).")
    public var output: String?
    @Option(name: .long, help: "Download from this URL instead of fx.update_url.")
    public var url: String?
    @Flag(
        name: .long, help: "Install the download even if it covers less, or moves further (fx.max_rate_change), than the rates it replaces."
    )
    public var force = false
    @OptionGroup public var logging: LoggingOptions

    public init() {}

    public func run() throws {
        let (logger, _) = logging.setUp(label: "stripe-etl")
        try runReportingErrors(logger) {
            let definition = try PipelineDefinition.load(path: pipeline)
            let paths = RunPaths(root: output ?? definition.output)
            // The rates store is under the output root: the same lock as every other writer there.
            let lock = try RunLock(path: paths.lockFile, owner: "stripe-etl rates update \(definition.name)")
            defer { withExtendedLifetime(lock) {} }
            StageContext.removeLeftovers(paths)
            let result = try RatesRefresh.download(definition, paths: paths, url: url, force: force)
            print(
                "rates updated: \(result.path) (\(UTCDate.dayString(result.firstDay)) to \(UTCDate.dayString(result.lastDay)), sha256 \(result.sha256))"
            )
        }
    }
}

/// `stripe-etl docs`: regenerates schemas/MAPPING.md from schemas/*.json.
public struct DocsCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "docs", abstract: "Regenerate schemas/MAPPING.md (Stripe field -> column, per table) from schemas/*.json.")

    @Option(help: "The schemas directory.")
    public var schemas = "schemas"

    public init() {}

    public func run() throws {
        try runReportingErrors(nil) {
            let set = try SchemaSet.load(directory: schemas)
            try AtomicFile.write(SchemaDocumentation.markdown(set), to: schemas + "/MAPPING.md")
            print("wrote \(schemas)/MAPPING.md")
        }
    }
}
