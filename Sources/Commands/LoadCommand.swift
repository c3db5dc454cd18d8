public import ArgumentParser
import Core
import Foundation
public import Load
import Pipeline

/// `stripe-load PIPELINE [--run-id ID] [--output DIR]`, `stripe-load ddl --dialect D` and
/// `stripe-load sql PIPELINE --dialect D [--run-id ID]`.
public struct LoadCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Write a complete staging run as partitioned warehouse files (Parquet by default), published atomically.",
        version: ToolInfo.version,
        subcommands: [LoadRunCommand.self, DDLCommand.self, SQLCommand.self],
        defaultSubcommand: LoadRunCommand.self
    )

    public init() {}
}

public struct LoadRunCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "run", abstract: "Load a staging run into output/warehouse/.")

    @OptionGroup public var stage: StageOptions
    @OptionGroup public var logging: LoggingOptions

    public init() {}

    public func run() throws {
        let (logger, progress) = logging.setUp(label: "stripe-load")
        try runReportingErrors(logger) {
            let context = try StageContext(pipelinePath: stage.pipeline, output: stage.output, logger: logger, progress: progress)
            let lock = try context.lockOutput("stripe-load")
            defer { withExtendedLifetime(lock) {} }
            let runId = try context.resolveRunId(stage.runId, latestOf: context.paths.stagingRoot)
            lock.note("stripe-load \(context.pipeline.name) \(runId)")
            let result = try Stages.load(context, runId: runId)
            print("load \(runId): \(result.alreadyPublished ? "already published" : "published") \(result.manifestPath)")
        }
    }
}

/// Prints CREATE TABLE statements generated from schemas/.
public struct DDLCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ddl", abstract: "Print warehouse DDL generated from schemas/ (BigQuery also gets JSON schemas).")

    @Option(help: "duckdb, postgres, bigquery or snowflake.")
    public var dialect: WarehouseDDL.Dialect
    @Option(help: "A pipeline file, for its schemas directory and partitioning overrides.")
    public var pipeline: String?
    @Option(help: "The schemas directory (default: the pipeline's, else schemas).")
    public var schemas: String?

    public init() {}

    public func run() throws {
        try runReportingErrors(nil) {
            let definition = try pipeline.map { try PipelineDefinition.load(path: $0) }
            let set = try SchemaSet.load(directory: schemas ?? definition?.schemas ?? "schemas")
            let which = dialect
            let partitioning = definition?.load.partitioning ?? [:]
            print(try WarehouseDDL.createTables(set, dialect: which, partitioning: partitioning))
            if which == .bigquery {
                for target in try WarehouseDDL.targets(set, partitioning: partitioning) {
                    print("-- BigQuery JSON schema for \(target.name) (bq load --schema=\(target.name).schema.json):")
                    print(try WarehouseDDL.bigQueryJSONSchema(target))
                }
            }
        }
    }
}
