import Core
import Foundation
import TestSupport
import Testing

@testable import Transform

/// Golden tests: hand-written raw fixtures (Fixtures/golden/*.ndjson, both API shapes) against the
/// expected staging rows and rejects (Fixtures/golden/expected/). Regenerate the expected files after
/// a deliberate mapping change with `UPDATE_GOLDEN=1 swift test --filter GoldenTests`, then review the diff.
@Suite struct GoldenTests {
    static let streams = ["customers", "events", "products", "coupons", "prices", "subscriptions", "invoices", "credit_notes"]

    /// Runs the golden raw run once per test; returns (root, manifest).
    static func run(pipeline: PipelineDefinition? = nil, in dir: TemporaryDirectory) throws -> StagingManifest {
        var lines: [String: [String]] = [:]
        for stream in streams {
            let text = try String(contentsOfFile: try TransformFixtures.fixturePath("golden/\(stream).ndjson"), encoding: .utf8)
            lines[stream] = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        }
        try TransformFixtures.writeRawRun(root: dir.path, runId: "golden", streams: lines, finishedAt: "2025-03-10T00:00:00Z")
        var p = pipeline ?? TransformFixtures.pipeline()
        p.fx.rates = try TransformFixtures.fixturePath("ecb-sample.csv")
        p.fx.supplementary = try TransformFixtures.fixturePath("supplementary-sample.csv")
        let stage = TransformStage(pipeline: p, paths: RunPaths(root: dir.path), schemas: try TransformFixtures.schemas())
        return try stage.run(runId: "golden").manifest
    }

    static var expectedDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures/golden/expected"
    }

    static func compare(_ rows: [String], _ name: String) throws {
        let actual = rows
        let path = expectedDirectory + "/" + name
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(atPath: expectedDirectory, withIntermediateDirectories: true)
            try (actual.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(actual.count == expected.count, "\(name): \(actual.count) rows, expected \(expected.count)")
        for (a, e) in zip(actual, expected) where a != e {
            Issue.record("\(name) differs:\n  actual:   \(a)\n  expected: \(e)")
        }
    }

    @Test(arguments: SchemaSet.tableOrder)
    func tableMatchesGolden(table: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        _ = try Self.run(in: dir)
        try Self.compare(try TransformFixtures.stagingLines(root: dir.path, runId: "golden", table: table), "\(table).ndjson")
    }

    @Test func rejectsMatchGolden() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        _ = try Self.run(in: dir)
        let text = try String(contentsOfFile: RunPaths(root: dir.path).stagingRejects("golden"), encoding: .utf8)
        try Self.compare(text.split(separator: "\n").map(String.init), "rejects.ndjson")
    }
}
