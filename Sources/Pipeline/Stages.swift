import Foundation
import Core
import Extract
import Logging

/// The stage runners the commands call; each reads only the previous stage's files.
public enum Stages {
    /// Extract: the key from the environment or key file, the API base from the flag, the pipeline, or
    /// the in-process demo server when the pipeline has a `demo:` section.
    public static func extract(_ context: StageContext, runId: String, apiBase: String? = nil,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> RawManifest {
        if context.pipeline.demo != nil && apiBase == nil {
            let demo = try DemoServer.start(context.pipeline, logger: context.logger)
            defer { demo.stop() }
            let stage = ExtractStage(pipeline: context.pipeline, paths: context.paths, key: demo.key, apiBase: demo.baseURL,
                                     logger: context.logger, progress: context.progress)
            return try stage.run(runId: runId)
        }
        let key = try APIKey.load(pipeline: context.pipeline, environment: environment)
        let stage = ExtractStage(pipeline: context.pipeline, paths: context.paths, key: key, apiBase: apiBase,
                                 logger: context.logger, progress: context.progress)
        return try stage.run(runId: runId)
    }
}
