import Core
import Foundation
import TestSupport
import Testing

@testable import Transform

@Suite struct MappingExpressionTests {
    @Test func parsesPathsUnitsCoalesceAndDerivations() throws {
        let e = try MappingExpression.parse("lines.data[].parent.subscription_item_details.subscription | lines.data[].subscription")
        #expect(
            e
                == .coalesce([
                    .path(unit: ["lines", "data"], keys: ["parent", "subscription_item_details", "subscription"]),
                    .path(unit: ["lines", "data"], keys: ["subscription"])
                ]))
        let d = try MappingExpression.parse("derive:map(lines.data[].type, 'invoiceitem=invoice_item', 'subscription=subscription')")
        #expect(
            d
                == .derive(
                    name: "map",
                    arguments: [
                        .path(unit: ["lines", "data"], keys: ["type"]), .literal(.string("invoiceitem=invoice_item")),
                        .literal(.string("subscription=subscription"))
                    ]))
        #expect(try MappingExpression.parse("derive:fx(@amount)") == .derive(name: "fx", arguments: [.column("amount")]))
        #expect(
            try MappingExpression.parse("cancel_at_period_end | false")
                == .coalesce([.path(unit: nil, keys: ["cancel_at_period_end"]), .literal(.bool(false))]))
        #expect(try MappingExpression.parse("derive:reporting_currency") == .derive(name: "reporting_currency", arguments: []))
        #expect(e.description == "lines.data[].parent.subscription_item_details.subscription | lines.data[].subscription")
    }

    @Test(arguments: ["", "a..b", "a[].b[].c", "derive:", "derive:x(a", "'open", "a | ", "@", "a b"])
    func rejectsMalformedSources(_ text: String) {
        #expect(throws: CoreError.self) { try MappingExpression.parse(text) }
    }

    @Test func planRejectsUnknownDerivationsAndLaterColumns() throws {
        let settings = MappingSettings(
            identityKey: "email", livemode: false, reportingCurrency: "eur", reportingExponent: 2, mrrDate: .created, runDay: 0)
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        func plan(_ columns: [(String, String)]) throws -> TablePlan {
            let list = columns.map {
                "{\"name\": \"\($0.0)\", \"type\": \"string\", \"nullable\": true, \"description\": \"\", \"source\": \"\($0.1)\"}"
            }
            let text =
                "{\"table\": \"t\", \"source_stream\": \"s\", \"primary_key\": [\"a\"], \"partition\": {\"column\": \"d\", \"by\": \"snapshot\"}, \"columns\": [\(list.joined(separator: ","))]}"
            try text.write(toFile: dir.appending("t.json"), atomically: true, encoding: .utf8)
            return try TablePlan(schema: try TableSchema.load(path: dir.appending("t.json")), settings: settings)
        }
        #expect(throws: CoreError.self) { try plan([("a", "derive:nope(id)")]) }
        #expect(throws: CoreError.self) { try plan([("a", "@b"), ("b", "id")]) }
        #expect(throws: CoreError.self) { try plan([("a", "lines.data[].id"), ("b", "items.data[].id")]) }
        #expect(throws: CoreError.self) { try plan([("a", "derive:fx(id)")]) }
        #expect(throws: CoreError.self) { try plan([("a", "derive:major(id)")]) }
        #expect(try plan([("a", "lines.data[].id"), ("b", "id")]).unit == ["lines", "data"])
    }
}
