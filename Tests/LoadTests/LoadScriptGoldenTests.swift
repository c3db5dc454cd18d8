import Core
import Foundation
import TestSupport
import Testing

@testable import Load

/// The BigQuery and Snowflake scripts cannot run here (no servers): they are checked against
/// golden files (Tests/LoadTests/Golden/<dialect>/, output root shown as /OUTPUT) and for the
/// properties a load depends on. DuckDB and Postgres scripts have golden files too, and run
/// against real databases in WarehouseLoadTests. `UPDATE_GOLDEN=1 swift test --filter
/// LoadScriptGoldenTests` rewrites the golden files after an intended change.
@Suite struct LoadScriptGoldenTests {
    static let goldenRoot = LoadFixture.repositoryRoot + "/Tests/LoadTests/Golden"

    static func writeScripts(_ fixture: LoadFixture) throws -> [WarehouseDDL.Dialect: LoadScriptWriter.Written] {
        let schemas = try LoadFixture.schemas()
        try fixture.writeStagingRun(
            "20250601T020000Z", rows: ["invoice_lines": 40, "credit_note_lines": 0, "customers": 5, "prices": 3, "subscriptions": 4])
        _ = try LoadStage(paths: fixture.paths, schemas: schemas).run(runId: "20250601T020000Z", now: 0)
        var written: [WarehouseDDL.Dialect: LoadScriptWriter.Written] = [:]
        for dialect in WarehouseDDL.Dialect.allCases {
            written[dialect] = try LoadScriptWriter(paths: fixture.paths, schemas: schemas).write(dialect: dialect, runId: nil)
        }
        return written
    }

    @Test(arguments: WarehouseDDL.Dialect.allCases)
    func scriptsMatchTheGoldenFiles(_ dialect: WarehouseDDL.Dialect) throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let written = try #require(try Self.writeScripts(fixture)[dialect])
        let root = try #require(URL(fileURLWithPath: fixture.root).resolvingSymlinksInPath().path as String?)
        let names = try FileManager.default.contentsOfDirectory(atPath: written.directory).filter {
            $0.hasSuffix(".sql") || $0.hasSuffix(".sh") || $0.hasSuffix(".json")
        }.sorted()
        #expect(names.contains("ddl.sql"))
        let golden = Self.goldenRoot + "/" + dialect.rawValue
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try? FileManager.default.removeItem(atPath: golden)
            try FileManager.default.createDirectory(atPath: golden, withIntermediateDirectories: true)
        }
        for name in names {
            let actual = try String(contentsOfFile: written.directory + "/" + name, encoding: .utf8).replacingOccurrences(
                of: root, with: "/OUTPUT")
            if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
                try actual.write(toFile: golden + "/" + name, atomically: true, encoding: .utf8)
            }
            let expected = try String(contentsOfFile: golden + "/" + name, encoding: .utf8)
            #expect(actual == expected, "\(dialect.rawValue)/\(name) differs from its golden file")
        }
        let goldenNames = try FileManager.default.contentsOfDirectory(atPath: golden).sorted()
        #expect(goldenNames == names)
    }

    @Test func snowflakePutsEveryPartitionFileByAbsolutePathAndNamesItsPartitionValue() throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let written = try #require(try Self.writeScripts(fixture)[.snowflake])
        let script = try String(contentsOfFile: written.load, encoding: .utf8)
        let puts = script.split(separator: "\n").filter { $0.hasPrefix("PUT ") }
        let files = written.run.manifest.tables.values.flatMap(\.partitions)
        #expect(puts.count == files.count)
        for partition in files {
            let directory = (partition.file.file as NSString).deletingLastPathComponent
            #expect(
                puts.contains {
                    $0.hasPrefix(
                        "PUT 'file://\(written.run.versionPath)/\(partition.file.file)' '@\(WarehouseSQL.snowflakeStage)/20250601T020000Z/\(directory)/'"
                    )
                })
            let value = partition.value == TableLoader.nullPartition ? "NULL" : "'\(partition.value)'"
            #expect(
                script.contains(
                    ", \(value) FROM '@\(WarehouseSQL.snowflakeStage)/20250601T020000Z/\(directory)/') FILE_FORMAT = (TYPE = PARQUET) FORCE = TRUE;"
                ))
        }
        #expect(script.contains("BEGIN;\nDELETE FROM customers;\n"))
        #expect(script.contains("DELETE FROM customers_history WHERE snapshot_date = '2025-06-01';"))
        #expect(script.hasSuffix("COMMIT;\n"))
    }

    /// A run published again (version `<run>~2`) uploads under its version, so the files of its first
    /// upload (which may hold partitions it no longer has) are never loaded with it.
    @Test func aRepublishedRunUploadsUnderItsVersion() throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let schemas = try LoadFixture.schemas()
        let rows = ["invoice_lines": 12, "credit_note_lines": 0, "customers": 2, "prices": 1, "subscriptions": 1]
        for run in ["20250601T020000Z", "20250602T020000Z"] {
            try fixture.writeStagingRun(run, rows: rows)
            _ = try LoadStage(paths: fixture.paths, schemas: schemas).run(runId: run, now: 0)
        }
        _ = try LoadStage(paths: fixture.paths, schemas: schemas).run(runId: "20250601T020000Z", now: 0)
        let writer = LoadScriptWriter(paths: fixture.paths, schemas: schemas)
        let bigquery = try writer.write(dialect: .bigquery, runId: nil)
        let snowflake = try writer.write(dialect: .snowflake, runId: nil)
        #expect(bigquery.run.version == "20250601T020000Z~2")
        let bq = try String(contentsOfFile: bigquery.load, encoding: .utf8)
        #expect(bq.contains("\"$BUCKET/20250601T020000Z~2/\"") && !bq.contains("\"$BUCKET/20250601T020000Z/"), "\(bq)")
        let sf = try String(contentsOfFile: snowflake.load, encoding: .utf8)
        #expect(
            sf.contains("@\(WarehouseSQL.snowflakeStage)/20250601T020000Z~2/")
                && !sf.contains("@\(WarehouseSQL.snowflakeStage)/20250601T020000Z/"))
    }

    @Test func bigQueryKeepsDecimalsExactAndReplaces() throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let written = try #require(try Self.writeScripts(fixture)[.bigquery])
        let script = try String(contentsOfFile: written.load, encoding: .utf8)
        let loads = script.components(separatedBy: "bq load ").dropFirst()
        #expect(loads.count == 8)
        #expect(loads.allSatisfy { $0.contains("--replace --decimal_target_types=NUMERIC,BIGNUMERIC") })
        #expect(script.contains("{document_month:STRING}"))
        #expect(script.contains("{snapshot_date:DATE}"))
        #expect(script.contains("\"$DATASET.customers_history\\$20250601\""))
        let schema =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: written.directory + "/invoice_lines.schema.json")))
            as? [[String: String]]
        #expect(schema?.first { $0["name"] == "fx_rate" }?["type"] == "BIGNUMERIC")
        #expect(schema?.first { $0["name"] == "amount_major" }?["type"] == "NUMERIC")
        #expect(schema?.last?["name"] == "document_month")
    }
}
