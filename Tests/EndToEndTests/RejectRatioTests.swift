import Core
import Foundation
import Logging
import Pipeline
import Testing

/// The run's reject check agrees with the transform's: identical duplicates lose nothing and do not
/// count towards `transform.max_reject_ratio`; every other reject does.
struct RejectRatioTests {
    func manifest(rowsIn: Int, rejected: Int, duplicates: Int) -> StagingManifest {
        let entry = FileEntry(file: "invoice_lines.ndjson.zst", bytes: 0, sha256: "")
        return StagingManifest(
            runId: "r", pipeline: "p", snapshotDate: "2026-12-01", rawManifestSha256: "", inputs: [:],
            tables: [
                "invoice_lines": .init(file: entry, schemaHash: "", rowsIn: rowsIn, rowsOut: rowsIn - rejected, rowsRejected: rejected)
            ],
            rejects: entry, reportingCurrency: nil, ratesSha256: nil,
            quality: duplicates > 0 ? ["rejects.invoice_lines.duplicate": String(duplicates)] : [:])
    }

    @Test func identicalDuplicatesDoNotCountOtherRejectsDo() throws {
        var pipeline = PipelineDefinition(name: "p", path: "p.yaml", mode: .test)
        pipeline.transform.maxRejectRatio = 0.01
        let context = StageContext(
            pipeline: pipeline, paths: RunPaths(root: "/nonexistent"), schemas: try SchemaSet.load(directory: "schemas"),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), progress: SilentProgress())
        // 50 of 1,000 rejected, all identical duplicates: nothing lost.
        try Stages.checkRejectRatio(context, runId: "r", manifest(rowsIn: 1_000, rejected: 50, duplicates: 50))
        // 50 rejected of which 11 are not duplicates: 1.1% lost, above 1%.
        #expect(throws: StageFailure.self) {
            try Stages.checkRejectRatio(context, runId: "r", manifest(rowsIn: 1_000, rejected: 50, duplicates: 39))
        }
        #expect(throws: StageFailure.self) {
            try Stages.checkRejectRatio(context, runId: "r", manifest(rowsIn: 1_000, rejected: 11, duplicates: 0))
        }
    }
}
