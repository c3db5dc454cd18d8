import Core
import Foundation
import TestSupport
import Testing

@testable import Transform

/// Stripe's own published example objects (../shared/stripe-openapi/fixtures3.json, API 2026-07-29
/// shape) map without a reject, and our fixtures written in that shape map field by field.
@Suite struct StripeExamplesTests {
    /// `shared/` lies beside the checkout (CI lays a copy there too): found from this file's path.
    static let fixturesPath: String = {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/stripe-openapi/fixtures3.json").path
    }()

    /// The example objects as raw streams (the subscription item example becomes a second subscription).
    static func streams() throws -> [String: [String]]? {
        guard FileManager.default.fileExists(atPath: fixturesPath) else { return nil }
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixturesPath))) as! [String: Any]
        let resources = root["resources"] as! [String: Any]
        func line(_ object: Any) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
        var second = resources["subscription"] as! [String: Any]
        second["id"] = "sub_from_item_example"
        second["items"] = ["object": "list", "data": [resources["subscription_item"]!], "has_more": false]
        var plan = resources["plan"] as! [String: Any]
        plan["id"] = "plan_from_example"
        var creditNote = resources["credit_note"] as! [String: Any]
        var lines = creditNote["lines"] as! [String: Any]
        lines["data"] = (lines["data"] as! [Any]) + [resources["credit_note_line_item"]!]
        creditNote["lines"] = lines
        var invoice = resources["invoice"] as! [String: Any]
        var invoiceLines = invoice["lines"] as! [String: Any]
        invoiceLines["data"] = (invoiceLines["data"] as! [Any]) + [resources["line_item"]!]
        invoice["lines"] = invoiceLines
        return [
            "customers": [try line(resources["customer"]!)],
            "products": [try line(resources["product"]!)],
            // The plan example shares the price example's id: a second object with one id would be a duplicate.
            "prices": [try line(resources["price"]!), try line(plan)],
            "coupons": [try line(resources["coupon"]!)],
            "subscriptions": [try line(resources["subscription"]!), try line(second)],
            "invoices": [try line(invoice)],
            "credit_notes": [try line(creditNote)]
        ]
    }

    @Test func stripesCurrentExamplesMapWithoutRejects() throws {
        guard let streams = try Self.streams() else {
            Issue.record("\(Self.fixturesPath) is missing")
            return
        }
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        try TransformFixtures.writeRawRun(root: dir.path, runId: "x", streams: streams, finishedAt: "2026-08-01T00:00:00Z")
        var p = TransformFixtures.pipeline(maxRejectRatio: 0)
        p.fx.rates = try TransformFixtures.fixturePath("ecb-sample.csv")
        p.fx.supplementary = try TransformFixtures.fixturePath("supplementary-sample.csv")
        let report = try TransformStage(pipeline: p, paths: RunPaths(root: dir.path), schemas: try TransformFixtures.schemas()).run(
            runId: "x")
        for (table, counts) in report.manifest.tables {
            #expect(counts.rowsRejected == 0, "\(table): \(counts.rowsRejected) rejected")
        }
        let lines = try TransformFixtures.stagingLines(root: dir.path, runId: "x", table: "invoice_lines").map(TransformFixtures.parse)
        #expect(lines.count == 2)
        for line in lines {
            // parent.type is invoice_item_details: the subscription_item_details branch beside it is ignored.
            #expect(line["line_type"] as? String == "invoice_item")
            #expect(line["subscription_id"] is NSNull)
            #expect(line["subscription_item_id"] is NSNull)
            #expect(line["invoice_item_id"] as? String == "invoice_item")
            #expect(line["proration"] as? Bool == true)
            // taxes: null is an empty list.
            #expect(line["tax_amount"] as? Int == 0)
            #expect(line["amount_excluding_tax"] as? Int == 1000)
            #expect(line["quantity"] as? Int == 1)
        }
        let credits = try TransformFixtures.stagingLines(root: dir.path, runId: "x", table: "credit_note_lines").map(
            TransformFixtures.parse)
        #expect(credits.count == 3)
        #expect(credits.allSatisfy { $0["tax_amount"] as? Int == 0 && $0["discount_amount_temporary"] as? Int == 0 })
        let subscriptions = try TransformFixtures.stagingLines(root: dir.path, runId: "x", table: "subscriptions").map(
            TransformFixtures.parse)
        #expect(subscriptions.count == 2)
    }

    /// Our own lines in the shape of Stripe's examples: quantity_decimal with a null quantity, null
    /// taxes and discount_amounts, and parent.type choosing between two filled branches.
    @Test func ourLinesInTheCurrentShape() throws {
        func line(_ id: String, quantity: String, decimal: String, type: String) -> String {
            #"{"id":"\#(id)","object":"line_item","amount":1250,"currency":"usd","description":"x","discount_amounts":null,"discountable":true,"discounts":[],"invoice":"in_q","livemode":false,"metadata":{},"parent":{"invoice_item_details":{"invoice_item":"ii_1","proration":false,"proration_details":{"credited_items":null},"subscription":null},"subscription_item_details":{"invoice_item":null,"proration":true,"proration_details":{"credited_items":null},"subscription":"sub_9","subscription_item":"si_9"},"type":"\#(type)"},"period":{"end":1741255200,"start":1741168800},"pretax_credit_amounts":null,"pricing":{"price_details":{"price":"price_m","product":"prod_1"},"type":"price_details","unit_amount_decimal":"500"},"quantity":\#(quantity),"quantity_decimal":\#(decimal),"subtotal":1250,"taxes":null}"#
        }
        // il_both has a billing-credit pre-tax credit (300) beside a discount one (200, also in discount_amounts elsewhere).
        let credited = line("il_both", quantity: "4", decimal: #""4""#, type: "subscription_item_details")
            .replacingOccurrences(
                of: #""pretax_credit_amounts":null"#,
                with:
                    #""pretax_credit_amounts":[{"amount":300,"credit_balance_transaction":"cbtxn_1","type":"credit_balance_transaction"},{"amount":200,"discount":"di_1","type":"discount"}]"#
            )
        let lines = [
            line("il_half", quantity: "null", decimal: #""2.5""#, type: "subscription_item_details"),
            line("il_whole", quantity: "null", decimal: #""3""#, type: "invoice_item_details"),
            credited
        ]
        let invoice =
            #"{"id":"in_q","object":"invoice","created":1741165200,"currency":"usd","customer":"cus_A","livemode":false,"lines":{"object":"list","data":[\#(lines.joined(separator: ","))],"has_more":false,"total_count":3},"number":"N-q","status":"paid","status_transitions":{"finalized_at":1741168800}}"#
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        try TransformFixtures.writeRawRun(root: dir.path, runId: "q", streams: ["invoices": [invoice]], finishedAt: "2025-03-10T00:00:00Z")
        var p = TransformFixtures.pipeline(maxRejectRatio: 0)
        p.fx.rates = try TransformFixtures.fixturePath("ecb-sample.csv")
        _ = try TransformStage(pipeline: p, paths: RunPaths(root: dir.path), schemas: try TransformFixtures.schemas()).run(runId: "q")
        var rows: [String: [String: Any]] = [:]
        for text in try TransformFixtures.stagingLines(root: dir.path, runId: "q", table: "invoice_lines") {
            let row = try TransformFixtures.parse(text)
            rows[row["line_id"] as! String] = row
        }
        #expect(rows["il_half"]?["quantity"] is NSNull)
        #expect(rows["il_half"]?["quantity_decimal"] as? String == "2.500000000000")
        #expect(rows["il_whole"]?["quantity"] as? Int == 3)
        #expect(rows["il_both"]?["quantity"] as? Int == 4)
        #expect(rows["il_half"]?["subscription_id"] as? String == "sub_9")
        #expect(rows["il_half"]?["line_type"] as? String == "subscription")
        #expect(rows["il_half"]?["proration"] as? Bool == true)
        #expect(rows["il_half"]?["invoice_item_id"] is NSNull)
        #expect(rows["il_whole"]?["subscription_id"] is NSNull)
        #expect(rows["il_whole"]?["invoice_item_id"] as? String == "ii_1")
        #expect(rows["il_whole"]?["proration"] as? Bool == false)
        #expect(rows["il_both"]?["pretax_credit_amount"] as? Int == 300)
        #expect(rows["il_half"]?["pretax_credit_amount"] as? Int == 0)
        #expect(
            rows.values.allSatisfy {
                $0["tax_amount"] as? Int == 0 && $0["discount_amount"] as? Int == 0 && $0["amount_excluding_tax"] as? Int == 1250
            })
    }
}
