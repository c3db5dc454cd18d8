import Core
import Foundation
import TestSupport
import Testing

@testable import Load

/// The published tree as readers see it: per-version paths, grace period, re-loading an older
/// run, partition naming, empty tables, and what each reader makes of the columns.
@Suite struct WarehouseVersionTests {
    @Test func reLoadingAnOlderRunPublishesItAndOnlyThePublishedRunIsANoOp() async throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let schemas = try LoadFixture.schemas()
        try fixture.writeStagingRun("run1", rows: ["invoice_lines": 300, "customers": 30], snapshotDate: "2025-06-01")
        try fixture.writeStagingRun("run2", rows: ["invoice_lines": 100, "customers": 20], snapshotDate: "2025-06-02")
        let stage = LoadStage(paths: fixture.paths, schemas: schemas)
        _ = try stage.run(runId: "run1", now: 1_000)
        _ = try stage.run(runId: "run2", now: 2_000)
        let again = try stage.run(runId: "run1", now: 3_000)
        #expect(!again.alreadyPublished, "re-loading run1 after run2 must publish run1, not report it as published")
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: fixture.paths.warehouse)
        #expect(target == ".warehouse-versions/run1~2")
        let counts = try await duckdbQuery([
            "SELECT count(*) FROM read_parquet('\(fixture.paths.warehouse)/invoice_lines/*/*.parquet')",
            "SELECT snapshot_date::VARCHAR, count(*) FROM read_parquet('\(fixture.paths.warehouse)/customers/*/*.parquet', hive_partitioning=true) GROUP BY 1",
            "SELECT snapshot_date::VARCHAR, count(*) FROM read_parquet('\(fixture.paths.warehouse)/_history/customers/*/*.parquet', hive_partitioning=true) GROUP BY 1 ORDER BY 1"
        ])
        #expect(counts[0] == [["300"]])
        #expect(counts[1] == [["2025-06-01", "30"]])
        #expect(counts[2] == [["2025-06-01", "30"], ["2025-06-02", "20"]])
        // The versions readers may hold are untouched: run1's and run2's trees are still there.
        for version in ["run1", "run2"] {
            #expect(FileManager.default.fileExists(atPath: fixture.root + "/.warehouse-versions/\(version)/_runs/\(version).json"))
        }
        #expect(try stage.run(runId: "run1", now: 4_000).alreadyPublished)
    }

    @Test func supersededVersionsStayForTheGracePeriodAndTheNewestKeepRuns() throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let schemas = try LoadFixture.schemas()
        for run in 1...4 {
            try fixture.writeStagingRun("run\(run)", rows: ["invoice_lines": 10 * run], snapshotDate: "2025-06-0\(run)")
        }
        let stage = LoadStage(paths: fixture.paths, schemas: schemas, options: LoadOptions(versionGraceSeconds: 5_000, keepRuns: 1))
        func versions() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: fixture.root + "/.warehouse-versions").filter { !$0.hasPrefix(".") }
                .sorted()
        }
        _ = try stage.run(runId: "run1", now: 0)
        _ = try stage.run(runId: "run2", now: 10_000)
        #expect(try versions() == ["run1", "run2"]) // run1 superseded just now: in its grace period
        _ = try stage.run(runId: "run3", now: 20_000)
        #expect(try versions() == ["run2", "run3"]) // run1 superseded 10,000 s ago: gone
        let keepThree = LoadStage(paths: fixture.paths, schemas: schemas, options: LoadOptions(versionGraceSeconds: 0, keepRuns: 3))
        _ = try keepThree.run(runId: "run4", now: 90_000)
        #expect(try versions() == ["run2", "run3", "run4"])
        let keepOne = LoadStage(paths: fixture.paths, schemas: schemas, options: LoadOptions(versionGraceSeconds: 0, keepRuns: 1))
        #expect(try keepOne.run(runId: "run4", now: 90_001).alreadyPublished)
        #expect(try versions() == ["run4"])
    }

    @Test func keepRunsPrunesRawAndStagingOfOlderPublishedRunsOnly() throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let schemas = try LoadFixture.schemas()
        for run in ["run1", "run2", "run3", "run4", "unpublished"] {
            try fixture.writeStagingRun(run, rows: ["invoice_lines": 10, "customers": 3])
            try AtomicFile.write("{}", to: fixture.paths.raw(run) + "/_manifest.json")
        }
        let stage = LoadStage(paths: fixture.paths, schemas: schemas, options: LoadOptions(versionGraceSeconds: 0, keepRuns: 2))
        func present() -> [String] {
            ["run1", "run2", "run3", "run4", "unpublished"].filter {
                FileManager.default.fileExists(atPath: fixture.paths.raw($0))
                    || FileManager.default.fileExists(atPath: fixture.paths.staging($0))
            }
        }
        for (n, run) in ["run1", "run2", "run3"].enumerated() { _ = try stage.run(runId: run, now: Int64(n * 100)) }
        #expect(present() == ["run2", "run3", "run4", "unpublished"])
        // Re-publishing run2 makes it the newest: run3 is the other kept run.
        _ = try stage.run(runId: "run2", now: 300)
        #expect(present() == ["run2", "run3", "run4", "unpublished"])
        _ = try stage.run(runId: "run4", now: 400)
        #expect(present() == ["run2", "run4", "unpublished"])
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: fixture.root + "/.warehouse-versions").filter { !$0.hasPrefix(".") }
                .sorted() == ["run2~2", "run4"])
    }

    /// Readers resolve `warehouse` once (the README's `readlink -f`) and query that version while
    /// loads publish new ones: every query sees exactly one run's rows, and none fails.
    @Test(.timeLimit(.minutes(3))) func concurrentReadersSeeExactlyOneVersionPerQuery() async throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let schemas = try LoadFixture.schemas()
        var expected: [[Int]] = []
        for run in 1...4 {
            try fixture.writeStagingRun(
                "run\(run)", rows: ["invoice_lines": 1_000 * run, "customers": 100 + run], snapshotDate: "2025-06-0\(run)")
            expected.append([1_000 * run, 100 + run])
        }
        let stage = LoadStage(paths: fixture.paths, schemas: schemas)
        _ = try stage.run(runId: "run1")

        let started = fixture.root + "/readers-started"
        let stop = fixture.root + "/readers-stop"
        let script = """
            import sys, os, json, threading, time, duckdb
            warehouse, started, stop = sys.argv[1:4]
            results, errors, lock = [], [], threading.Lock()
            parent, deadline = os.getppid(), time.time() + 170
            def reader():
                con = duckdb.connect(); con.execute("SET enable_progress_bar = false")  # a progress bar would go to stdout
                # Ends with the stop file, or on its own if the test died (never an orphan).
                while not os.path.exists(stop) and os.getppid() == parent and time.time() < deadline:
                    version = os.path.realpath(warehouse)
                    try:
                        row = con.execute(f"SELECT (SELECT count(*) FROM read_parquet('{version}/invoice_lines/*/*.parquet')), (SELECT count(*) FROM read_parquet('{version}/customers/*/*.parquet'))").fetchone()
                        with lock: results.append([int(row[0]), int(row[1])])
                    except Exception as e:
                        with lock: errors.append(str(e)[:300])
                    if len(results) == 4 and not os.path.exists(started):
                        open(started, "w").close()
            threads = [threading.Thread(target=reader) for _ in range(3)]
            for t in threads: t.start()
            for t in threads: t.join()
            print(json.dumps({"results": results, "errors": errors}))
            """
        let output = fixture.root + "/readers.json"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let reader = try await ChildProcess.start(
            "/usr/bin/env", ["python3", "-c", script, fixture.paths.warehouse, started, stop], stdout: output)
        defer { reader.send(SIGTERM) }
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: started) && reader.isRunning && Date() < deadline { usleep(20_000) }
        #expect(FileManager.default.fileExists(atPath: started), "the readers never got going")

        var loads = 0
        for round in 0..<3 {
            for run in (round == 0 ? 2 : 1)...4 {
                _ = try stage.run(runId: "run\(run)")
                loads += 1
            }
        }
        _ = FileManager.default.createFile(atPath: stop, contents: nil)
        #expect(try await reader.wait(timeout: 170) == ChildProcess.Exit(status: 0, signalled: false))
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any]
        let results = (report?["results"] as? [[Int]]) ?? []
        let errors = (report?["errors"] as? [String]) ?? []
        #expect(loads == 11)
        #expect(results.count > 20, "too few queries overlapped the loads")
        #expect(errors.isEmpty, "queries failed: \(errors.prefix(3))")
        let mixed = results.filter { !expected.contains($0) }
        #expect(mixed.isEmpty, "queries saw a mix of versions: \(mixed.prefix(5))")
        #expect(Set(results.map { $0[0] }).count >= 2, "the readers saw only one version; they did not overlap the loads")
    }

    @Test func partitionDirectoriesAreNamedAfterTheirGranularity() async throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let schemas = try LoadFixture.schemas()
        try fixture.writeStagingRun("run1", rows: ["invoice_lines": 400, "credit_note_lines": 300])
        let options = LoadOptions(partitioning: ["invoice_lines": .day, "credit_note_lines": .year])
        let result = try LoadStage(paths: fixture.paths, schemas: schemas, options: options).run(runId: "run1")
        let lines = try #require(result.manifest.tables["invoice_lines"])
        let notes = try #require(result.manifest.tables["credit_note_lines"])
        #expect(lines.partitionColumn == "document_day")
        #expect(notes.partitionColumn == "credit_note_year")
        #expect(lines.partitions.allSatisfy { $0.file.file.hasPrefix("invoice_lines/document_day=") && $0.value.count == 10 })
        #expect(notes.partitions.allSatisfy { $0.file.file.hasPrefix("credit_note_lines/credit_note_year=") && $0.value.count == 4 })
        let ddl = try WarehouseDDL.createTables(schemas, dialect: .postgres, partitioning: options.partitioning)
        #expect(ddl.contains("document_day DATE NOT NULL"))
        #expect(ddl.contains("credit_note_year INTEGER NOT NULL"))
        #expect(!ddl.contains("document_month"))
        let types = try await duckdbQuery([
            "SELECT typeof(document_day), count(*) FROM read_parquet('\(fixture.paths.warehouse)/invoice_lines/*/*.parquet', hive_partitioning=true) GROUP BY 1",
            "SELECT typeof(credit_note_year), count(*) FROM read_parquet('\(fixture.paths.warehouse)/credit_note_lines/*/*.parquet', hive_partitioning=true) GROUP BY 1"
        ])
        #expect(types[0] == [["DATE", "400"]])
        #expect(types[1].map { $0[1] } == ["300"])
        #expect(types[1].first?[0] != "DATE")
    }

    @Test func emptyTablesGetADirectoryAndASchemaOnlyFile() async throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let schemas = try LoadFixture.schemas()
        try fixture.writeStagingRun("run1", rows: ["invoice_lines": 0, "credit_note_lines": 0, "customers": 0])
        let result = try LoadStage(paths: fixture.paths, schemas: schemas).run(runId: "run1")
        let lines = try #require(result.manifest.tables["invoice_lines"])
        #expect(lines.partitions.map(\.file.file) == ["invoice_lines/document_month=__HIVE_DEFAULT_PARTITION__/part-run1-00000.parquet"])
        #expect(lines.partitions.map(\.rows) == [0])
        let invoiceSchema = try #require(schemas.table("invoice_lines"))
        let described = try await duckdbQuery([
            "SELECT count(*) FROM read_parquet('\(fixture.paths.warehouse)/invoice_lines/*/*.parquet', hive_partitioning=true)",
            "SELECT count(*) FROM read_parquet('\(fixture.paths.warehouse)/credit_note_lines/*/*.parquet', hive_partitioning=true)",
            "SELECT count(*) FROM (DESCRIBE SELECT * FROM read_parquet('\(fixture.paths.warehouse)/invoice_lines/*/*.parquet', hive_partitioning=false))"
        ])
        #expect(described[0] == [["0"]])
        #expect(described[1] == [["0"]])
        #expect(described[2] == [[String(invoiceSchema.columns.count)]])
    }

    /// JSON columns are text to pyarrow, polars and DuckDB alike (polars reads the Parquet JSON
    /// logical type as Binary when no Arrow schema is embedded).
    @Test func jsonColumnsReadAsStringsInPyarrowPolarsAndDuckDB() async throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let schemas = try LoadFixture.schemas()
        try fixture.writeStagingRun("run1", rows: ["customers": 20])
        _ = try LoadStage(paths: fixture.paths, schemas: schemas).run(runId: "run1")
        let customers = try #require(schemas.table("customers"))
        let jsonColumns = customers.columns.filter { $0.type == .json }.map(\.name)
        #expect(!jsonColumns.isEmpty)
        let report = try await runPython(
            """
            import sys, json, glob, pyarrow.parquet as pq, polars as pl, duckdb
            files = glob.glob(sys.argv[1] + "/customers/*/*.parquet")
            columns = json.loads(sys.argv[2])
            arrow = pq.read_table(files[0]).schema
            frame = pl.read_parquet(files[0])
            duck = {r[0]: r[1] for r in duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{files[0]}')").fetchall()}
            value = frame[columns[0]][0]
            print(json.dumps({c: [str(arrow.field(c).type), str(frame.schema[c]), duck[c]] for c in columns} | {"value": [type(value).__name__, value]}))
            """, [fixture.paths.warehouse, String(decoding: try JSONSerialization.data(withJSONObject: jsonColumns), as: UTF8.self)])
        let decoded = try #require(try JSONSerialization.jsonObject(with: report) as? [String: [String]])
        for column in jsonColumns {
            #expect(decoded[column] == ["string", "String", "VARCHAR"], "column \(column)")
        }
        #expect(decoded["value"]?.first == "str")
    }
}
