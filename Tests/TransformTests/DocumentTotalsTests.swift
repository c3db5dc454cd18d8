import Core
import Foundation
import StripeSimulator
import TestSupport
import Testing

@testable import Transform

/// Property test: for every invoice and credit note of a generated account, the totals Stripe states
/// on the document equal the sums of its output lines (DuckDB over the staging files; the check is
/// Fixtures/oracles/rebuild_totals.py).
@Suite struct DocumentTotalsTests {
    @Test(arguments: [(UInt64(9), false), (UInt64(14), true)])
    func everyDocumentsTotalsRebuildFromItsLines(seed: UInt64, expandDiscounts: Bool) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        // ACCEPTANCE_CUSTOMERS=2000 runs the acceptance size (2 invoices per customer).
        let customers = Int(ProcessInfo.processInfo.environment["ACCEPTANCE_CUSTOMERS"] ?? "") ?? 120
        try TransformFixtures.generateRawRun(
            root: dir.path, runId: "t",
            config: AccountConfig(seed: seed, customers: customers, invoices: max(500, customers * 2), events: 40),
            expandDiscounts: expandDiscounts)
        var pipeline = try TransformFixtures.generatedPipeline(directory: dir.path)
        pipeline.transform.maxRejectRatio = 0
        let report = try TransformStage(pipeline: pipeline, paths: RunPaths(root: dir.path), schemas: try TransformFixtures.schemas()).run(
            runId: "t")
        let paths = RunPaths(root: dir.path)
        let run = try await ChildProcess.run(
            "/usr/bin/env",
            [
                "python3", try TransformFixtures.fixturePath("oracles/rebuild_totals.py"),
                paths.rawFile("t", stream: "invoices"), paths.stagingFile("t", table: "invoice_lines"),
                paths.rawFile("t", stream: "credit_notes"), paths.stagingFile("t", table: "credit_note_lines")
            ], timeout: 300)
        try #require(run.status == 0, "rebuild_totals.py failed (pip install duckdb; zstd CLI needed): \(run.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: [String: Any]])
        for (kind, stream) in [("invoices", "invoices"), ("credit_notes", "credit_notes")] {
            let r = try #require(result[kind])
            let documents = r["documents"] as? Int ?? 0
            #expect(documents > 0 && report.manifest.inputs[stream] != nil)
            // Every document's totals were compared, field by field.
            let compared = r["compared"] as? [String: Int] ?? [:]
            for field in ["subtotal", "subtotal_excluding_tax", "total", "total_excluding_tax"]
                + (kind == "credit_notes" ? ["amount", "discount_amount"] : [])
            {
                #expect(compared[field] == documents, "\(kind).\(field): \(compared)")
            }
            #expect(r["mismatch_count"] as? Int == 0, "\(kind): \(r["mismatches"] ?? [])")
            #expect(r["tax_mismatches"] as? Int == 0, "\(kind) tax")
        }
    }

    /// Credit-note discount split: every discounted line's coupon is resolved from the invoice's own
    /// discount objects, also when the discount has ended and left the subscription (repeating).
    @Test func creditNoteDiscountSplitComesFromTheDocument() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let generator = try TransformFixtures.generateRawRun(
            root: dir.path, runId: "d", config: AccountConfig(seed: 3, customers: 200, invoices: 900, creditNotes: 300, events: 40))
        let pipeline = try TransformFixtures.generatedPipeline(directory: dir.path)
        _ = try TransformStage(pipeline: pipeline, paths: RunPaths(root: dir.path), schemas: try TransformFixtures.schemas()).run(
            runId: "d")
        // Independently: discount id -> coupon duration from the raw invoices' discount objects, and
        // the discount ids still on subscriptions.
        var durations: [String: String] = [:]
        for index in generator.expectedIndices(.invoices) {
            let invoice = try TransformFixtures.parse(String(decoding: generator.completeLine(.invoices, index), as: UTF8.self))
            for case let discount as [String: Any] in invoice["discounts"] as? [Any] ?? [] {
                if let id = discount["id"] as? String, let coupon = discount["coupon"] as? [String: Any] {
                    durations[id] = coupon["duration"] as? String
                }
            }
        }
        var onSubscriptions = Set<String>()
        for index in generator.expectedIndices(.subscriptions) {
            let subscription = try TransformFixtures.parse(String(decoding: generator.completeLine(.subscriptions, index), as: UTF8.self))
            for case let discount as [String: Any] in subscription["discounts"] as? [Any] ?? [] {
                if let id = discount["id"] as? String { onSubscriptions.insert(id) }
            }
        }
        var rawLines: [String: [[String: Any]]] = [:]
        for index in generator.expectedIndices(.creditNotes) {
            let note = try TransformFixtures.parse(String(decoding: generator.completeLine(.creditNotes, index), as: UTF8.self))
            for case let line as [String: Any] in (note["lines"] as? [String: Any])?["data"] as? [Any] ?? [] {
                rawLines[line["id"] as! String] = line["discount_amounts"] as? [[String: Any]] ?? []
            }
        }
        var discounted = 0
        var endedDiscounts = 0
        for text in try TransformFixtures.stagingLines(root: dir.path, runId: "d", table: "credit_note_lines") {
            let row = try TransformFixtures.parse(text)
            let amounts = try #require(rawLines[row["credit_note_line_id"] as! String])
            var temporary = 0, permanent = 0
            for entry in amounts {
                let id = try #require(entry["discount"] as? String)
                let duration = try #require(durations[id], "discount \(id) is on no invoice")
                if duration == "forever" { permanent += entry["amount"] as! Int } else { temporary += entry["amount"] as! Int }
                if !onSubscriptions.contains(id) { endedDiscounts += 1 }
            }
            if !amounts.isEmpty { discounted += 1 }
            #expect(row["discount_amount_temporary"] as? Int == temporary, "\(row["credit_note_line_id"] ?? "")")
            #expect(row["discount_amount_permanent"] as? Int == permanent, "\(row["credit_note_line_id"] ?? "")")
        }
        #expect(discounted > 0)
        #expect(endedDiscounts > 0, "some credited discounts have ended and left their subscription")
    }
}
