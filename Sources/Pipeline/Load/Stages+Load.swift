import Core
public import Load

extension Stages {
    /// Load: staging run -> published warehouse tree, manifest last.
    public static func load(_ context: StageContext, runId: String) throws -> LoadStage.Result {
        try LoadStage(paths: context.paths, schemas: context.schemas, options: LoadOptions(pipeline: context.pipeline)).run(runId: runId)
    }
}
