import Core
import Foundation
import TestSupport
import Testing
@testable import Transform

/// MRR golden cases checked against an independent oracle (Fixtures/oracles/mrr_oracle.py: the
/// documented rule in Python Fraction arithmetic) and, where noted, against hand-derived values.
@Suite struct MRRGoldenTests {
    /// A basil-shaped subscription; `items` are (id, currency, price JSON fields, quantity JSON, item discounts JSON).
    static func subscription(_ id: String, status: String = "active", discounts: String = "[]",
                             items: [(String, String, String, String, String)], extra: String = "") -> String {
        let rendered = items.map { item in
            #"{"id":"\#(item.0)","object":"subscription_item","created":1741003200,"discounts":\#(item.4),"metadata":{},"price":{"id":"price_\#(item.0)","object":"price","active":true,"billing_scheme":"per_unit","created":1741003200,"currency":"\#(item.1)","livemode":false,"product":"prod_1",\#(item.2)},"subscription":"\#(id)","tax_rates":[],"quantity":\#(item.3),"current_period_start":1741003200,"current_period_end":1743681600}"#
        }
        return #"{"id":"\#(id)","object":"subscription","cancel_at":null,"cancel_at_period_end":false,"canceled_at":null,"created":1741003200,"currency":"\#(items.first?.1 ?? "usd")","customer":"cus_A","discounts":\#(discounts),"ended_at":null,"items":{"object":"list","data":[\#(rendered.joined(separator: ","))],"has_more":false,"total_count":\#(items.count)},"livemode":false,"pause_collection":null,"start_date":1741003200,"status":"\#(status)","trial_end":null,"trial_start":null\#(extra)}"#
    }

    static func recurring(_ unit: String, interval: String = "month", count: Int = 1, usage: String = "licensed") -> String {
        #""recurring":{"interval":"\#(interval)","interval_count":\#(count),"meter":null,"usage_type":"\#(usage)"},"tiers_mode":null,"type":"recurring",\#(unit)"#
    }

    static func unit(_ minor: String) -> String { #""unit_amount":\#(minor),"unit_amount_decimal":"\#(minor)""# }
    static func decimalUnit(_ text: String) -> String { #""unit_amount":null,"unit_amount_decimal":"\#(text)""# }

    static func discount(_ id: String, _ coupon: String) -> String {
        #"{"id":"\#(id)","object":"discount","start":1741003200,"end":null,"coupon":\#(coupon)}"#
    }

    static let coupons = [
        #"{"id":"co_pct3333_forever","object":"coupon","duration":"forever","duration_in_months":null,"percent_off":33.33,"amount_off":null,"currency":null,"livemode":false,"valid":true}"#,
        #"{"id":"co_usd500_forever","object":"coupon","duration":"forever","duration_in_months":null,"percent_off":null,"amount_off":50000,"currency":"usd","livemode":false,"valid":true}"#,
    ]

    /// Runs the transform over `subscriptions` and returns (staged rows by item id, oracle values by item id, rejects).
    static func run(_ subscriptions: [String], in dir: TemporaryDirectory) throws -> ([String: [String: Any]], [String: Any], [[String: Any]]) {
        try TransformFixtures.writeRawRun(root: dir.path, runId: "m", streams: ["subscriptions": subscriptions, "coupons": coupons], finishedAt: "2025-03-10T00:00:00Z")
        var p = TransformFixtures.pipeline()
        p.fx.rates = try TransformFixtures.fixturePath("ecb-sample.csv")
        p.fx.supplementary = try TransformFixtures.fixturePath("supplementary-sample.csv")
        _ = try TransformStage(pipeline: p, paths: RunPaths(root: dir.path), schemas: try TransformFixtures.schemas()).run(runId: "m")
        var rows: [String: [String: Any]] = [:]
        for line in try TransformFixtures.stagingLines(root: dir.path, runId: "m", table: "subscriptions") {
            let row = try TransformFixtures.parse(line)
            rows[row["subscription_item_id"] as! String] = row
        }
        let subsPath = dir.appending("subscriptions.ndjson")
        let couponsPath = dir.appending("coupons.ndjson")
        try (subscriptions.joined(separator: "\n") + "\n").write(toFile: subsPath, atomically: true, encoding: .utf8)
        try (coupons.joined(separator: "\n") + "\n").write(toFile: couponsPath, atomically: true, encoding: .utf8)
        let oracle = try ChildProcess.run("/usr/bin/env", ["python3", try TransformFixtures.fixturePath("oracles/mrr_oracle.py"), subsPath, couponsPath], timeout: 60)
        try #require(oracle.status == 0, "mrr_oracle.py failed: \(oracle.stderr)")
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(oracle.stdout.utf8)) as? [String: Any])
        let rejectsPath = RunPaths(root: dir.path).stagingRejects("m")
        let rejects = FileManager.default.fileExists(atPath: rejectsPath) ? try TransformFixtures.rejects(root: dir.path, runId: "m") : []
        return (rows, expected, rejects)
    }

    static let int64Max = "9223372036854775807"

    /// The largest values Stripe's fields can carry, and the amounts the audit saw rejected.
    static let largest: [String] = [
        // USD 10,000.00 x 14 seats a month = 140,000.00 (x 13 loaded before; x 14 was rejected).
        subscription("sub_usd14", items: [("si_usd14", "usd", recurring(unit("1000000")), "14", "[]")]),
        // KRW 689,000 x 19 seats = 13,091,000 KRW a month (exponent 0).
        subscription("sub_krw19", items: [("si_krw19", "krw", recurring(unit("689000")), "19", "[]")]),
        // JPY int64.max x 1,000 per 3 years: 9223372036854775807000 / 36 = 256204778801521550194 rem 16 -> .444444
        subscription("sub_jpy_max", items: [("si_jpy_max", "jpy", recurring(unit(int64Max), interval: "year", count: 3), "1000", "[]")]),
        // unit_amount_decimal with 12 decimals at int64.max minor units, x 10,000, every 3 days.
        subscription("sub_dec_max", items: [("si_dec_max", "usd", recurring(decimalUnit(int64Max + ".999999999999"), interval: "day", count: 3), "10000", "[]")]),
        // The smallest sub-minor unit times int64.max seats, weekly.
        subscription("sub_tiny", items: [("si_tiny", "eur", recurring(decimalUnit("0.000000000001"), interval: "week", count: 1), int64Max, "[]")]),
        // int64.max x int64.max JPY: 8.5e37 a month cannot fit decimal(38,6): the row stays, mrr null.
        subscription("sub_beyond", items: [("si_beyond", "jpy", recurring(unit(int64Max)), int64Max, "[]")]),
        // Three large items sharing a forever 33.33% and a forever USD 500.00 subscription-level discount,
        // with an item-level forever 33.33% on the second item and quantity 0 on the third.
        subscription("sub_shared", discounts: "[\(discount("di_s1", coupons[0])),\(discount("di_s2", coupons[1]))]", items: [
            ("si_shared_a", "usd", recurring(unit("99999999"), interval: "year", count: 2), "1000000", "[]"),
            ("si_shared_b", "usd", recurring(decimalUnit("12345678.123456789012"), interval: "week", count: 2), "777777", "[\(discount("di_i1", coupons[0]))]"),
            ("si_shared_c", "usd", recurring(unit("5000")), "0", "[]"),
        ]),
    ]

    /// price.transform_quantity: 25 seats in packs of 10 bill 3 packs rounded up, 2 rounded down.
    static let transformed: [String] = [
        subscription("sub_pack_up", items: [("si_pack_up", "usd", recurring(unit("4000")) + #","transform_quantity":{"divide_by":10,"round":"up"}"#, "25", "[]")]),
        subscription("sub_pack_down", items: [("si_pack_down", "usd", recurring(unit("4000")) + #","transform_quantity":{"divide_by":10,"round":"down"}"#, "25", "[]")]),
    ]

    @Test func transformQuantityDividesAndRounds() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let (rows, expected, rejects) = try Self.run(Self.transformed, in: dir)
        #expect(rejects.isEmpty)
        // Hand-derived: ceil(25 / 10) = 3 packs x 40.00 = 120.00; floor(25 / 10) = 2 x 40.00 = 80.00.
        #expect(rows["si_pack_up"]?["mrr"] as? String == "120.000000")
        #expect(rows["si_pack_down"]?["mrr"] as? String == "80.000000")
        #expect(expected["si_pack_up"] as? String == "120.000000" && expected["si_pack_down"] as? String == "80.000000")
    }

    @Test func largestAmountsAreExactAndNeverRejected() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let (rows, expected, rejects) = try Self.run(Self.largest, in: dir)
        #expect(rejects.isEmpty, "rejects: \(rejects)")
        #expect(rows.count == 9)
        #expect(expected.count == 9)
        for (item, value) in expected {
            let row = try #require(rows[item], "\(item) missing from the output")
            #expect((row["mrr"] as? String) == (value as? String), "\(item): mrr \(row["mrr"] ?? "nil"), oracle \(value)")
        }
        // Hand-derived anchors.
        #expect(rows["si_usd14"]?["mrr"] as? String == "140000.000000")
        #expect(rows["si_krw19"]?["mrr"] as? String == "13091000.000000")
        #expect(rows["si_jpy_max"]?["mrr"] as? String == "256204778801521550194.444444")
        #expect(rows["si_beyond"]?["mrr"] is NSNull)
        // MRR converts to EUR at 1.05 USD per EUR: 140000 / 1.05 = 133333.333... -> 133333.33 (the column has 3 decimals).
        #expect(rows["si_usd14"]?["mrr_reporting"] as? String == "133333.330")
    }
}
