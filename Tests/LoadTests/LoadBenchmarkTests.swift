import Core
import Foundation
@testable import Load
import Testing

/// The benchmark entry points `stripe-bench` calls load what they say and leave nothing behind.
@Suite struct LoadBenchmarkTests {
    @Test func syntheticAndExistingStagingRunsLoadThroughTheRealPath() throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let schemas = LoadFixture.repositoryRoot + "/schemas"
        let work = fixture.root + "/bench"
        let synthetic = try LoadBenchmark.loadSyntheticInvoiceLines(count: 2_500, schemasDirectory: schemas, workDirectory: work)
        #expect(synthetic.rows == 2_500)
        #expect(synthetic.bytes > 0 && (synthetic.inputBytes ?? 0) > 0)
        #expect(!FileManager.default.fileExists(atPath: work))

        try fixture.writeStagingRun("run1", rows: ["invoice_lines": 1_200, "customers": 30])
        let existing = try LoadBenchmark.loadStagingRun(outputRoot: fixture.root, runId: "run1", schemasDirectory: schemas,
                                                        scratchRoot: fixture.root + "/scratch")
        #expect(existing.rows == 1_230)
        #expect(existing.description.contains("rows/s"))
        #expect(!FileManager.default.fileExists(atPath: fixture.paths.warehouse), "the benchmark must not touch the real tree")
        #expect(!FileManager.default.fileExists(atPath: fixture.root + "/scratch"))
    }
}
