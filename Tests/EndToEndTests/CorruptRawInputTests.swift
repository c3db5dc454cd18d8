import Core
import Foundation
import StripeSimulator
import TestSupport
import Testing
import Zstd

/// Issue 11's acceptance for the transform: for every corruption class of a raw file (its manifest
/// rewritten to match, as a faulty extract would have written it), `stripe-etl transform` either
/// rejects the whole affected document with a reason (exit 0, the counts reconcile) or fails with a
/// message naming the file and exit 74; it never exits 0 with rows missing.
@Suite struct CorruptRawInputTests {
    enum Corruption: String, CaseIterable, Sendable {
        case truncatedFile, garbage, emptyFile, lostLine, damagedLine
    }

    /// A small generated raw run (USD and EUR only: no supplementary rates needed), corrupted.
    static func prepare(_ corruption: Corruption, in directory: TemporaryDirectory) throws -> (pipeline: String, out: String) {
        let out = directory.appending("out")
        var config = AccountConfig(seed: 5, customers: 15, invoices: 30, events: 10)
        config.currencies = ["usd", "eur"]
        try RawRunWriter(generator: AccountGenerator(config), compressionLevel: 1).write(outputRoot: out, runId: "c")
        let paths = RunPaths(root: out)
        let file = paths.rawFile("c", stream: "invoices")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        var lines: [[UInt8]] = []
        let reader = try ZstdLineReader(path: file)
        while let line = try reader.nextLine() { lines.append(Array(line)) }
        func recompress() throws {
            let writer = try ZstdFileWriter(path: file, level: 1)
            for line in lines { try writer.write(line + [0x0A]) }
            try writer.close()
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        }
        switch corruption {
        case .truncatedFile: bytes = Array(bytes.prefix(bytes.count * 6 / 10))
        case .garbage: var r = SplitMix64(seed: 3); bytes = (0..<bytes.count).map { _ in UInt8(truncatingIfNeeded: r.next()) }
        case .emptyFile: bytes = []
        case .lostLine: lines.remove(at: 7); try recompress()
        case .damagedLine:
            // The invoice with the most lines: the ":" after its 2nd line's "id" turned into a bad byte.
            let texts = lines.map { String(decoding: $0, as: UTF8.self) }
            let n = try #require(
                texts.indices.max { texts[$0].ranges(of: "{\"id\":\"il_").count < texts[$1].ranges(of: "{\"id\":\"il_").count })
            let second = try #require(texts[n].ranges(of: "{\"id\":\"il_").dropFirst(1).first)
            lines[n][texts[n].utf8.distance(from: texts[n].utf8.startIndex, to: second.lowerBound) + 5] = 0xFF
            try recompress()
        }
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        var manifest = try RawManifest.read(paths: paths, runId: "c")
        manifest.streams["invoices"]?.file = try FileEntry.describe(path: file, relativeTo: paths.raw("c"))
        try ManifestCoding.write(manifest, to: paths.rawManifest("c"))
        let pipeline = try TestPipelines.write(
            "name: corrupt\nmode: test\ntransform:\n  max_reject_ratio: 1\n", to: directory.appending("corrupt.yaml"))
        return (pipeline, out)
    }

    @Test(arguments: Corruption.allCases)
    func corruptionIsRejectedWholeOrFailsWithExit74(_ corruption: Corruption) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (pipeline, out) = try Self.prepare(corruption, in: directory)
        let result = try await E2E.etl(["transform", pipeline, "--output", out, "--run-id", "c"], timeout: 60)
        let manifestPath = RunPaths(root: out).stagingManifest("c")
        if corruption == .damagedLine {
            #expect(result.status == 0, "\(result)")
            let manifest = try StagingManifest.read(paths: RunPaths(root: out), runId: "c")
            let table = try #require(manifest.tables["invoice_lines"])
            #expect(table.rowsIn == table.rowsOut + table.rowsRejected)
            #expect(table.rowsRejected > 1, "the damaged invoice is rejected with all of its lines")
            let rejects = try String(contentsOfFile: RunPaths(root: out).stagingRejects("c"), encoding: .utf8)
            #expect(rejects.contains("\"code\":\"malformed_json\""))
        } else {
            #expect(result.status == 74, "\(corruption): \(result)")
            #expect(result.stderr.contains("invoices"), "\(corruption): the message names the file: \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: manifestPath), "\(corruption): no staging manifest for a damaged run")
        }
    }
}
