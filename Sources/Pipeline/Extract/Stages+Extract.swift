public import Core
public import Extract
public import Foundation
import Logging

extension Stages {
    /// Extract: the key from the environment or key file, the API base from the flag, the pipeline, or
    /// the in-process demo server when the pipeline has a `demo:` section.
    public static func extract(
        _ context: StageContext, runId: String, apiBase: String? = nil,
        mode: ExtractStage.Mode = .full(reason: "requested"),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> RawManifest {
        let complete = FileManager.default.fileExists(atPath: context.paths.rawManifest(runId))
        if context.pipeline.demo != nil && apiBase == nil && !complete {
            let demo = try DemoServer.start(context.pipeline, logger: context.logger)
            defer { demo.stop() }
            let stage = ExtractStage(
                pipeline: context.pipeline, paths: context.paths, key: demo.key, apiBase: demo.baseURL,
                logger: context.logger, progress: context.progress)
            return try stage.run(runId: runId, mode: mode)
        }
        if complete { return try RawManifest.read(paths: context.paths, runId: runId) }
        let key = try APIKey.load(pipeline: context.pipeline, environment: environment)
        let stage = ExtractStage(
            pipeline: context.pipeline, paths: context.paths, key: key, apiBase: apiBase,
            logger: context.logger, progress: context.progress)
        return try stage.run(runId: runId, mode: mode)
    }
}
