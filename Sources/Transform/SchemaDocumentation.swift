public import Core
import Foundation

/// Generates schemas/MAPPING.md (Stripe field -> table column, per table) from the schema files,
/// so the document can never drift from the contract the code reads.
public enum SchemaDocumentation {
    public static func markdown(_ schemas: SchemaSet) -> String {
        var out = """
            # Stripe -> warehouse mapping

            Generated from `schemas/*.json` (the single source of truth for every table); do not edit by hand.
            A test fails when this file is out of date; regenerate it with `stripe-etl docs` (writes schemas/MAPPING.md)
            (or `UPDATE_MAPPING=1 swift test --filter MappingDocumentTests`).

            ## How a `source` is read

            ```
            source      := alternative ( "|" alternative )*        the first non-null alternative wins
            alternative := path | "@" column | literal | "derive:" name [ "(" source ( "," source )* ")" ]
            path        := [ unit "[]." ] key ( "." key )*         e.g. lines.data[].price.id
            literal     := 'text' | true | false | null | integer
            ```

            - A path reads a field of the Stripe object; a missing field and JSON `null` are both null. Unknown
              extra fields are ignored.
            - `lines.data[].x` reads `x` from each element of the object's `lines.data` array: such a table has one
              row per element (its row unit), and the other paths read the parent object.
            - `a | b` covers both API shapes: e.g. `lines.data[].parent.subscription_item_details.subscription |
              lines.data[].subscription` reads the 2025-03-31 ("basil") field, else the older one.
            - `@column` is the value of an earlier column of the same row.
            - A row is rejected (into `staging/<run_id>/rejects.ndjson`, with its reason) when a non-nullable column is
              null, a value has the wrong JSON type, a currency is unknown, no exchange rate is recent enough, the
              object's `livemode` differs from the pipeline's mode, or the line is not JSON (a key twice in one
              object included).
            - A document is mapped whole or rejected whole: when one row of an object with a row unit (an invoice's
              lines, a credit note's lines, a subscription's items) is rejected, or its list says `has_more: true`
              (`incomplete_list`), every row of the object is rejected, each with an entry; a damaged object's rows
              are counted in its raw bytes.
            - Every primary key appears once: of several raw copies of one object (same `id`) the last line is kept
              and the earlier ones are rejected (`duplicate` when identical, `superseded` otherwise); an object
              holding a row id that an earlier object holds is rejected (`duplicate_key`).
            - Types: `int64` from JSON integers; `timestamp` from Unix seconds (UTC, microseconds); `date` is the UTC
              date of Unix seconds; `decimal(P,S)` is exact (never binary floating point) with exactly S decimals;
              `json` is the value verbatim (compact).
            - Money: amounts stay in Stripe's integer minor units; `_major` columns divide by 10^exponent of the
              currency's real exponent (JPY 0, EUR 2, BHD 3; Core's currency table); `_reporting` columns convert to
              the pipeline's reporting currency at the row's `fx_rate_date` (ECB reference rates, the latest on or
              before the document date, cross rates through EUR) and round half-even to the reporting currency's
              exponent.

            ## Derivations

            | derivation | meaning |
            | --- | --- |

            """
        for (name, entry) in Derivation.catalog.sorted(by: { $0.key < $1.key }) {
            out += "| `derive:\(name)` | \(cell(entry.summary)) |\n"
        }
        for table in schemas.tables {
            out += "\n## \(table.table)\n\n\(table.description)\n\n"
            out += "- Source stream: `\(table.sourceStream)`"
            if let unit = unitPath(table) { out += ", one row per element of `\(unit)[]`" }
            out += "\n- Primary key: \(table.primaryKey.map { "`\($0)`" }.joined(separator: ", "))\n"
            switch table.partition.by {
            case .snapshot:
                out += "- Partitioned by `\(table.partition.column)` (the run's snapshot date)\n"
            default:
                out +=
                    "- Partitioned by `\(table.partition.column)` (\(table.partition.by.rawValue) of `\(table.partition.sourceColumn ?? "")`; a directory key, not a column)\n"
            }
            out += "\n| column | type | nullable | Stripe source | description |\n| --- | --- | --- | --- | --- |\n"
            for column in table.columns {
                out +=
                    "| `\(column.name)` | \(column.type) | \(column.nullable ? "yes" : "no") | `\(cell(column.source))` | \(cell(column.description)) |\n"
            }
        }
        return out
    }

    private static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    private static func unitPath(_ table: TableSchema) -> String? {
        for column in table.columns {
            if let expression = try? MappingExpression.parse(column.source) {
                for path in expression.paths { if let unit = path.unit { return unit.joined(separator: ".") } }
            }
        }
        return nil
    }
}
