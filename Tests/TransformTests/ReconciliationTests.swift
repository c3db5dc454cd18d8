import Core
import Foundation
import StripeSimulator
import TestSupport
import Testing

@testable import Transform

/// Property-style: for generated raw runs (several seeds and sizes, some lines damaged), every table
/// reconciles exactly: rows in = rows out + rows rejected, the staging file holds rows out lines, the
/// rejects file holds rows rejected entries for the table, and rows in counts the source units.
@Suite struct ReconciliationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let seed: UInt64
        let customers: Int
        let invoices: Int
        let damageEvery: Int
        var testDescription: String { "seed \(seed), \(customers) customers, \(invoices) invoices, damage every \(damageEvery)" }
    }

    static let cases = [
        Case(seed: 1, customers: 30, invoices: 20, damageEvery: 0),
        Case(seed: 2, customers: 55, invoices: 45, damageEvery: 7),
        Case(seed: 3, customers: 12, invoices: 8, damageEvery: 3),
        Case(seed: 4, customers: 80, invoices: 60, damageEvery: 11)
    ]

    @Test(arguments: cases)
    func countsReconcile(_ c: Case) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        var config = AccountConfig(seed: c.seed, customers: c.customers, invoices: c.invoices, events: 40)
        config.currencies = c.seed % 2 == 0 ? ["usd", "eur", "gbp", "jpy", "krw", "bhd"] : ["usd", "jpy", "bhd"]
        let generator = AccountGenerator(config)
        let rendering = AccountGenerator.Rendering(expandDiscounts: c.seed % 2 == 1)
        var streams: [String: [String]] = [:]
        var expectedUnits: [String: Int] = [:]
        let unitTable: [FixtureStream: String] = [
            .customers: "customers", .prices: "prices", .subscriptions: "subscriptions", .invoices: "invoice_lines",
            .creditNotes: "credit_note_lines"
        ]
        for stream in FixtureStream.allCases {
            var lines: [String] = []
            for (n, index) in generator.expectedIndices(stream).enumerated() {
                let original = String(decoding: generator.completeLine(stream, index, rendering: rendering), as: UTF8.self)
                var line = original
                var units = 1
                switch stream {
                case .invoices: units = generator.invoiceLineCount(index)
                case .creditNotes: units = generator.creditNoteLineCount(index)
                case .subscriptions: units = generator.subscriptionItemCount(index)
                default: break
                }
                if c.damageEvery > 0, unitTable[stream] != nil, n % c.damageEvery == 1 {
                    switch n % 3 {
                    case 0:
                        // Truncated: the document is rejected whole, its rows counted in the raw bytes:
                        // every unit whose object starts before the cut (at least one).
                        let cut = line.count / 2
                        line = String(line.prefix(cut))
                        units = max(1, try Self.unitsStarting(before: cut, in: original, stream: stream))
                    case 1: line = line.replacingOccurrences(of: "\"livemode\":false", with: "\"livemode\":true")
                    default: line = line.replacingOccurrences(of: "\"currency\":\"", with: "\"currency\":\"q")
                    }
                }
                lines.append(line)
                if let table = unitTable[stream] { expectedUnits[table, default: 0] += units }
            }
            streams[stream.rawValue] = lines
        }
        // Deleted customers arrive through customer.deleted events, one unit each.
        expectedUnits["customers", default: 0] += generator.deletedCustomerCount
        try TransformFixtures.writeRawRun(root: dir.path, runId: "p", streams: streams, finishedAt: "2025-06-01T00:00:00Z")
        let pipeline = try TransformFixtures.generatedPipeline(directory: dir.path)
        let manifest = try TransformStage(pipeline: pipeline, paths: RunPaths(root: dir.path), schemas: try TransformFixtures.schemas())
            .run(runId: "p").manifest
        let rejects = try TransformFixtures.rejects(root: dir.path, runId: "p")
        for table in SchemaSet.tableOrder {
            let t = try #require(manifest.tables[table])
            #expect(t.rowsIn == t.rowsOut + t.rowsRejected, "\(table)")
            #expect(t.rowsIn == expectedUnits[table], "\(table): rows in counts source units")
            #expect(try TransformFixtures.stagingLines(root: dir.path, runId: "p", table: table).count == t.rowsOut, "\(table)")
            #expect(rejects.filter { $0["table"] as? String == table }.count == t.rowsRejected, "\(table)")
            if c.damageEvery == 0 { #expect(t.rowsRejected == 0, "\(table): a clean generated run has no rejects") }
        }
        if c.damageEvery > 0 { #expect(!rejects.isEmpty) }
        // A document is mapped whole or rejected whole: no document has rows on both sides.
        for table in ["invoice_lines", "credit_note_lines", "subscriptions"] {
            let parent = table == "invoice_lines" ? "invoice_id" : table == "credit_note_lines" ? "credit_note_id" : "subscription_id"
            let staged = Set(
                try TransformFixtures.stagingLines(root: dir.path, runId: "p", table: table).map {
                    try TransformFixtures.parse($0)[parent] as? String ?? ""
                })
            for reject in rejects where reject["table"] as? String == table {
                if let id = reject["object_id"] as? String { #expect(!staged.contains(id), "\(table): \(id) is half loaded") }
            }
        }
        for reject in rejects {
            #expect((reject["line"] as? Int ?? 0) >= 1)
            #expect(!(reject["reason"] as? String ?? "").isEmpty)
        }
    }

    /// How many units of `line` (the complete document) open their object before byte `cut`: found
    /// from the units' ids in the parsed document (`"id":"<id>"` and the `{` before it).
    static func unitsStarting(before cut: Int, in line: String, stream: FixtureStream) throws -> Int {
        let object = try TransformFixtures.parse(line)
        let list = (stream == .subscriptions ? object["items"] : object["lines"]) as? [String: Any]
        let ids = (list?["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        let bytes = Array(line.utf8)
        var n = 0
        for id in ids {
            guard let range = line.range(of: "\"id\":\"\(id)\"") else { continue }
            var p = line.utf8.distance(from: line.utf8.startIndex, to: range.lowerBound)
            while p > 0 && bytes[p] != UInt8(ascii: "{") { p -= 1 }
            if p < cut { n += 1 }
        }
        return n
    }
}
