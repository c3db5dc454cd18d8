public import ArgumentParser
public import Core
import Foundation
public import Logging
import ModuleErrors
public import Pipeline
import Zstd

extension LogFormat: ExpressibleByArgument {}

/// Logging switches every command takes.
public struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "auto (readable on a terminal, JSON lines otherwise), human or json.")
    public var logFormat: LogFormat = .auto

    @Flag(name: .long, help: "Only warnings and errors.")
    public var quiet = false

    @Flag(name: .long, help: "Debug detail.")
    public var verbose = false

    public init() {}

    /// Bootstraps logging once and returns the logger and the progress reporter to use.
    public func setUp(label: String) -> (Logger, any ProgressReporter) {
        let format = logFormat
        LogSetup.bootstrap(format: format, level: quiet ? .warning : verbose ? .debug : .info)
        let logger = Logger(label: label)
        let terminal = format != .json && LogSetup.stderrIsTerminal
        let progress: any ProgressReporter
        if quiet {
            progress = SilentProgress()
        } else if terminal {
            progress = TerminalProgress()
        } else {
            progress = LogProgress(logger: logger)
        }
        return (logger, progress)
    }
}

/// What every stage command takes: the pipeline file, the run id and the output root.
public struct StageOptions: ParsableArguments {
    @Argument(help: "The pipeline file, e.g. pipelines/demo.yaml.")
    public var pipeline: String

    @Option(
        name: .long,
        help:
            "The run to create, resume or redo (default for extract and run: the newest run if unfinished, else a new one; for transform and load: the newest run)."
    )
    public var runId: String?

    @Option(name: .long, help: "Output root (default: the pipeline's output, else output/).")
    public var output: String?

    public init() {}
}

/// Runs a command body, turning any error into a clear message and its exit code. A command with
/// logging options logs it (and, unless the log is JSON, repeats it as a plain last line on
/// stderr); the commands without them (`ddl`, `docs`, `validate`; `logger` nil) print it to
/// stderr, so they too end with their error's class instead of the argument parser's 1.
func runReportingErrors(_ logger: Logger?, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        let status = ExitStatus.of(error)
        let text = "\(error)" + fixHint(error)
        logger?.error("\(ExitStatus.summary(of: error)): \(text)", metadata: ["exit.code": .stringConvertible(status.rawValue)])
        // JSON logs carry the error already; people get it once more as a plain last line.
        if logger == nil || !LogSetup.usesJSON {
            FileHandle.standardError.write(Data("error: \(text)\n".utf8))
        }
        throw ExitCode(status.rawValue)
    }
}

/// How to get past a damaged input file, for errors whose own message cannot know the run: a
/// resumed run would meet the same file again.
func fixHint(_ error: any Error) -> String {
    guard let error = error as? ZstdError, error.code == .truncated || error.code == .corrupt else { return "" }
    return "; the file is damaged: move its run directory aside (raw/<run_id> or staging/<run_id>) and run again, or pass a new --run-id"
}
