public import Core
import Foundation
import Load
public import Logging
import ModuleErrors

/// The stage runners the commands call, one file per stage (`Extract/Stages+Extract.swift`,
/// `Transform/Stages+Transform.swift`, `Load/Stages+Load.swift`); each reads only the previous
/// stage's files.
public enum Stages {}

/// What every stage command shares: the pipeline, the output root, logging and progress.
public struct StageContext {
    public var pipeline: PipelineDefinition
    public var paths: RunPaths
    public var schemas: SchemaSet
    public var logger: Logger
    public var progress: any ProgressReporter

    /// Loads the pipeline and schemas; `output` overrides the pipeline's output root.
    public init(pipelinePath: String, output: String?, logger: Logger, progress: any ProgressReporter) throws {
        pipeline = try PipelineDefinition.load(path: pipelinePath)
        paths = RunPaths(root: output ?? pipeline.output)
        schemas = try SchemaSet.load(directory: pipeline.schemas)
        self.logger = logger
        self.progress = progress
    }

    public init(pipeline: PipelineDefinition, paths: RunPaths, schemas: SchemaSet, logger: Logger, progress: any ProgressReporter) {
        self.pipeline = pipeline
        self.paths = paths
        self.schemas = schemas
        self.logger = logger
        self.progress = progress
    }

    /// Takes the output root's lock for `command` (every command that writes under the root takes
    /// the same `<output>/.lock`; a second one exits 75 naming the holder), then removes what
    /// killed predecessors left behind. Keep the returned lock alive while writing.
    public func lockOutput(_ command: String) throws -> RunLock {
        let lock = try RunLock(path: paths.lockFile, owner: "\(command) \(pipeline.name)")
        for path in Self.removeLeftovers(paths) {
            logger.info("removed a leftover of an interrupted run", metadata: ["path": .string(path)])
        }
        return lock
    }

    /// Removes what killed commands left under an output root (the caller holds its lock): raw
    /// runs' parts and state once their manifest exists, temporary files, unpublished warehouse
    /// versions. Returns the removed paths.
    @discardableResult
    public static func removeLeftovers(_ paths: RunPaths) -> [String] {
        paths.removeLeftovers() + LoadStage.removeInterruptedVersions(paths: paths)
    }

    /// The run `stripe-extract` and `stripe-etl run` work on: the given one; else the newest run
    /// when `isComplete` says it is unfinished (a killed or failed run resumes by default, as the
    /// cron and systemd recipes start without `--run-id`); else a new one. Call under the lock.
    public func resumeOrNewRunId(_ given: String?, isComplete: (String) -> Bool) throws -> String {
        if let given {
            try RunPaths.validate(runId: given)
            return given
        }
        if let unfinished = paths.latestIncompleteRun(isComplete: isComplete) {
            logger.info("resuming the newest unfinished run", metadata: ["run.id": .string(unfinished)])
            return unfinished
        }
        return paths.unusedRunId()
    }

    /// The run id to use: the given one, else the newest raw run (for transform/load), else a new one.
    public func resolveRunId(_ given: String?, latestOf directory: String? = nil) throws -> String {
        if let given {
            try RunPaths.validate(runId: given)
            return given
        }
        if let directory {
            let runs = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
            guard let latest = runs.last else {
                throw CoreError(.incompleteRun, "no runs under \(directory); run the previous stage first or pass --run-id")
            }
            return latest
        }
        return RunPaths.newRunId()
    }
}
