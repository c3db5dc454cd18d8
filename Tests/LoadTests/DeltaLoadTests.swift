import Core
import Foundation
import TestSupport
import Testing

@testable import Load

/// `load.format: delta` read back by an independent Delta reader (delta-rs, the `deltalake`
/// package): the same rows as the plain layout for the same staging runs, one version per run,
/// time travel to the previous run, and a held version readable after the next commit.
@Suite struct DeltaLoadTests {
    static let compare = #"""
        import sys, json, duckdb, pyarrow as pa
        from deltalake import DeltaTable
        spec = json.loads(sys.argv[1])
        out = {}
        con = duckdb.connect(); con.execute("SET enable_progress_bar = false")  # a progress bar would go to stdout
        for check in spec["checks"]:
            dt = DeltaTable(check["delta"], version=check.get("version"))
            data = dt.to_pyarrow_table()
            cols = ", ".join('"' + c + '"' for c in check["columns"])
            pc = check["partition"]
            delta = f'SELECT {cols}, CAST("{pc}" AS VARCHAR) FROM data'
            plain = f"""SELECT {cols}, CAST("{pc}" AS VARCHAR) FROM read_parquet('{check["plain"]}/*/*.parquet', hive_partitioning = true, hive_types = {{'{pc}': VARCHAR}})"""
            missing = con.execute(f"SELECT count(*) FROM (({plain}) EXCEPT ALL ({delta}))").fetchone()[0]
            extra = con.execute(f"SELECT count(*) FROM (({delta}) EXCEPT ALL ({plain}))").fetchone()[0]
            actions = pa.table(dt.get_add_actions(flatten=True)).to_pylist()
            out[check["name"]] = {
                "rows": data.num_rows, "missing": missing, "extra": extra, "version": dt.version(),
                "partition_columns": dt.metadata().partition_columns,
                "fields": [f.name for f in dt.schema().fields],
                "protocol": [dt.protocol().min_reader_version, dt.protocol().min_writer_version],
                "stats_rows": sum(a.get("num_records") or 0 for a in actions),
            }
        print(json.dumps(out))
        """#

    static func stageRuns(_ fixture: LoadFixture) throws {
        try fixture.writeStagingRun(
            "run1", rows: ["invoice_lines": 600, "credit_note_lines": 0, "customers": 40, "prices": 10, "subscriptions": 30],
            snapshotDate: "2025-06-01")
        try fixture.writeStagingRun(
            "run2", rows: ["invoice_lines": 250, "credit_note_lines": 20, "customers": 25, "prices": 10, "subscriptions": 12],
            snapshotDate: "2025-06-02")
    }

    @Test func deltaTablesHoldThePlainLayoutsRowsAndTimeTravelToThePreviousRun() async throws {
        let plain = try LoadFixture()
        let delta = try LoadFixture()
        defer { plain.remove(); delta.remove() }
        let schemas = try LoadFixture.schemas()
        try Self.stageRuns(plain)
        try Self.stageRuns(delta)
        let plainStage = LoadStage(paths: plain.paths, schemas: schemas)
        let deltaStage = LoadStage(paths: delta.paths, schemas: schemas, options: LoadOptions(format: .delta))
        _ = try plainStage.run(runId: "run1")
        _ = try plainStage.run(runId: "run2")
        #expect(!(try deltaStage.run(runId: "run1").alreadyPublished))
        // A reader holds version 0 while version 1 is committed.
        let held = try await runPython(
            """
            import sys
            from deltalake import DeltaTable
            dt = DeltaTable(sys.argv[1])
            files = dt.file_uris()
            print(dt.version(), len(files))
            open(sys.argv[2], "w").write("\\n".join(files))
            """, [delta.root + "/delta/invoice_lines", delta.root + "/held-files"])
        #expect(String(decoding: held, as: UTF8.self).hasPrefix("0 "))
        let second = try deltaStage.run(runId: "run2")
        #expect(!second.alreadyPublished)
        #expect(try deltaStage.run(runId: "run2").alreadyPublished, "re-loading the same run adds no version")
        let heldFiles = try String(contentsOfFile: delta.root + "/held-files", encoding: .utf8).split(separator: "\n")
        #expect(!heldFiles.isEmpty)
        #expect(
            heldFiles.allSatisfy { FileManager.default.fileExists(atPath: String($0.replacingOccurrences(of: "file://", with: ""))) },
            "the files of the held version are still there after the next commit")

        var checks: [[String: Any]] = []
        for schema in schemas.tables {
            let partition = schema.partition.column
            let columns = schema.columns.map(\.name)
            for (version, run) in [(0, "run1"), (1, "run2")] {
                checks.append([
                    "name": "\(schema.table)@\(version)", "delta": delta.root + "/delta/" + schema.table, "version": version,
                    "plain": plain.root + "/.warehouse-versions/\(run)/" + schema.table, "columns": columns, "partition": partition
                ])
            }
            if schema.partition.by == .snapshot {
                checks.append([
                    "name": "\(schema.table)_history", "delta": delta.root + "/delta/" + schema.table + "_history",
                    "plain": plain.root + "/.warehouse-versions/run2/_history/" + schema.table, "columns": columns, "partition": partition
                ])
            }
        }
        let output = try await runPython(
            Self.compare, [String(decoding: try JSONSerialization.data(withJSONObject: ["checks": checks]), as: UTF8.self)])
        let report = try #require(try JSONSerialization.jsonObject(with: output) as? [String: [String: Any]])
        #expect(report.count == checks.count)
        for (name, entry) in report.sorted(by: { $0.key < $1.key }) {
            #expect(entry["missing"] as? Int == 0 && entry["extra"] as? Int == 0, "\(name): \(entry)")
            #expect(entry["stats_rows"] as? Int == entry["rows"] as? Int, "\(name): numRecords stats disagree with the rows read")
            #expect(entry["protocol"] as? [Int] == [1, 2])
        }
        #expect(report["invoice_lines@0"]?["rows"] as? Int == 600)
        #expect(report["invoice_lines@1"]?["rows"] as? Int == 250)
        #expect(report["invoice_lines@1"]?["partition_columns"] as? [String] == ["document_month"])
        #expect(report["customers@1"]?["rows"] as? Int == 25)
        #expect(report["customers_history"]?["rows"] as? Int == 65)
        #expect(report["customers_history"]?["version"] as? Int == 1)
        let customerFields = try #require(schemas.table("customers")).columns.map(\.name) + ["snapshot_date"]
        #expect(report["customers@1"]?["fields"] as? [String] == customerFields)
    }

    @Test func keepRunsPrunesStagingOfOlderRunsButTimeTravelStillWorks() async throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let schemas = try LoadFixture.schemas()
        try Self.stageRuns(fixture)
        let stage = LoadStage(paths: fixture.paths, schemas: schemas, options: LoadOptions(format: .delta, keepRuns: 1))
        _ = try stage.run(runId: "run1")
        #expect(FileManager.default.fileExists(atPath: fixture.paths.staging("run1")))
        _ = try stage.run(runId: "run2")
        #expect(!FileManager.default.fileExists(atPath: fixture.paths.staging("run1")))
        #expect(FileManager.default.fileExists(atPath: fixture.paths.staging("run2")))
        let rows = try await runPython(
            """
            import sys
            from deltalake import DeltaTable
            print(DeltaTable(sys.argv[1], version=0).to_pyarrow_table().num_rows, DeltaTable(sys.argv[1]).to_pyarrow_table().num_rows)
            """, [fixture.root + "/delta/invoice_lines"])
        #expect(String(decoding: rows, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "600 250")
    }

    /// The base of the next incremental run (the pipeline state's) survives `keep_runs`, as in the plain layout.
    @Test func keepRunsKeepsTheIncrementalBase() throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let schemas = try LoadFixture.schemas()
        try Self.stageRuns(fixture)
        try AtomicFile.createDirectory(fixture.paths.raw("run1"))
        try PipelineState(baseRun: "run1", eventsCursor: 0, eventsAtCursor: [], lastFullRun: "run1", lastFullRefreshAt: 0).save(
            fixture.paths)
        let stage = LoadStage(paths: fixture.paths, schemas: schemas, options: LoadOptions(format: .delta, keepRuns: 1))
        _ = try stage.run(runId: "run1")
        _ = try stage.run(runId: "run2")
        #expect(FileManager.default.fileExists(atPath: fixture.paths.staging("run1")))
        #expect(FileManager.default.fileExists(atPath: fixture.paths.raw("run1")))
    }
}
