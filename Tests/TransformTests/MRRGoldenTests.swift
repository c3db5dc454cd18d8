import Core
import Foundation
import StripeSimulator
import TestSupport
import Testing
import Zstd

@testable import Transform

/// MRR golden cases checked against an independent oracle (Fixtures/oracles/mrr_oracle.py: the
/// documented rule in Python Fraction arithmetic) and, where noted, against hand-derived values.
@Suite struct MRRGoldenTests {
    /// A basil-shaped subscription; `items` are (id, currency, price JSON fields, quantity JSON, item discounts JSON).
    static func subscription(
        _ id: String, status: String = "active", discounts: String = "[]", pause: String = "null",
        items: [(String, String, String, String, String)]
    ) -> String {
        let rendered = items.map { item in
            #"{"id":"\#(item.0)","object":"subscription_item","created":1741003200,"discounts":\#(item.4),"metadata":{},"price":{"id":"price_\#(item.0)","object":"price","active":true,"billing_scheme":"per_unit","created":1741003200,"currency":"\#(item.1)","livemode":false,"product":"prod_1",\#(item.2)},"subscription":"\#(id)","tax_rates":[],"quantity":\#(item.3),"current_period_start":1741003200,"current_period_end":1743681600}"#
        }
        return
            #"{"id":"\#(id)","object":"subscription","cancel_at":null,"cancel_at_period_end":false,"canceled_at":null,"created":1741003200,"currency":"\#(items.first?.1 ?? "usd")","customer":"cus_A","discounts":\#(discounts),"ended_at":null,"items":{"object":"list","data":[\#(rendered.joined(separator: ","))],"has_more":false,"total_count":\#(items.count)},"livemode":false,"pause_collection":\#(pause),"start_date":1741003200,"status":"\#(status)","trial_end":null,"trial_start":null}"#
    }

    static func recurring(_ unit: String, interval: String = "month", count: Int = 1, usage: String = "licensed") -> String {
        #""recurring":{"interval":"\#(interval)","interval_count":\#(count),"meter":null,"usage_type":"\#(usage)"},"tiers_mode":null,"type":"recurring",\#(unit)"#
    }

    static func unit(_ minor: String) -> String { #""unit_amount":\#(minor),"unit_amount_decimal":"\#(minor)""# }
    static func decimalUnit(_ text: String) -> String { #""unit_amount":null,"unit_amount_decimal":"\#(text)""# }

    static func discount(_ id: String, _ coupon: String, end: String = "null") -> String {
        #"{"id":"\#(id)","object":"discount","start":1741003200,"end":\#(end),"coupon":\#(coupon)}"#
    }

    static let coupons = [
        #"{"id":"co_pct3333_forever","object":"coupon","duration":"forever","duration_in_months":null,"percent_off":33.33,"amount_off":null,"currency":null,"livemode":false,"valid":true}"#,
        #"{"id":"co_usd500_forever","object":"coupon","duration":"forever","duration_in_months":null,"percent_off":null,"amount_off":50000,"currency":"usd","livemode":false,"valid":true}"#,
        #"{"id":"co_pct20_repeating","object":"coupon","duration":"repeating","duration_in_months":3,"percent_off":20,"amount_off":null,"currency":null,"livemode":false,"valid":true}"#,
        #"{"id":"co_pct50_once","object":"coupon","duration":"once","duration_in_months":null,"percent_off":50,"amount_off":null,"currency":null,"livemode":false,"valid":true}"#,
        #"{"id":"co_usd2_forever","object":"coupon","duration":"forever","duration_in_months":null,"percent_off":null,"amount_off":200,"currency":"usd","livemode":false,"valid":true}"#,
        #"{"id":"co_usd3_repeating","object":"coupon","duration":"repeating","duration_in_months":6,"percent_off":null,"amount_off":300,"currency":"usd","livemode":false,"valid":true}"#
    ]

    /// The snapshot of the test runs (finished_at 2025-03-10T00:00:00Z) in Unix seconds.
    static let snapshot: Int64 = 1_741_564_800

    /// Runs the transform over `subscriptions` under `rule`; returns (staged rows by item id,
    /// oracle [mrr, mrr_status] by item id, rejects).
    static func run(_ subscriptions: [String], rule: PipelineDefinition.MRRRule = .stripe, in dir: TemporaryDirectory) async throws -> (
        [String: [String: Any]], [String: [Any]], [[String: Any]]
    ) {
        let runId = "m-\(rule.rawValue)"
        try TransformFixtures.writeRawRun(
            root: dir.path, runId: runId, streams: ["subscriptions": subscriptions, "coupons": coupons, "prices": prices],
            finishedAt: "2025-03-10T00:00:00Z")
        var p = TransformFixtures.pipeline()
        p.transform.mrrRule = rule
        p.fx.rates = try TransformFixtures.fixturePath("ecb-sample.csv")
        p.fx.supplementary = try TransformFixtures.fixturePath("supplementary-sample.csv")
        _ = try TransformStage(pipeline: p, paths: RunPaths(root: dir.path), schemas: try TransformFixtures.schemas()).run(runId: runId)
        var rows: [String: [String: Any]] = [:]
        for line in try TransformFixtures.stagingLines(root: dir.path, runId: runId, table: "subscriptions") {
            let row = try TransformFixtures.parse(line)
            rows[row["subscription_item_id"] as! String] = row
        }
        let subsPath = dir.appending("subscriptions.ndjson")
        let couponsPath = dir.appending("coupons.ndjson")
        try (subscriptions.joined(separator: "\n") + "\n").write(toFile: subsPath, atomically: true, encoding: .utf8)
        try (coupons.joined(separator: "\n") + "\n").write(toFile: couponsPath, atomically: true, encoding: .utf8)
        let pricesPath = dir.appending("prices.ndjson")
        try (prices.joined(separator: "\n") + "\n").write(toFile: pricesPath, atomically: true, encoding: .utf8)
        let oracle = try await ChildProcess.run(
            "/usr/bin/env",
            [
                "python3", try TransformFixtures.fixturePath("oracles/mrr_oracle.py"), subsPath, couponsPath,
                rule.rawValue, String(snapshot), pricesPath
            ], timeout: 60)
        try #require(oracle.status == 0, "mrr_oracle.py failed: \(oracle.stderr)")
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(oracle.stdout.utf8)) as? [String: [Any]])
        let rejectsPath = RunPaths(root: dir.path).stagingRejects(runId)
        let rejects = FileManager.default.fileExists(atPath: rejectsPath) ? try TransformFixtures.rejects(root: dir.path, runId: runId) : []
        return (rows, expected, rejects)
    }

    /// Every item's mrr and mrr_status equal the oracle's.
    static func expectOracle(_ rows: [String: [String: Any]], _ expected: [String: [Any]], _ rule: PipelineDefinition.MRRRule) {
        #expect(rows.count == expected.count)
        for (item, value) in expected {
            guard let row = rows[item] else { Issue.record("\(item) missing from the output"); continue }
            #expect((row["mrr"] as? String) == (value[0] as? String), "\(rule) \(item): mrr \(row["mrr"] ?? "nil"), oracle \(value[0])")
            #expect(
                (row["mrr_status"] as? String) == (value[1] as? String),
                "\(rule) \(item): mrr_status \(row["mrr_status"] ?? "nil"), oracle \(value[1])")
        }
    }

    static let int64Max = "9223372036854775807"

    /// USD 12.34 x 3 a month = 37.02, in every status.
    static let statuses: [String] =
        ["active", "past_due", "trialing", "paused", "unpaid", "canceled", "incomplete", "incomplete_expired"].map { status in
            subscription("sub_\(status)", status: status, items: [("si_\(status)", "usd", recurring(unit("1234")), "3", "[]")])
        } + [
            subscription(
                "sub_pause_collection", pause: #"{"behavior":"void","resumes_at":null}"#,
                items: [("si_pause_collection", "usd", recurring(unit("1234")), "3", "[]")]),
            subscription("sub_metered", items: [("si_metered", "usd", recurring(unit("7"), usage: "metered"), "null", "[]")]),
            subscription("sub_qty0", items: [("si_qty0", "usd", recurring(unit("1234")), "0", "[]")])
        ]

    /// USD 100.00 per period, per interval and count.
    static let intervals: [String] = [
        ("day", 1), ("day", 3), ("week", 1), ("week", 2), ("month", 1), ("month", 3), ("month", 6), ("year", 1), ("year", 2)
    ].map { interval, count in
        subscription(
            "sub_\(interval)\(count)",
            items: [("si_\(interval)\(count)", "usd", recurring(unit("10000"), interval: interval, count: count), "1", "[]")])
    }

    /// Discount kinds, subscription- and item-level, several at once (snapshot 2025-03-10).
    static let discountCases: [String] = [
        subscription(
            "sub_pct_forever", discounts: "[\(discount("di_a", coupons[0]))]",
            items: [("si_pct_forever", "usd", recurring(unit("1234")), "3", "[]")]),
        subscription(
            "sub_once", discounts: "[\(discount("di_b", coupons[3]))]", items: [("si_once", "usd", recurring(unit("1234")), "3", "[]")]),
        // Repeating, running (ends 2025-06-03) and ended (2025-01-01).
        subscription(
            "sub_rep_running", discounts: "[\(discount("di_c", coupons[2], end: "1748908800"))]",
            items: [("si_rep_running", "usd", recurring(unit("1234")), "3", "[]")]),
        subscription(
            "sub_rep_ended", discounts: "[\(discount("di_d", coupons[2], end: "1735689600"))]",
            items: [("si_rep_ended", "usd", recurring(unit("1234")), "3", "[]")]),
        // Amount-off forever on a yearly subscription with two items: USD 2.00 a year shared in proportion.
        subscription(
            "sub_amt_shared", discounts: "[\(discount("di_e", coupons[4]))]",
            items: [
                ("si_amt_a", "usd", recurring(unit("12000"), interval: "year"), "1", "[]"),
                ("si_amt_b", "usd", recurring(unit("2400"), interval: "year"), "5", "[]")
            ]),
        // Several at once: item-level forever 33.33% and running repeating USD 3.00 on one item,
        // subscription-level forever USD 5.00 and once 50%, and a past_due status.
        subscription(
            "sub_several", status: "past_due", discounts: "[\(discount("di_f", coupons[1])),\(discount("di_g", coupons[3]))]",
            items: [
                (
                    "si_several_a", "usd", recurring(unit("9999"), interval: "week", count: 2), "7",
                    "[\(discount("di_h", coupons[0])),\(discount("di_i", coupons[5], end: "1767225600"))]"
                ),
                ("si_several_b", "usd", recurring(unit("1000")), "1", "[]"),
                ("si_several_c", "usd", recurring(unit("1"), usage: "metered"), "null", "[]")
            ]),
        // Discount larger than the amount: floored at 0.
        subscription(
            "sub_floor", discounts: "[\(discount("di_j", coupons[1]))]", items: [("si_floor", "usd", recurring(unit("100")), "1", "[]")])
    ]

    /// Tiered prices (tiers expanded): graduated with a flat fee, and volume, at several quantities.
    static let tiered: [String] = {
        let tiers =
            #""tiers":[{"flat_amount":500,"flat_amount_decimal":"500","unit_amount":1000,"unit_amount_decimal":"1000","up_to":10},{"flat_amount":null,"flat_amount_decimal":null,"unit_amount":800,"unit_amount_decimal":"800","up_to":50},{"flat_amount":2000,"flat_amount_decimal":"2000","unit_amount":null,"unit_amount_decimal":"650.5","up_to":null}]"#
        func price(_ mode: String) -> String {
            #""recurring":{"interval":"month","interval_count":1,"meter":null,"usage_type":"licensed"},"tiers_mode":"\#(mode)","type":"recurring","billing_scheme":"tiered","unit_amount":null,"unit_amount_decimal":null,\#(tiers)"#
        }
        return [0, 5, 10, 11, 50, 51, 1000].flatMap { q in
            ["graduated", "volume"].map { mode in
                subscription("sub_\(mode)_\(q)", items: [("si_\(mode)_\(q)", "eur", price(mode), "\(q)", "[]")])
            }
        }
    }()

    /// Listed prices with expanded tiers (the subscription list cannot expand its items' price tiers).
    static let prices = [
        #"{"id":"price_si_listed_tiered","object":"price","active":true,"billing_scheme":"tiered","created":1741003200,"currency":"usd","livemode":false,"product":"prod_1","recurring":{"interval":"month","interval_count":1,"meter":null,"usage_type":"licensed"},"tiers_mode":"volume","type":"recurring","unit_amount":null,"unit_amount_decimal":null,"tiers":[{"flat_amount":null,"flat_amount_decimal":null,"unit_amount":1500,"unit_amount_decimal":"1500","up_to":10},{"flat_amount":null,"flat_amount_decimal":null,"unit_amount":1200,"unit_amount_decimal":"1200","up_to":null}]}"#
    ]

    /// A tiered item whose tiers come from the prices stream, sharing a forever USD 2.00
    /// subscription-level discount with a per-unit item: the discount splits across both.
    static let listedTiers: [String] = [
        subscription(
            "sub_listed", discounts: "[\(discount("di_l", coupons[4]))]",
            items: [
                (
                    "si_listed_tiered", "usd",
                    #""recurring":{"interval":"month","interval_count":1,"meter":null,"usage_type":"licensed"},"tiers_mode":"volume","type":"recurring","billing_scheme":"tiered","unit_amount":null,"unit_amount_decimal":null"#,
                    "12", "[]"
                ),
                ("si_listed_flat", "usd", recurring(unit("5600")), "1", "[]")
            ])
    ]

    @Test func tiersFromThePricesStreamAndTheAmountOffSplit() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let (rows, expected, rejects) = try await Self.run(Self.listedTiers, in: dir)
        #expect(rejects.isEmpty)
        Self.expectOracle(rows, expected, .stripe)
        // Volume at 12: 12 x 12.00 = 144.00; with 56.00 the total is 200.00; minus USD 2.00 forever
        // = 198.00, shared in proportion: 144 x 198/200 = 142.56 and 56 x 198/200 = 55.44.
        #expect(rows["si_listed_tiered"]?["mrr"] as? String == "142.560000")
        #expect(rows["si_listed_flat"]?["mrr"] as? String == "55.440000")
        #expect(rows["si_listed_tiered"]?["mrr_status"] as? String == "counted")
    }

    @Test(arguments: PipelineDefinition.MRRRule.allCases)
    func everyCaseMatchesTheOracle(rule: PipelineDefinition.MRRRule) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let (rows, expected, rejects) = try await Self.run(
            Self.statuses + Self.intervals + Self.discountCases + Self.tiered + Self.largest, rule: rule, in: dir)
        #expect(rejects.isEmpty, "rejects: \(rejects)")
        Self.expectOracle(rows, expected, rule)
        func mrr(_ item: String) -> String? { rows[item]?["mrr"] as? String }
        func status(_ item: String) -> String? { rows[item]?["mrr_status"] as? String }
        // Hand-derived anchors. 12.34 x 3 = 37.02.
        #expect(mrr("si_active") == "37.020000" && mrr("si_past_due") == "37.020000")
        for (item, group) in [
            ("si_trialing", "trialing"), ("si_paused", "paused"), ("si_unpaid", "churned"), ("si_canceled", "churned"),
            ("si_incomplete", "incomplete"), ("si_incomplete_expired", "incomplete"), ("si_metered", "metered")
        ] {
            #expect(mrr(item) == "0.000000" && status(item) == group, "\(item)")
        }
        #expect(mrr("si_qty0") == "0.000000" && status("si_qty0") == "counted")
        // Daily 100.00 x 365/12 = 3041.666666..., every 3 days /3 = 1013.888888...; weekly x 52/12 = 433.333333...
        #expect(
            mrr("si_day1") == "3041.666667" && mrr("si_day3") == "1013.888889" && mrr("si_week1") == "433.333333"
                && mrr("si_week2") == "216.666667")
        #expect(
            mrr("si_month3") == "33.333333" && mrr("si_month6") == "16.666667" && mrr("si_year1") == "8.333333"
                && mrr("si_year2") == "4.166667")
        // 37.02 x (100 - 33.33)% = 24.681234; once never reduces MRR.
        #expect(mrr("si_pct_forever") == "24.681234" && mrr("si_once") == "37.020000")
        // Yearly 120.00 + 120.00 = 240.00 a year, 20.00 a month, minus 2.00/12: each item 10 - 1/12 = 9.916667.
        #expect(mrr("si_amt_a") == "9.916667" && mrr("si_amt_b") == "9.916667")
        #expect(mrr("si_floor") == "0.000000" && status("si_floor") == "counted")
        // Graduated at 11: 10 x 10.00 + 5.00 + 1 x 8.00 = 113.00; volume at 11: 11 x 8.00 = 88.00;
        // at 51: graduated 100 + 5 + 40 x 8 + 1 x 6.505 + 20 = 451.505; volume 51 x 6.505 + 20 = 351.755.
        #expect(mrr("si_graduated_11") == "113.000000" && mrr("si_volume_11") == "88.000000")
        #expect(mrr("si_graduated_51") == "451.505000" && mrr("si_volume_51") == "351.755000")
        switch rule {
        case .stripe:
            #expect(mrr("si_pause_collection") == "0.000000" && status("si_pause_collection") == "paused")
            #expect(mrr("si_rep_running") == "37.020000" && mrr("si_rep_ended") == "37.020000")
        case .chartmogul:
            #expect(mrr("si_pause_collection") == "37.020000" && status("si_pause_collection") == "counted")
            // 37.02 x 80% = 29.616 while the repeating coupon runs; unchanged after it ended.
            #expect(mrr("si_rep_running") == "29.616000" && mrr("si_rep_ended") == "37.020000")
        }
    }

    /// The largest values Stripe's fields can carry, and the amounts the audit saw rejected.
    static let largest: [String] = [
        // USD 10,000.00 x 14 seats a month = 140,000.00 (x 13 loaded before; x 14 was rejected).
        subscription("sub_usd14", items: [("si_usd14", "usd", recurring(unit("1000000")), "14", "[]")]),
        // KRW 689,000 x 19 seats = 13,091,000 KRW a month (exponent 0).
        subscription("sub_krw19", items: [("si_krw19", "krw", recurring(unit("689000")), "19", "[]")]),
        // JPY int64.max x 1,000 per 3 years: 9223372036854775807000 / 36 = 256204778801521550194 rem 16 -> .444444
        subscription("sub_jpy_max", items: [("si_jpy_max", "jpy", recurring(unit(int64Max), interval: "year", count: 3), "1000", "[]")]),
        // unit_amount_decimal with 12 decimals at int64.max minor units, x 10,000, every 3 days.
        subscription(
            "sub_dec_max",
            items: [("si_dec_max", "usd", recurring(decimalUnit(int64Max + ".999999999999"), interval: "day", count: 3), "10000", "[]")]),
        // The smallest sub-minor unit times int64.max seats, weekly.
        subscription(
            "sub_tiny", items: [("si_tiny", "eur", recurring(decimalUnit("0.000000000001"), interval: "week", count: 1), int64Max, "[]")]),
        // int64.max x int64.max JPY: 8.5e37 a month cannot fit decimal(38,6): the row stays, mrr null.
        subscription("sub_beyond", items: [("si_beyond", "jpy", recurring(unit(int64Max)), int64Max, "[]")]),
        // Three large items sharing a forever 33.33% and a forever USD 500.00 subscription-level discount,
        // with an item-level forever 33.33% on the second item and quantity 0 on the third.
        subscription(
            "sub_shared", discounts: "[\(discount("di_s1", coupons[0])),\(discount("di_s2", coupons[1]))]",
            items: [
                ("si_shared_a", "usd", recurring(unit("99999999"), interval: "year", count: 2), "1000000", "[]"),
                (
                    "si_shared_b", "usd", recurring(decimalUnit("12345678.123456789012"), interval: "week", count: 2), "777777",
                    "[\(discount("di_i1", coupons[0]))]"
                ),
                ("si_shared_c", "usd", recurring(unit("5000")), "0", "[]")
            ])
    ]

    /// price.transform_quantity: 25 seats in packs of 10 bill 3 packs rounded up, 2 rounded down.
    static let transformed: [String] = [
        subscription(
            "sub_pack_up",
            items: [("si_pack_up", "usd", recurring(unit("4000")) + #","transform_quantity":{"divide_by":10,"round":"up"}"#, "25", "[]")]),
        subscription(
            "sub_pack_down",
            items: [
                ("si_pack_down", "usd", recurring(unit("4000")) + #","transform_quantity":{"divide_by":10,"round":"down"}"#, "25", "[]")
            ])
    ]

    @Test func transformQuantityDividesAndRounds() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let (rows, expected, rejects) = try await Self.run(Self.transformed, in: dir)
        #expect(rejects.isEmpty)
        // Hand-derived: ceil(25 / 10) = 3 packs x 40.00 = 120.00; floor(25 / 10) = 2 x 40.00 = 80.00.
        #expect(rows["si_pack_up"]?["mrr"] as? String == "120.000000")
        #expect(rows["si_pack_down"]?["mrr"] as? String == "80.000000")
        Self.expectOracle(rows, expected, .stripe)
    }

    @Test func largestAmountsAreExactAndNeverRejected() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let (rows, expected, rejects) = try await Self.run(Self.largest, in: dir)
        #expect(rejects.isEmpty, "rejects: \(rejects)")
        #expect(rows.count == 9)
        Self.expectOracle(rows, expected, .stripe)
        // Hand-derived anchors.
        #expect(rows["si_usd14"]?["mrr"] as? String == "140000.000000")
        #expect(rows["si_krw19"]?["mrr"] as? String == "13091000.000000")
        #expect(rows["si_jpy_max"]?["mrr"] as? String == "256204778801521550194.444444")
        #expect(rows["si_beyond"]?["mrr"] is NSNull)
        #expect(rows["si_beyond"]?["mrr_status"] as? String == "unknown")
        // MRR converts to EUR at 1.05 USD per EUR: 140000 / 1.05 = 133333.333... -> 133333.33 (the column has 3 decimals).
        #expect(rows["si_usd14"]?["mrr_reporting"] as? String == "133333.330")
    }

    /// Acceptance: on a generated account every item's mrr and mrr_status equal the oracle's, under
    /// both rules, tiered and large zero-decimal items included.
    @Test(arguments: PipelineDefinition.MRRRule.allCases)
    func generatedAccountMatchesTheOracle(rule: PipelineDefinition.MRRRule) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        // ACCEPTANCE_CUSTOMERS=2000 runs the acceptance size.
        let customers = Int(ProcessInfo.processInfo.environment["ACCEPTANCE_CUSTOMERS"] ?? "") ?? 240
        let generator = try TransformFixtures.generateRawRun(
            root: dir.path, runId: "g", config: AccountConfig(seed: 5, customers: customers, invoices: 60, events: 40))
        var pipeline = try TransformFixtures.generatedPipeline(directory: dir.path)
        pipeline.transform.mrrRule = rule
        pipeline.transform.maxRejectRatio = 0
        _ = try TransformStage(pipeline: pipeline, paths: RunPaths(root: dir.path), schemas: try TransformFixtures.schemas()).run(
            runId: "g")
        let paths = RunPaths(root: dir.path)
        var plain: [String: String] = [:]
        for stream in ["subscriptions", "coupons", "prices"] {
            let reader = try ZstdLineReader(path: paths.rawFile("g", stream: stream))
            var text = ""
            while let line = try reader.nextLine() { text += String(decoding: line, as: UTF8.self) + "\n" }
            plain[stream] = dir.appending("\(stream).ndjson")
            try text.write(toFile: plain[stream]!, atomically: true, encoding: .utf8)
        }
        // The raw run's snapshot day (finished_at), as the transform takes it.
        let raw = try RawManifest.read(paths: paths, runId: "g")
        let snapshot = Int64(UTCDate.parseDay(String(raw.finishedAt.prefix(10)))!) * 86_400
        let oracle = try await ChildProcess.run(
            "/usr/bin/env",
            [
                "python3", try TransformFixtures.fixturePath("oracles/mrr_oracle.py"), plain["subscriptions"]!, plain["coupons"]!,
                rule.rawValue, String(snapshot), plain["prices"]!
            ], timeout: 120)
        try #require(oracle.status == 0, "mrr_oracle.py failed: \(oracle.stderr)")
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(oracle.stdout.utf8)) as? [String: [Any]])
        var rows: [String: [String: Any]] = [:]
        for line in try TransformFixtures.stagingLines(root: dir.path, runId: "g", table: "subscriptions") {
            let row = try TransformFixtures.parse(line)
            rows[row["subscription_item_id"] as! String] = row
        }
        Self.expectOracle(rows, expected, rule)
        let statuses = Set(rows.values.compactMap { $0["mrr_status"] as? String })
        #expect(statuses.isSuperset(of: ["counted", "trialing", "paused", "churned", "incomplete", "metered"]), "\(statuses)")
        #expect(!statuses.contains("unknown"), "every generated item's MRR is knowable")
        let tiered = rows.values.filter { row in
            (row["price_id"] as? String).flatMap { generator.index(.prices, fromID: $0) }.map { generator.priceKind($0) == .tiered }
                ?? false
        }
        #expect(tiered.contains { $0["mrr_status"] as? String == "counted" && !($0["mrr"] is NSNull) }, "tiered items are priced")
        // Large zero-decimal items: more than 13,043,817 minor units a month (rejected before).
        #expect(
            rows.values.contains {
                ["jpy", "krw"].contains($0["currency"] as? String ?? "")
                    && (ExactDecimal(parsing: $0["mrr"] as? String ?? "0") ?? ExactDecimal(units: 0, scale: 0)).units > 13_043_817
                        * 1_000_000
            })
    }
}
