import Core
import Foundation
import ModuleErrors
import Rates
import StripeSimulator
import TestSupport
import Zstd

@testable import Transform

/// Shared helpers: the repository's schemas, a pipeline, a small ECB rates file, raw runs.
enum TransformFixtures {
    /// The repository root (Tests/TransformTests/<this file> -> ../..).
    static let repositoryRoot: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }()

    static var schemaDirectory: String { repositoryRoot + "/schemas" }

    static func schemas() throws -> SchemaSet { try SchemaSet.load(directory: schemaDirectory) }

    static func fixturePath(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw CoreError(.io, "fixture \(name) is missing from Tests/TransformTests/Fixtures")
        }
        return url.path
    }

    static func pipeline(
        mode: PipelineDefinition.Mode = .test, identityKey: String = "email", mrrDate: PipelineDefinition.MRRDate = .created,
        maxRejectRatio: Double = 1.0, reporting: String = "EUR"
    ) -> PipelineDefinition {
        var pipeline = PipelineDefinition(name: "transform-test", path: "transform-test.yaml", mode: mode)
        pipeline.transform.identityKey = identityKey
        pipeline.transform.maxRejectRatio = maxRejectRatio
        pipeline.fx.mrrDate = mrrDate
        pipeline.fx.reportingCurrency = reporting
        pipeline.fx.maxStalenessDays = 7
        return pipeline
    }

    /// Writes raw/<runId>/ from NDJSON lines per stream (as-is, so malformed lines can be tested).
    static func writeRawRun(
        root: String, runId: String, streams: [String: [String]], livemode: Bool = false,
        finishedAt: String = "2025-06-01T00:00:00Z"
    ) throws {
        try writeRawRun(
            root: root, runId: runId, bytes: streams.mapValues { $0.map { Array($0.utf8) } }, livemode: livemode, finishedAt: finishedAt)
    }

    /// Writes raw/<runId>/ from lines given as bytes (e.g. with invalid UTF-8 that a String would repair).
    static func writeRawRun(
        root: String, runId: String, bytes streams: [String: [[UInt8]]], livemode: Bool = false,
        finishedAt: String = "2025-06-01T00:00:00Z"
    ) throws {
        let paths = RunPaths(root: root)
        try AtomicFile.createDirectory(paths.raw(runId))
        var entries: [String: RawManifest.Stream] = [:]
        for (stream, lines) in streams {
            let path = paths.rawFile(runId, stream: stream)
            let writer = try ZstdFileWriter(path: path)
            var bytes = 0
            for line in lines {
                try writer.write(line + [UInt8(ascii: "\n")])
                bytes += line.count + 1
            }
            try writer.close()
            entries[stream] = RawManifest.Stream(
                file: try FileEntry.describe(path: path, relativeTo: paths.raw(runId)),
                objects: lines.count, requests: 0, uncompressedBytes: bytes, windows: 1)
        }
        let manifest = RawManifest(
            runId: runId, pipeline: "transform-test", stripeApiVersion: "2025-03-31.basil", accountId: nil,
            livemode: livemode, startedAt: finishedAt, finishedAt: finishedAt, apiBase: "fixture", streams: entries)
        try ManifestCoding.write(manifest, to: paths.rawManifest(runId))
    }

    /// Decompresses a staging file into its lines.
    static func stagingLines(root: String, runId: String, table: String) throws -> [String] {
        let reader = try ZstdLineReader(path: RunPaths(root: root).stagingFile(runId, table: table))
        var lines: [String] = []
        while let line = try reader.nextLine() { lines.append(String(decoding: line, as: UTF8.self)) }
        return lines
    }

    static func rejects(root: String, runId: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: RunPaths(root: root).stagingRejects(runId), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    static func parse(_ line: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
    }
}

extension TransformFixtures {
    /// A supplementary rates file with a BHD rate for every day of 2019-2026 (ECB publishes none).
    static func writeSupplementaryBHD(to path: String, ratePerEUR: String = "0.4100") throws {
        var text = "date,currency,rate_per_eur\n"
        let first = UTCDate.parseDay("2019-01-01")!
        let last = UTCDate.parseDay("2026-12-31")!
        for day in first...last { text += "\(UTCDate.dayString(day)),BHD,\(ratePerEUR)\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Generates a raw run with the fixture generator; returns the generator.
    @discardableResult
    static func generateRawRun(root: String, runId: String, config: AccountConfig, expandDiscounts: Bool = true) throws -> AccountGenerator
    {
        let generator = AccountGenerator(config)
        let writer = RawRunWriter(
            generator: generator, rendering: AccountGenerator.Rendering(expandDiscounts: expandDiscounts), compressionLevel: 1)
        try writer.write(outputRoot: root, runId: runId)
        return generator
    }

    /// A pipeline with the shipped ECB snapshot plus a BHD supplementary file in `directory`.
    static func generatedPipeline(directory: String, mode: PipelineDefinition.Mode = .test) throws -> PipelineDefinition {
        var pipeline = Self.pipeline(mode: mode)
        let supplementary = directory + "/supplementary.csv"
        try writeSupplementaryBHD(to: supplementary)
        pipeline.fx.rates = try RatesStore.shippedSnapshotPath()
        pipeline.fx.supplementary = supplementary
        return pipeline
    }
}
