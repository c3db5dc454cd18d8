public import ArgumentParser
import Core
import Foundation
public import Load
import Pipeline

extension WarehouseDDL.Dialect: ExpressibleByArgument {}

/// `stripe-load sql PIPELINE --dialect D [--run-id ID]`: the DDL and load script of a published run.
public struct SQLCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sql",
        abstract: "Write the DDL and load script that make a warehouse's tables equal to a published run.",
        discussion: """
            Writes <output>/sql/<version>/<dialect>/: ddl.sql (idempotent CREATE TABLE IF NOT EXISTS with primary keys), \
            load.sql (load.sh and JSON schemas for BigQuery; for Postgres also csv/, the run as zstd CSV for psql's \\copy). \
            Applying the load script any number of times, after any other run's, leaves every table equal to the run's files. \
            Prints the two script paths.
            """
    )

    @OptionGroup public var stage: StageOptions
    @Option(help: "duckdb, postgres, bigquery or snowflake.")
    public var dialect: WarehouseDDL.Dialect
    @OptionGroup public var logging: LoggingOptions

    public init() {}

    public func run() throws {
        let (logger, progress) = logging.setUp(label: "stripe-load")
        try runReportingErrors(logger) {
            let context = try StageContext(pipelinePath: stage.pipeline, output: stage.output, logger: logger, progress: progress)
            let lock = try RunLock(path: context.paths.lockFile, owner: "stripe-load sql \(context.pipeline.name)")
            defer { withExtendedLifetime(lock) {} }
            let written = try LoadScriptWriter(paths: context.paths, schemas: context.schemas).write(dialect: dialect, runId: stage.runId)
            print(written.ddl)
            print(written.load)
        }
    }
}
