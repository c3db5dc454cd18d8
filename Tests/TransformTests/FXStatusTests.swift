import Core
import Foundation
import StripeSimulator
import TestSupport
import Testing

@testable import Transform

/// A missing exchange rate never deletes a row: the row is kept with null reporting columns and an
/// fx_status saying why, counted in the manifest.
@Suite struct FXStatusTests {
    /// An ECB-shaped CSV with constant rates on every weekday from 2019-01-01 to `last` (no KRW series).
    static func writeRates(to path: String, last: String) throws {
        var text = "Date,USD,JPY,GBP,\n"
        let first = UTCDate.parseDay("2019-01-01")!
        for day in (first...UTCDate.parseDay(last)!).reversed() where (day + 4) % 7 < 5 {
            text += "\(UTCDate.dayString(day)),1.0800,160.00,0.85000,\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func rowsWithoutARateAreKeptWithFXStatus() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let customers = Int(ProcessInfo.processInfo.environment["ACCEPTANCE_CUSTOMERS"] ?? "") ?? 120
        // The account ends on 2025-06-01; rates stop 31 days earlier.
        try TransformFixtures.generateRawRun(
            root: dir.path, runId: "fx", config: AccountConfig(seed: 11, customers: customers, invoices: customers * 2, events: 40))
        var pipeline = try TransformFixtures.generatedPipeline(directory: dir.path)
        pipeline.transform.maxRejectRatio = 0
        pipeline.fx.rates = dir.appending("ecb.csv")
        try Self.writeRates(to: dir.appending("ecb.csv"), last: "2025-05-01")
        let report = try TransformStage(pipeline: pipeline, paths: RunPaths(root: dir.path), schemas: try TransformFixtures.schemas()).run(
            runId: "fx")
        let manifest = report.manifest
        for (table, counts) in manifest.tables {
            #expect(counts.rowsRejected == 0, "\(table): \(counts.rowsRejected) rows rejected")
        }
        let limit = UTCDate.parseDay("2025-05-01")! + 7
        var seen: [String: Int] = [:]
        for table in ["invoice_lines", "credit_note_lines", "prices", "subscriptions"] {
            let rows = try TransformFixtures.stagingLines(root: dir.path, runId: "fx", table: table).map(TransformFixtures.parse)
            var counted: [String: Int] = [:]
            for row in rows {
                let status = try #require(row["fx_status"] as? String)
                counted[status, default: 0] += 1
                seen[status, default: 0] += 1
                let reporting = row.keys.filter { $0.hasSuffix("_reporting") && $0 != "reporting_currency" }
                if status == "converted" {
                    #expect(row["fx_reason"] is NSNull)
                    #expect(!(row["fx_rate"] is NSNull))
                    continue
                }
                #expect(reporting.allSatisfy { row[$0] is NSNull }, "\(table): \(status) row has reporting values")
                #expect(row["fx_rate"] is NSNull && row["fx_rate_date"] is NSNull)
                let reason = try #require(row["fx_reason"] as? String)
                let currency = try #require(row["currency"] as? String)
                #expect(reason.contains(currency.uppercased()) || reason.contains("EUR"), "\(reason)")
                if status == "no_rate" {
                    #expect(currency == "krw" || reason.contains("no rate"), "\(table) \(currency): \(reason)")
                } else {
                    #expect(status == "stale_rate")
                    #expect(currency != "krw")
                    if let date = row["document_date"] as? String { #expect(UTCDate.parseDay(date)! > limit) }
                }
            }
            for (status, n) in counted {
                #expect(manifest.quality["\(table).fx_status.\(status)"] == String(n), "\(table) \(status)")
            }
            #expect(counted.values.reduce(0, +) == manifest.tables[table]?.rowsOut)
        }
        #expect((seen["stale_rate"] ?? 0) > 0 && (seen["no_rate"] ?? 0) > 0 && (seen["converted"] ?? 0) > 0, "\(seen)")
    }

    /// Rows kept without a rate are converted once the rate is there: by the next run (a new run id
    /// takes the current rates), or by re-transforming the same run with --refresh-rates.
    @Test func aLaterRunWithTheRateConvertsTheRows() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let config = AccountConfig(seed: 12, customers: 30, invoices: 60, events: 20)
        try TransformFixtures.generateRawRun(root: dir.path, runId: "night1", config: config)
        var pipeline = try TransformFixtures.generatedPipeline(directory: dir.path)
        pipeline.fx.rates = dir.appending("ecb.csv")
        try Self.writeRates(to: dir.appending("ecb.csv"), last: "2025-05-01")
        let schemas = try TransformFixtures.schemas()
        func unconverted(_ report: TransformReport) -> Int {
            report.manifest.quality.filter { $0.key.contains(".fx_status.") && !$0.key.hasSuffix(".converted") }.compactMap {
                Int($0.value)
            }.reduce(0, +)
        }
        let first = try TransformStage(pipeline: pipeline, paths: RunPaths(root: dir.path), schemas: schemas).run(runId: "night1")
        #expect(unconverted(first) > 0)
        // The rate arrives (KRW too).
        var text = "Date,USD,JPY,GBP,KRW,\n"
        for day in (UTCDate.parseDay("2019-01-01")!...UTCDate.parseDay("2025-06-01")!).reversed() where (day + 4) % 7 < 5 {
            text += "\(UTCDate.dayString(day)),1.0800,160.00,0.85000,1450.00,\n"
        }
        try text.write(toFile: dir.appending("ecb.csv"), atomically: true, encoding: .utf8)
        try TransformFixtures.generateRawRun(root: dir.path, runId: "night2", config: config)
        let next = try TransformStage(pipeline: pipeline, paths: RunPaths(root: dir.path), schemas: schemas).run(runId: "night2")
        #expect(unconverted(next) == 0, "\(next.manifest.quality)")
        // The same run id re-transformed keeps its pinned rates unless asked to refresh them.
        let again = try TransformStage(pipeline: pipeline, paths: RunPaths(root: dir.path), schemas: schemas).run(runId: "night1")
        #expect(unconverted(again) == unconverted(first))
        var refresh = TransformStage.Options()
        refresh.refreshRates = true
        let refreshed = try TransformStage(pipeline: pipeline, paths: RunPaths(root: dir.path), schemas: schemas, options: refresh).run(
            runId: "night1")
        #expect(unconverted(refreshed) == 0)
    }
}
