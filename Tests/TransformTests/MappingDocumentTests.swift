import Core
import Foundation
import Testing

@testable import Transform

@Suite struct MappingDocumentTests {
    @Test func mappingDocumentIsInSync() throws {
        let generated = SchemaDocumentation.markdown(try TransformFixtures.schemas())
        let path = TransformFixtures.schemaDirectory + "/MAPPING.md"
        if ProcessInfo.processInfo.environment["UPDATE_MAPPING"] == "1" {
            try generated.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let current = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        #expect(
            current == generated,
            "schemas/MAPPING.md is out of date with schemas/*.json; regenerate it with `stripe-etl schemas doc > schemas/MAPPING.md` or `UPDATE_MAPPING=1 swift test --filter MappingDocumentTests`"
        )
    }

    @Test func documentNamesEveryColumnAndSource() throws {
        let schemas = try TransformFixtures.schemas()
        let text = SchemaDocumentation.markdown(schemas)
        for table in schemas.tables {
            #expect(text.contains("## \(table.table)\n"))
            for column in table.columns { #expect(text.contains("| `\(column.name)` | \(column.type) |")) }
        }
        #expect(text.contains("lines.data[].parent.invoice_item_details.proration) \\| lines.data[].proration \\| false`"))
    }
}
