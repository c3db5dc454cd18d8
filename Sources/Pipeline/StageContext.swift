import Foundation
import Core
import Logging

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
