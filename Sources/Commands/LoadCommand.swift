import ArgumentParser
import Core
import Foundation
import Load
import Pipeline

/// `stripe-load PIPELINE [--run-id ID] [--output DIR]` and `stripe-load ddl --dialect D`.
public struct LoadCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Write a complete staging run as partitioned warehouse files (Parquet by default), published atomically.",
        subcommands: [LoadRunCommand.self, DDLCommand.self],
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
    public static let configuration = CommandConfiguration(commandName: "ddl", abstract: "Print warehouse DDL generated from schemas/ (BigQuery also gets JSON schemas).")

    @Option(help: "duckdb, postgres, bigquery or snowflake.")
    public var dialect: String
    @Option(help: "A pipeline file, for its schemas directory and partitioning overrides.")
    public var pipeline: String?
    @Option(help: "The schemas directory (default: the pipeline's, else schemas).")
    public var schemas: String?

    public init() {}

    public func validate() throws {
        guard WarehouseDDL.Dialect(rawValue: dialect) != nil else {
            throw ValidationError("--dialect must be duckdb, postgres, bigquery or snowflake")
        }
    }

    public func run() throws {
        let definition = try pipeline.map { try PipelineDefinition.load(path: $0) }
        let set = try SchemaSet.load(directory: schemas ?? definition?.schemas ?? "schemas")
        let which = WarehouseDDL.Dialect(rawValue: dialect)!
        let partitioning = definition?.load.partitioning ?? [:]
        print(try WarehouseDDL.createTables(set, dialect: which, partitioning: partitioning))
        if which == .bigquery {
            for table in set.tables {
                print("-- BigQuery JSON schema for \(table.table) (bq load --schema=\(table.table).json):")
                print(try WarehouseDDL.bigQueryJSONSchema(table, partitioning: partitioning[table.table]))
            }
        }
    }
}
