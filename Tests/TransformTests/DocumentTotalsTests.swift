import Core
import Foundation
import TestSupport
import Testing
@testable import Transform

/// Property test: for every invoice and credit note of a generated account, the totals Stripe states
/// on the document equal the sums of its output lines (DuckDB over the staging files; the check is
/// Fixtures/oracles/rebuild_totals.py).
@Suite struct DocumentTotalsTests {
    @Test(arguments: [(UInt64(9), false), (UInt64(14), true)])
    func everyDocumentsTotalsRebuildFromItsLines(seed: UInt64, expandDiscounts: Bool) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        try TransformFixtures.generateRawRun(root: dir.path, runId: "t", config: AccountConfig(seed: seed, customers: 120, invoices: 500, events: 40), expandDiscounts: expandDiscounts)
        var pipeline = try TransformFixtures.generatedPipeline(directory: dir.path)
        pipeline.transform.maxRejectRatio = 0
        let report = try TransformStage(pipeline: pipeline, paths: RunPaths(root: dir.path), schemas: try TransformFixtures.schemas()).run(runId: "t")
        let paths = RunPaths(root: dir.path)
        let run = try ChildProcess.run("/usr/bin/env", ["python3", try TransformFixtures.fixturePath("oracles/rebuild_totals.py"),
                                                         paths.rawFile("t", stream: "invoices"), paths.stagingFile("t", table: "invoice_lines"),
                                                         paths.rawFile("t", stream: "credit_notes"), paths.stagingFile("t", table: "credit_note_lines")], timeout: 300)
        try #require(run.status == 0, "rebuild_totals.py failed (pip install duckdb; zstd CLI needed): \(run.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: [String: Any]])
        for (kind, stream) in [("invoices", "invoices"), ("credit_notes", "credit_notes")] {
            let r = try #require(result[kind])
            let documents = r["documents"] as? Int ?? 0
            #expect(documents > 0 && report.manifest.inputs[stream] != nil)
            // Every document's totals were compared, field by field.
            let compared = r["compared"] as? [String: Int] ?? [:]
            for field in ["subtotal", "subtotal_excluding_tax", "total", "total_excluding_tax"] + (kind == "credit_notes" ? ["amount", "discount_amount"] : []) {
                #expect(compared[field] == documents, "\(kind).\(field): \(compared)")
            }
            #expect(r["mismatch_count"] as? Int == 0, "\(kind): \(r["mismatches"] ?? [])")
            #expect(r["tax_mismatches"] as? Int == 0, "\(kind) tax")
        }
    }
}
