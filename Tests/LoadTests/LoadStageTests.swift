import Core
import Foundation
import ModuleErrors
import Testing

@testable import Load

@Suite struct LoadStageTests {
    /// A hand-edited invoice line: escapes, unicode, a negative amount, a null partition-free column.
    static func specialInvoiceLine() throws -> String {
        let schema = try #require(try LoadFixture.schemas().table("invoice_lines"))
        var bytes: [UInt8] = []
        SyntheticStagingRow(schema: schema).appendJSON(row: 7, to: &bytes)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        object["line_id"] = "il_special"
        object["description"] = "Quote \" backslash \\ slash / tab\t newline\n café 🧾"
        object["amount_major"] = "-9999999999999.999"
        object["fx_rate"] = "123456789012345678.123456789012"
        object["document_date"] = "1969-12-31"
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test func parquetTreeMatchesStagingValueForValueAndTheManifestCounts() async throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let schemas = try LoadFixture.schemas()
        try fixture.writeStagingRun(
            "run1", rows: ["invoice_lines": 5_000, "customers": 700, "prices": 0],
            extraLines: ["invoice_lines": [try Self.specialInvoiceLine()]])
        let result = try LoadStage(paths: fixture.paths, schemas: schemas, options: LoadOptions(rowGroupRows: 1_000)).run(runId: "run1")
        #expect(!result.alreadyPublished)
        #expect(FileManager.default.fileExists(atPath: fixture.paths.warehouseManifest("run1")))

        let warehouse = fixture.paths.warehouse
        let lines = try #require(result.manifest.tables["invoice_lines"])
        #expect(lines.rows == 5_001)
        #expect(lines.partitions.count > 3)
        #expect(lines.partitions.contains { $0.value == "1969-12" && $0.rows == 1 })
        #expect(lines.partitions.allSatisfy { $0.file.file == "invoice_lines/document_month=\($0.value)/part-run1-00000.parquet" })
        let customers = try #require(result.manifest.tables["customers"])
        #expect(customers.partitions.map(\.value) == ["2025-06-01"])
        #expect(customers.partitions.map(\.rows) == [700])
        #expect(result.manifest.tables["prices"]?.partitions.map(\.rows) == [0])

        let invoiceSchema = try #require(schemas.table("invoice_lines"))
        let customerSchema = try #require(schemas.table("customers"))
        let tree = "read_parquet('\(warehouse)/invoice_lines/*/*.parquet', hive_partitioning=true)"
        let customerTree = "read_parquet('\(warehouse)/customers/*/*.parquet', hive_partitioning=true)"
        let results = try await duckdbQuery([
            "SELECT document_month, count(*) FROM \(tree) GROUP BY 1 ORDER BY 1",
            "SELECT count(*) FROM ((\(warehouseSelect(invoiceSchema, from: tree))) EXCEPT ALL (\(stagingSelect(invoiceSchema, path: fixture.paths.stagingFile("run1", table: "invoice_lines")))))",
            "SELECT count(*) FROM ((\(stagingSelect(invoiceSchema, path: fixture.paths.stagingFile("run1", table: "invoice_lines")))) EXCEPT ALL (\(warehouseSelect(invoiceSchema, from: tree))))",
            "SELECT count(*) FROM ((\(warehouseSelect(customerSchema, from: customerTree))) EXCEPT ALL (\(stagingSelect(customerSchema, path: fixture.paths.stagingFile("run1", table: "customers")))))",
            "SELECT description, amount_major::VARCHAR, fx_rate::VARCHAR FROM \(tree) WHERE line_id = 'il_special'",
            "SELECT DISTINCT snapshot_date::VARCHAR FROM \(customerTree)"
        ])
        #expect(results[0] == lines.partitions.map { [$0.value, String($0.rows)] })
        #expect(results[1] == [["0"]])
        #expect(results[2] == [["0"]])
        #expect(results[3] == [["0"]])
        #expect(
            results[4] == [
                ["Quote \" backslash \\ slash / tab\t newline\n café 🧾", "-9999999999999.999", "123456789012345678.123456789012"]
            ])
        #expect(results[5] == [["2025-06-01"]])

        // pyarrow: the codec is zstd, and the table and schema hash are in the footer.
        let file = warehouse + "/" + lines.partitions[0].file.file
        let info = try await runPython(
            """
            import sys, json, pyarrow.parquet as pq
            md = pq.ParquetFile(sys.argv[1]).metadata
            print(json.dumps([sorted({md.row_group(g).column(c).compression for g in range(md.num_row_groups) for c in range(md.num_columns)}),
                              md.created_by, {k.decode(): v.decode() for k, v in md.metadata.items()}]))
            """, [file])
        let decoded = try JSONSerialization.jsonObject(with: info) as? [Any]
        #expect(decoded?[0] as? [String] == ["ZSTD"])
        #expect(decoded?[1] as? String == ToolInfo.createdBy)
        #expect((decoded?[2] as? [String: String])?["stripe_warehouse.schema_sha256"] == invoiceSchema.hash)
    }

    @Test func sameStagingGivesByteIdenticalTreesAndReRunsAreNoOps() throws {
        let first = try LoadFixture()
        let second = try LoadFixture()
        defer { first.remove(); second.remove() }
        let schemas = try LoadFixture.schemas()
        for fixture in [first, second] {
            try fixture.writeStagingRun("run1", rows: ["invoice_lines": 2_000, "subscriptions": 300])
            _ = try LoadStage(paths: fixture.paths, schemas: schemas).run(runId: "run1")
        }
        let firstFiles = try first.warehouseFiles()
        #expect(firstFiles.count > 3)
        #expect(firstFiles == (try second.warehouseFiles()))
        let again = try LoadStage(paths: first.paths, schemas: schemas).run(runId: "run1")
        #expect(again.alreadyPublished)
        #expect(try first.warehouseFiles() == firstFiles)
    }

    @Test func aReTransformedStagingRunIsLoadedAgain() throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let schemas = try LoadFixture.schemas()
        try fixture.writeStagingRun("run1", rows: ["invoice_lines": 500])
        _ = try LoadStage(paths: fixture.paths, schemas: schemas).run(runId: "run1")
        let before = try fixture.warehouseFiles()
        // The same run id transformed again (stripe-etl run --redo) with different rows.
        try fixture.writeStagingRun("run1", rows: ["invoice_lines": 700])
        let again = try LoadStage(paths: fixture.paths, schemas: schemas).run(runId: "run1")
        #expect(!again.alreadyPublished)
        #expect(again.manifest.tables["invoice_lines"]?.rows == 700)
        #expect(try fixture.warehouseFiles() != before)
    }

    @Test func aLaterRunReplacesFactTablesAndAddsASnapshot() async throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let schemas = try LoadFixture.schemas()
        try fixture.writeStagingRun("run1", rows: ["invoice_lines": 3_000, "customers": 100], snapshotDate: "2025-06-01")
        _ = try LoadStage(paths: fixture.paths, schemas: schemas).run(runId: "run1")
        try fixture.writeStagingRun("run2", rows: ["invoice_lines": 100, "customers": 50], snapshotDate: "2025-06-02")
        let second = try LoadStage(paths: fixture.paths, schemas: schemas).run(runId: "run2")

        let files = try fixture.warehouseFiles().keys.sorted()
        #expect(files.contains("_runs/run1.json"))
        #expect(files.contains("_runs/run2.json"))
        // The table holds the current snapshot only; every snapshot is in the history.
        #expect(!files.contains("customers/snapshot_date=2025-06-01/part-run1-00000.parquet"))
        #expect(files.contains("customers/snapshot_date=2025-06-02/part-run2-00000.parquet"))
        #expect(files.contains("_history/customers/snapshot_date=2025-06-01/part-run1-00000.parquet"))
        #expect(files.contains("_history/customers/snapshot_date=2025-06-02/part-run2-00000.parquet"))
        let lineFiles = files.filter { $0.hasPrefix("invoice_lines/") }
        #expect(lineFiles == second.manifest.tables["invoice_lines"]?.partitions.map(\.file.file).sorted())
        let counts = try await duckdbQuery([
            "SELECT count(*) FROM read_parquet('\(fixture.paths.warehouse)/invoice_lines/*/*.parquet')",
            "SELECT snapshot_date::VARCHAR, count(*) FROM read_parquet('\(fixture.paths.warehouse)/customers/*/*.parquet', hive_partitioning=true) GROUP BY 1 ORDER BY 1",
            "SELECT snapshot_date::VARCHAR, count(*) FROM read_parquet('\(fixture.paths.warehouse)/_history/customers/*/*.parquet', hive_partitioning=true) GROUP BY 1 ORDER BY 1"
        ])
        #expect(counts[0] == [["100"]])
        #expect(counts[1] == [["2025-06-02", "50"]])
        #expect(counts[2] == [["2025-06-01", "100"], ["2025-06-02", "50"]])
        // Both versions are kept (keep_runs and the grace period), each readable at its own path.
        let versions = try FileManager.default.contentsOfDirectory(atPath: fixture.root + "/.warehouse-versions").sorted()
        #expect(versions == [".published", "run1", "run2"])
    }

    @Test func anInterruptedLoadLeavesThePublishedTreeAndARerunFinishes() throws {
        let fixture = try LoadFixture()
        let clean = try LoadFixture()
        defer { fixture.remove(); clean.remove() }
        let schemas = try LoadFixture.schemas()
        for target in [fixture, clean] {
            try target.writeStagingRun("run1", rows: ["invoice_lines": 1_000, "customers": 20], snapshotDate: "2025-06-01")
            _ = try LoadStage(paths: target.paths, schemas: schemas).run(runId: "run1")
            try target.writeStagingRun("run2", rows: ["invoice_lines": 1_500, "customers": 30], snapshotDate: "2025-06-02")
        }
        let before = try fixture.warehouseFiles()

        // A crash mid-build leaves a half-written version that nothing points at.
        let partial = fixture.root + "/.warehouse-versions/run2/invoice_lines/document_month=2022-01"
        try FileManager.default.createDirectory(atPath: partial, withIntermediateDirectories: true)
        try Data("PAR1 truncated".utf8).write(to: URL(fileURLWithPath: partial + "/part-00000.parquet"))
        try Data().write(to: URL(fileURLWithPath: fixture.root + "/.warehouse-link.tmp"))
        #expect(try fixture.warehouseFiles() == before)

        _ = try LoadStage(paths: fixture.paths, schemas: schemas).run(runId: "run2")
        _ = try LoadStage(paths: clean.paths, schemas: schemas).run(runId: "run2")
        let after = try fixture.warehouseFiles()
        #expect(after == (try clean.warehouseFiles()))
        #expect(after != before)
    }

    @Test func refusesIncompleteOrAlteredStaging() throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let schemas = try LoadFixture.schemas()
        try fixture.writeStagingRun("run1", rows: ["customers": 10])
        try FileManager.default.removeItem(atPath: fixture.paths.stagingManifest("run1"))
        #expect(throws: CoreError.self) { try LoadStage(paths: fixture.paths, schemas: schemas).run(runId: "run1") }

        try fixture.writeStagingRun("run2", rows: ["customers": 10])
        let file = fixture.paths.stagingFile("run2", table: "customers")
        try SyntheticStaging.write(count: 11, schema: try #require(schemas.table("customers")), path: file)
        #expect(throws: LoadError.self) { try LoadStage(paths: fixture.paths, schemas: schemas).run(runId: "run2") }
        #expect(!FileManager.default.fileExists(atPath: fixture.paths.warehouse))
    }

    @Test func aBadRowNamesTheFileLineAndColumn() throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let schemas = try LoadFixture.schemas()
        var line = try Self.specialInvoiceLine()
        line = line.replacingOccurrences(of: "\"amount_major\":\"-9999999999999.999\"", with: "\"amount_major\":\"1.23456\"")
        try fixture.writeStagingRun("run1", rows: ["invoice_lines": 10], extraLines: ["invoice_lines": [line]])
        do {
            _ = try LoadStage(paths: fixture.paths, schemas: schemas).run(runId: "run1")
            Issue.record("the bad row was loaded")
        } catch let error as LoadError {
            #expect(error.code == .badRow)
            #expect(error.message.contains("invoice_lines.ndjson.zst"))
            #expect(error.message.contains("amount_major"))
            #expect(error.message.contains("1.23456"))
        }
        #expect(!FileManager.default.fileExists(atPath: fixture.paths.warehouse))
    }

    @Test(arguments: [PipelineDefinition.OutputFormat.ndjson, .csv])
    func textFormatsHoldTheSameRows(format: PipelineDefinition.OutputFormat) async throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let schemas = try LoadFixture.schemas()
        try fixture.writeStagingRun(
            "run1", rows: ["invoice_lines": 2_000, "customers": 40],
            extraLines: ["invoice_lines": [try Self.specialInvoiceLine()]])
        let result = try LoadStage(paths: fixture.paths, schemas: schemas, options: LoadOptions(format: format)).run(runId: "run1")
        let lines = try #require(result.manifest.tables["invoice_lines"])
        let extension_ = format == .csv ? "csv.zst" : "ndjson.zst"
        #expect(lines.partitions.allSatisfy { $0.file.file.hasSuffix("/part-run1-00000.\(extension_)") })

        let schema = try #require(schemas.table("invoice_lines"))
        let glob = "\(fixture.paths.warehouse)/invoice_lines/*/*.\(extension_)"
        let staging = stagingSelect(schema, path: fixture.paths.stagingFile("run1", table: "invoice_lines"))
        let published: String
        if format == .csv {
            // Read every field as text, then cast like staging: NULL is an empty unquoted field.
            let casts = schema.columns.map { column -> String in
                let name = "\"\(column.name)\""
                switch column.type {
                case .string: return name
                case .int64: return "CAST(\(name) AS BIGINT) AS \(name)"
                case .decimal(let p, let s): return "CAST(\(name) AS DECIMAL(\(p),\(s))) AS \(name)"
                case .bool: return "CAST(\(name) AS BOOLEAN) AS \(name)"
                case .timestamp: return "CAST(\(name) AS TIMESTAMPTZ) AS \(name)"
                case .date: return "CAST(\(name) AS DATE) AS \(name)"
                case .json: return "CAST(CAST(\(name) AS JSON) AS VARCHAR) AS \(name)"
                }
            }
            published =
                "SELECT \(casts.joined(separator: ", ")) FROM read_csv('\(glob)', header=true, all_varchar=true, quote='\"', escape='\"', hive_partitioning=false)"
        } else {
            published = stagingSelect(schema, path: glob)
        }
        let results = try await duckdbQuery([
            "SELECT count(*) FROM ((\(published)) EXCEPT ALL (\(staging)))",
            "SELECT count(*) FROM ((\(staging)) EXCEPT ALL (\(published)))",
            "SELECT count(*) FROM (\(published))"
        ])
        #expect(results[0] == [["0"]])
        #expect(results[1] == [["0"]])
        #expect(results[2] == [["2001"]])
    }

    @Test func generatedDuckDBDDLCreatesTablesTheParquetTreeLoadsInto() async throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let schemas = try LoadFixture.schemas()
        try fixture.writeStagingRun("run1", rows: Dictionary(uniqueKeysWithValues: schemas.tables.map { ($0.table, 300) }))
        _ = try LoadStage(paths: fixture.paths, schemas: schemas).run(runId: "run1")
        var statements = try WarehouseDDL.createTables(schemas, dialect: .duckdb)
            .split(separator: "\n").filter { !$0.hasPrefix("--") }.joined(separator: "\n")
            .components(separatedBy: ";\n").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        for table in schemas.tables {
            statements.append(
                "INSERT INTO \(table.table) SELECT * FROM read_parquet('\(fixture.paths.warehouse)/\(table.table)/*/*.parquet', hive_partitioning=true)"
            )
        }
        let queries = statements + schemas.tables.map { "SELECT count(*) FROM \($0.table)" }
        let results = try await duckdbQuery(queries)
        #expect(results.suffix(schemas.tables.count).map { $0 } == Array(repeating: [["300"]], count: schemas.tables.count))

        for dialect in WarehouseDDL.Dialect.allCases {
            let ddl = try WarehouseDDL.createTables(schemas, dialect: dialect)
            // Every table, plus a history table per dimension table (customers, prices, subscriptions).
            #expect(ddl.components(separatedBy: "CREATE TABLE IF NOT EXISTS").count == schemas.tables.count + 3 + 1)
            #expect(ddl.contains("PRIMARY KEY (line_id)"))
            #expect(ddl.contains("PRIMARY KEY (customer_id, snapshot_date)"))
        }
        let invoiceLines = try #require(schemas.table("invoice_lines"))
        let bigQueryDDL = try WarehouseDDL.createTable(invoiceLines, dialect: .bigquery)
        #expect(
            bigQueryDDL.contains("fx_rate BIGNUMERIC(30, 12)") && !bigQueryDDL.contains("fx_rate BIGNUMERIC(30, 12) NOT NULL"),
            "fx_rate is null when the row has no rate (fx_status)")
        #expect(try WarehouseDDL.createTable(invoiceLines, dialect: .snowflake).contains("document_month VARCHAR NOT NULL"))
        let bigQuery =
            try JSONSerialization.jsonObject(with: Data(try WarehouseDDL.bigQueryJSONSchema(invoiceLines).utf8)) as? [[String: String]]
        #expect(bigQuery?.count == invoiceLines.columns.count + 1)
        #expect(bigQuery?.first { $0["name"] == "amount_major" }?["type"] == "NUMERIC")
    }

    @Test func stagingTimesParseStrictly() {
        func timestamp(_ text: String) -> Int64? { Array(text.utf8).withUnsafeBytes { StagingTime.parseTimestamp($0) } }
        func date(_ text: String) -> Int32? { Array(text.utf8).withUnsafeBytes { StagingTime.parseDate($0) } }
        #expect(timestamp("1970-01-01T00:00:00.000001Z") == 1)
        #expect(timestamp("1969-12-31T23:59:59.999999Z") == -1)
        #expect(timestamp("2024-02-29T12:00:00Z") == 1_709_208_000_000_000)
        #expect(timestamp("2024-02-29T12:00:00.5Z") == 1_709_208_000_500_000)
        #expect(timestamp("2023-02-29T12:00:00.000000Z") == nil)
        #expect(timestamp("2024-01-01T24:00:00.000000Z") == nil)
        #expect(timestamp("2024-01-01 00:00:00.000000Z") == nil)
        #expect(timestamp("2024-01-01T00:00:00.0000001Z") == nil)
        #expect(date("0001-01-01") == -719_162)
        #expect(date("2024-13-01") == nil)
        #expect(date("2024-1-01") == nil)
    }
}
