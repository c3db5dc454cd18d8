import Core
import Foundation
import Rates
import StripeSimulator
import TestSupport
import Testing
import Zstd

@testable import Transform

@Suite struct StageTests {
    /// A basil-shaped invoice with `count` lines built in code (large line counts stay out of the fixtures).
    static func invoiceLine(_ invoice: String, _ n: Int, currency: String, amount: Int) -> String {
        let kind =
            n % 3 == 2
            ? #"{"invoice_item_details":{"invoice_item":"ii_\#(n)","proration":false,"proration_details":{"credited_items":null},"subscription":null},"subscription_item_details":null,"type":"invoice_item_details"}"#
            : #"{"invoice_item_details":null,"subscription_item_details":{"invoice_item":null,"proration":\#(n % 3 == 1),"proration_details":{"credited_items":null},"subscription":"sub_9","subscription_item":"si_9_\#(n % 2)"},"type":"subscription_item_details"}"#
        return
            #"{"id":"il_\#(invoice)_\#(n)","object":"line_item","amount":\#(amount),"currency":"\#(currency)","description":"line \#(n)","discount_amounts":[],"livemode":false,"parent":\#(kind),"period":{"end":1741255200,"start":1741168800},"pricing":{"price_details":{"price":"price_m","product":"prod_1"},"type":"price_details","unit_amount_decimal":"\#(amount)"},"quantity":1,"taxes":[]}"#
    }

    static func invoice(_ id: String, lines count: Int, currency: String = "usd") -> String {
        let lines = (0..<count).map { invoiceLine(id, $0, currency: currency, amount: 100 * $0 - 50) }
        return
            #"{"id":"\#(id)","object":"invoice","created":1741165200,"currency":"\#(currency)","customer":"cus_A","livemode":false,"lines":{"object":"list","data":[\#(lines.joined(separator: ","))],"has_more":false,"total_count":\#(count)},"number":"N-\#(id)","status":"paid","status_transitions":{"finalized_at":1741168800}}"#
    }

    func runFixtureRates(
        _ dir: TemporaryDirectory, streams: [String: [String]], pipeline: PipelineDefinition = TransformFixtures.pipeline(),
        options: TransformStage.Options = TransformStage.Options(), runId: String = "r"
    ) throws -> TransformReport {
        try TransformFixtures.writeRawRun(root: dir.path, runId: runId, streams: streams, finishedAt: "2025-03-10T00:00:00Z")
        var p = pipeline
        if p.fx.rates == nil { p.fx.rates = try TransformFixtures.fixturePath("ecb-sample.csv") }
        if p.fx.supplementary == nil { p.fx.supplementary = try TransformFixtures.fixturePath("supplementary-sample.csv") }
        return try TransformStage(pipeline: p, paths: RunPaths(root: dir.path), schemas: try TransformFixtures.schemas(), options: options)
            .run(runId: runId)
    }

    @Test func invoicesWithZeroOneElevenAnd250Lines() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let counts = [0, 1, 11, 250]
        let report = try runFixtureRates(dir, streams: ["invoices": counts.map { Self.invoice("in_\($0)", lines: $0) }])
        let table = try #require(report.manifest.tables["invoice_lines"])
        #expect(table.rowsIn == 262 && table.rowsOut == 262 && table.rowsRejected == 0)
        let rows = try TransformFixtures.stagingLines(root: dir.path, runId: "r", table: "invoice_lines").map(TransformFixtures.parse)
        #expect(rows.count == 262)
        for n in counts {
            let mine = rows.filter { ($0["invoice_id"] as? String) == "in_\(n)" }
            #expect(mine.count == n)
            #expect(mine.map { $0["line_id"] as! String } == (0..<n).map { "il_in_\(n)_\($0)" }, "lines keep invoice order")
            let staged: Int = mine.map { $0["amount"] as! Int }.reduce(0, +)
            let expected: Int = (0..<n).map { 100 * $0 - 50 }.reduce(0, +)
            #expect(staged == expected)
        }
        let big = rows.filter { ($0["invoice_id"] as? String) == "in_250" }
        #expect(big.filter { ($0["line_type"] as? String) == "invoice_item" }.count == 83)
        #expect(big.filter { ($0["proration"] as? Bool) == true }.count == 83)
        #expect(
            report.manifest.quality["invoice_lines.amount_sum.usd.staged"] == report.manifest.quality["invoice_lines.amount_sum.usd.raw"])
    }

    @Test func everySchemaColumnIsProducedAndNothingElse() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        _ = try GoldenTests.run(in: dir)
        for table in try TransformFixtures.schemas().tables {
            let names = table.columns.map(\.name)
            let lines = try TransformFixtures.stagingLines(root: dir.path, runId: "golden", table: table.table)
            #expect(!lines.isEmpty)
            var seenNonNull = Set<String>()
            for line in lines {
                // Keys in schema order, exactly once each (JSONSerialization would hide order and duplicates).
                var keys: [String] = []
                let document = try FixtureJSON.parse(line)
                guard case .object(let pairs) = document else { Issue.record("not an object: \(line)"); continue }
                for (key, value) in pairs {
                    keys.append(key)
                    if value != .null { seenNonNull.insert(key) }
                }
                #expect(keys == names, "\(table.table): \(line)")
            }
            let neverSet = names.filter { !seenNonNull.contains($0) }
            #expect(neverSet.isEmpty, "\(table.table): golden fixtures never fill \(neverSet)")
        }
    }

    @Test func sameInputAndRatesGiveIdenticalBytes() throws {
        let a = try TemporaryDirectory(), b = try TemporaryDirectory()
        defer { a.cleanup(); b.cleanup() }
        let config = AccountConfig(seed: 11, customers: 40, invoices: 30, events: 30)
        for dir in [a, b] {
            try TransformFixtures.generateRawRun(root: dir.path, runId: "d", config: config)
            let pipeline = try TransformFixtures.generatedPipeline(directory: dir.path)
            _ = try TransformStage(pipeline: pipeline, paths: RunPaths(root: dir.path), schemas: try TransformFixtures.schemas()).run(
                runId: "d")
        }
        // Running a second time over the same run id must also give the same bytes.
        let pipeline = try TransformFixtures.generatedPipeline(directory: a.path)
        _ = try TransformStage(pipeline: pipeline, paths: RunPaths(root: a.path), schemas: try TransformFixtures.schemas()).run(runId: "d")
        for file in SchemaSet.tableOrder.map({ "\($0).ndjson.zst" }) + ["rejects.ndjson", "_manifest.json"] {
            let x = try Data(contentsOf: URL(fileURLWithPath: RunPaths(root: a.path).staging("d") + "/" + file))
            let y = try Data(contentsOf: URL(fileURLWithPath: RunPaths(root: b.path).staging("d") + "/" + file))
            #expect(x == y, "\(file) differs between identical runs")
        }
    }

    /// The parallel, single-scan path gives the bytes of the one-thread path and of the general
    /// (validating, multi-scan) path, for batches that split the stream several times.
    @Test func mappingThreadsAndSinglePassDoNotChangeBytes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        try TransformFixtures.generateRawRun(
            root: dir.path, runId: "p", config: AccountConfig(seed: 3, customers: 60, invoices: 700, events: 20))
        let pipeline = try TransformFixtures.generatedPipeline(directory: dir.path)
        var outputs: [[Data]] = []
        for (threads, validate) in [(1, true), (1, false), (2, false), (3, false)] {
            var options = TransformStage.Options()
            options.mappingThreads = threads
            options.validateInput = validate
            _ = try TransformStage(
                pipeline: pipeline, paths: RunPaths(root: dir.path), schemas: try TransformFixtures.schemas(), options: options
            ).run(runId: "p")
            outputs.append(
                try (SchemaSet.tableOrder.map { "\($0).ndjson.zst" } + ["rejects.ndjson"]).map {
                    try Data(contentsOf: URL(fileURLWithPath: RunPaths(root: dir.path).staging("p") + "/" + $0))
                })
        }
        let invoices = try Data(contentsOf: URL(fileURLWithPath: RunPaths(root: dir.path).rawFile("p", stream: "invoices")))
        #expect(invoices.count > 0)
        for (i, output) in outputs.enumerated().dropFirst() {
            #expect(output == outputs[0], "run \(i) differs from the one-thread validating run")
        }
        let rows = try TransformFixtures.stagingLines(root: dir.path, runId: "p", table: "invoice_lines")
        #expect(rows.count >= 700)
    }

    @Test func rerunReusesPinnedRatesUnlessRefreshed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let streams = ["invoices": [Self.invoice("in_1", lines: 2)]]
        let first = try runFixtureRates(dir, streams: streams)
        let before = try TransformFixtures.stagingLines(root: dir.path, runId: "r", table: "invoice_lines")
        // Newer rates: USD 2.0 per EUR on the same days.
        let newer = dir.appending("newer.csv")
        try "Date,USD,JPY,GBP,KRW,\n2025-03-07,2.0000,160.00,0.83000,1500.00,\n2025-03-03,2.0000,160.00,0.83000,1500.00,\n".write(
            toFile: newer, atomically: true, encoding: .utf8)
        var pipeline = TransformFixtures.pipeline()
        pipeline.fx.rates = newer
        let again = try runFixtureRates(dir, streams: streams, pipeline: pipeline)
        #expect(again.manifest.ratesSha256 == first.manifest.ratesSha256)
        #expect(try TransformFixtures.stagingLines(root: dir.path, runId: "r", table: "invoice_lines") == before)
        var refresh = TransformStage.Options()
        refresh.refreshRates = true
        let refreshed = try runFixtureRates(dir, streams: streams, pipeline: pipeline, options: refresh)
        #expect(refreshed.manifest.ratesSha256 != first.manifest.ratesSha256)
        let rows = try TransformFixtures.stagingLines(root: dir.path, runId: "r", table: "invoice_lines").map(TransformFixtures.parse)
        #expect(rows.first?["fx_rate"] as? String == "0.500000000000")
    }

    @Test func refusesARunWithoutManifestOrWithAlteredInput() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        try TransformFixtures.writeRawRun(root: dir.path, runId: "r", streams: ["invoices": [Self.invoice("in_1", lines: 1)]])
        var pipeline = TransformFixtures.pipeline()
        pipeline.fx.rates = try TransformFixtures.fixturePath("ecb-sample.csv")
        let stage = TransformStage(pipeline: pipeline, paths: RunPaths(root: dir.path), schemas: try TransformFixtures.schemas())
        #expect(throws: CoreError.self) { try stage.run(runId: "missing") }
        // Same length, different bytes: the checksum must catch it.
        let path = RunPaths(root: dir.path).rawFile("r", stream: "invoices")
        let other = try TemporaryDirectory()
        defer { other.cleanup() }
        try TransformFixtures.writeRawRun(root: other.path, runId: "r", streams: ["invoices": [Self.invoice("in_2", lines: 1)]])
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: RunPaths(root: other.path).rawFile("r", stream: "invoices"), toPath: path)
        #expect(throws: TransformError.self) { try stage.run(runId: "r") }
        #expect(!FileManager.default.fileExists(atPath: RunPaths(root: dir.path).stagingManifest("r")))
    }

    @Test func tooManyRejectsFailsTheRunWithoutAManifest() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        var pipeline = TransformFixtures.pipeline(maxRejectRatio: 0.1)
        pipeline.fx.rates = try TransformFixtures.fixturePath("ecb-sample.csv")
        #expect(throws: TransformError.self) {
            _ = try runFixtureRates(dir, streams: ["invoices": [Self.invoice("in_1", lines: 3), "{not json"]], pipeline: pipeline)
        }
        #expect(!FileManager.default.fileExists(atPath: RunPaths(root: dir.path).stagingManifest("r")))
        #expect(try TransformFixtures.rejects(root: dir.path, runId: "r").count == 1)
    }

    @Test func livePipelineRejectsTestObjects() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let report = try runFixtureRates(
            dir, streams: ["invoices": [Self.invoice("in_1", lines: 2)]], pipeline: TransformFixtures.pipeline(mode: .live))
        #expect(report.manifest.tables["invoice_lines"]?.rowsRejected == 2)
        let rejects = try TransformFixtures.rejects(root: dir.path, runId: "r")
        #expect(
            rejects.allSatisfy {
                ($0["code"] as? String) == "livemode_mismatch"
                    && ($0["reason"] as? String)?.contains("test-mode object in a live-mode pipeline") == true
            })
    }

    @Test func identityKeyFromMetadataAndMRRAtRunDate() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let pipeline = TransformFixtures.pipeline(identityKey: "metadata.user_id", mrrDate: .runDate)
        _ = try GoldenTests.run(pipeline: pipeline, in: dir)
        let customers = try TransformFixtures.stagingLines(root: dir.path, runId: "golden", table: "customers").map(TransformFixtures.parse)
        let a = try #require(customers.first { $0["customer_id"] as? String == "cus_A" })
        #expect(a["identity_key"] as? String == "u_1" && a["identity_key_source"] as? String == "metadata.user_id")
        let g = try #require(customers.first { $0["customer_id"] as? String == "cus_G" })
        #expect(g["identity_key"] as? String == "cus_G" && g["identity_key_source"] as? String == "id")
        let subs = try TransformFixtures.stagingLines(root: dir.path, runId: "golden", table: "subscriptions").map(TransformFixtures.parse)
        #expect(subs.allSatisfy { $0["fx_rate_date"] as? String == "2025-03-10" }, "fx.mrr_date run_date converts at the snapshot date")
    }

    /// The evaluator's conversion (used for every money column and MRR) equals the rates module's own.
    @Test func conversionAgreesWithRatesTable() throws {
        let table = try RatesTable(ecbPath: try RatesStore.shippedSnapshotPath())
        var generator = SplitMix64(seed: 5, tag: 1, index: 0)
        let currencies = ["usd", "jpy", "gbp", "krw", "eur", "chf", "sek"]
        let settings = MappingSettings(
            identityKey: "email", livemode: false, reportingCurrency: "usd", reportingExponent: 2, mrrDate: .created, runDay: 0)
        let plan = try TablePlan(schema: try #require(try TransformFixtures.schemas().table("invoice_lines")), settings: settings)
        let evaluator = RowEvaluator(plan: plan, catalog: TransformCatalog(), settings: settings, rates: table)
        for _ in 0..<2_000 {
            let currency = currencies[generator.below(currencies.count)]
            let day = UTCDate.parseDay("2015-01-01")! + generator.below(3_000)
            let minor = Int64(generator.below(2_000_000_000)) - 1_000_000_000
            let theirs = try table.convert(minorUnits: minor, currency: currency, on: day, to: "usd")
            let rate = try table.convert(minorUnits: 0, currency: currency, on: day, to: "usd")
            let mine = try evaluator.convert(
                ExactDecimal(minorUnits: minor, exponent: Currency.exponent(of: currency)!),
                .init(
                    sourcePerEUR: rate.sourceRatePerEUR, reportingPerEUR: rate.reportingRatePerEUR, rate: rate.rate, rateDay: rate.rateDay))
            #expect(mine == theirs.amount, "\(minor) \(currency) on \(UTCDate.dayString(day))")
        }
    }
}
