import Core
import Foundation
import TestSupport
import Testing

/// `stripe-etl run pipelines/demo.yaml`, as a user runs it, checked through DuckDB and the raw files.
struct DemoPipelineTests {
    /// Reads the warehouse with DuckDB (hive partitioning) and the raw invoices with `zstd -dc`,
    /// and prints what it found as JSON. Independent of the project's own readers.
    static let inspector = #"""
        import duckdb, glob, json, os, subprocess, sys
        out, run, schemas = sys.argv[1], sys.argv[2], sys.argv[3]
        con = duckdb.connect(); con.execute("SET enable_progress_bar = false")  # a progress bar would go to stdout
        report = {"counts": {}, "pk_duplicates": {}, "partition_values": {}}
        for path in sorted(glob.glob(os.path.join(schemas, "*.json"))):
            schema = json.load(open(path))
            table = schema["table"]
            if not glob.glob(f"{out}/warehouse/{table}/**/*.parquet", recursive=True):
                report["counts"][table] = 0
                continue
            source = f"read_parquet('{out}/warehouse/{table}/**/*.parquet', hive_partitioning=true)"
            report["counts"][table] = con.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
            key = ", ".join(schema["primary_key"])
            report["pk_duplicates"][table] = con.execute(f"SELECT count(*) - count(DISTINCT ({key})) FROM {source}").fetchone()[0]
            column = schema["partition"]["column"]
            report["partition_values"][table] = sorted(str(v[0]) for v in con.execute(f"SELECT DISTINCT CAST({column} AS VARCHAR) FROM {source}").fetchall())
        lines = f"read_parquet('{out}/warehouse/invoice_lines/**/*.parquet', hive_partitioning=true)"
        report["invoice_line_sums"] = {c: int(s) for c, s in con.execute(f"SELECT currency, sum(amount) FROM {lines} GROUP BY 1").fetchall()}
        report["invoice_month_mismatches"] = con.execute(
            f"SELECT count(*) FROM {lines} WHERE CAST(document_month AS VARCHAR) <> strftime(document_date, '%Y-%m')").fetchone()[0]
        raw = subprocess.run(["zstd", "-dc", f"{out}/raw/{run}/invoices.ndjson.zst"], check=True, capture_output=True).stdout
        sums, raw_lines, incomplete = {}, 0, 0
        for text in raw.splitlines():
            if not text.strip():
                continue
            invoice = json.loads(text)
            if invoice["lines"].get("has_more"):
                incomplete += 1
            for line in invoice["lines"]["data"]:
                sums[invoice["currency"]] = sums.get(invoice["currency"], 0) + line["amount"]
                raw_lines += 1
        report["raw_invoice_line_sums"] = sums
        report["raw_invoice_lines"] = raw_lines
        report["raw_incomplete_line_lists"] = incomplete
        print(json.dumps(report))
        """#

    @Test(.timeLimit(.minutes(3)))
    func demoRunsEndToEndAndDuckDBReadsTheWarehouse() async throws {
        let directory = try TemporaryDirectory(prefix: "e2e-demo")
        let out = directory.appending("out")
        let runId = "e2e-demo"

        let first = try await E2E.etl(["run", "pipelines/demo.yaml", "--output", out, "--run-id", runId], timeout: 170)
        try #require(first.status == 0, "\(first)")

        // The summary: tables, MRR, reconciliation, where the files are.
        let summary = first.stdout
        #expect(summary.contains("Run \(runId) complete."))
        #expect(summary.contains("Tables (rows, rejected, partitions):"))
        #expect(summary.contains("MRR (transform.mrr_rule: stripe; counted = active and past_due"))
        #expect(summary.contains("by mrr_status (items, MRR in EUR):"))
        #expect(summary.contains("total in EUR:"))
        // The MRR groups add up to the printed total.
        let summaryLines = summary.split(separator: "\n").map(String.init)
        if let start = summaryLines.firstIndex(where: { $0.contains("by mrr_status") }),
            let end = summaryLines.firstIndex(where: { $0.contains("total in EUR:") }), start < end
        {
            var groups = ExactDecimal(units: 0, scale: 3)
            for line in summaryLines[(start + 1)..<end] {
                let fields = line.split(separator: " ")
                if fields.count >= 3, let value = ExactDecimal(parsing: fields[2]) { groups = groups + value }
            }
            let total = summaryLines[end].split(separator: " ").dropFirst(3).first.flatMap { ExactDecimal(parsing: $0) }
            #expect(total == groups, "groups \(groups) vs total \(String(describing: total))")
            #expect(summaryLines[(start + 1)..<end].contains { $0.contains("counted") })
        } else {
            Issue.record("no MRR groups in the summary:\n\(summary)")
        }
        #expect(summary.contains("Reconciliation"))
        #expect(summary.contains("Files: \(out)/warehouse/"))
        #expect(summary.contains("import duckdb"))

        let paths = RunPaths(root: out)
        let staging = try StagingManifest.read(paths: paths, runId: runId)
        let raw = try RawManifest.read(paths: paths, runId: runId)
        #expect(raw.livemode == false)
        #expect(Set(raw.streams.keys) == Set(PipelineDefinition.knownStreams))
        #expect(Set(staging.tables.keys) == Set(SchemaSet.tableOrder))

        // Every table's summary line shows the staging manifest's counts.
        for (name, table) in staging.tables {
            let line = summary.split(separator: "\n").first { $0.split(separator: " ").first.map(String.init) == name }
            let fields = line.map { $0.split(separator: " ").map(String.init) } ?? []
            #expect(fields.count >= 2 && fields[1] == String(table.rowsOut), "summary line for \(name): \(String(describing: line))")
            #expect(table.rowsOut > 0, "\(name) is empty")
        }

        // DuckDB reads every table: row counts equal the staging manifest's rows_out.
        let inspected = try await E2E.python(Self.inspector, [out, runId, E2E.packageRoot + "/schemas"], timeout: 120)
        try #require(inspected.status == 0, "\(inspected)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [String: Any])
        let counts = report["counts"] as? [String: Int] ?? [:]
        for (name, table) in staging.tables {
            #expect(
                counts[name] == table.rowsOut,
                "DuckDB rows of \(name): \(String(describing: counts[name])), staging rows_out \(table.rowsOut)")
        }
        for (name, duplicates) in report["pk_duplicates"] as? [String: Int] ?? [:] {
            #expect(duplicates == 0, "\(name) has \(duplicates) duplicate primary keys")
        }
        #expect(report["invoice_month_mismatches"] as? Int == 0, "hive document_month disagrees with document_date")
        let partitions = report["partition_values"] as? [String: [String]] ?? [:]
        #expect(partitions["customers"] == [staging.snapshotDate])
        #expect((partitions["invoice_lines"]?.count ?? 0) > 12, "several years of monthly partitions")

        // Sum of invoice_lines.amount per currency in the warehouse equals the raw invoices' lines.
        let warehouseSums = report["invoice_line_sums"] as? [String: Int] ?? [:]
        let rawSums = report["raw_invoice_line_sums"] as? [String: Int] ?? [:]
        #expect(report["raw_incomplete_line_lists"] as? Int == 0, "raw invoice line lists must be complete")
        #expect(staging.tables["invoice_lines"]?.rowsRejected == 0)
        #expect(report["raw_invoice_lines"] as? Int == staging.tables["invoice_lines"]?.rowsOut)
        #expect(rawSums.count >= 4, "several currencies: \(rawSums)")
        #expect(warehouseSums == rawSums)

        // The printed reconciliation agrees with the independent raw sums (major units).
        for (currency, minor) in rawSums {
            let exponent = try #require(Currency.exponent(of: currency))
            let major = ExactDecimal(minorUnits: Int64(minor), exponent: exponent).description
            let row = summary.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
                .first { $0.count >= 5 && $0[0] == "invoice_lines" && $0[1] == currency.uppercased() }
            #expect(
                row?[2] == major && row?[3] == major, "reconciliation row for \(currency): \(String(describing: row)), expected \(major)")
        }

        // Re-running the same run id changes nothing and prints the same summary.
        let warehouse = URL(fileURLWithPath: paths.warehouse).resolvingSymlinksInPath().path
        let before = try await E2E.checksums(under: warehouse)
        #expect(before.keys.contains { $0.hasPrefix("invoice_lines/document_month=") && $0.hasSuffix(".parquet") })
        let again = try await E2E.etl(["run", "pipelines/demo.yaml", "--output", out, "--run-id", runId], timeout: 120)
        try #require(again.status == 0, "\(again)")
        #expect(again.stdout == first.stdout)
        #expect(try await E2E.checksums(under: URL(fileURLWithPath: paths.warehouse).resolvingSymlinksInPath().path) == before)

        // Transform and load of the same raw run elsewhere give byte-identical warehouse files.
        let copy = directory.appending("copy")
        try FileManager.default.createDirectory(atPath: copy + "/raw", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: paths.raw(runId), toPath: copy + "/raw/" + runId)
        let rebuilt = try await E2E.etl(["run", "pipelines/demo.yaml", "--output", copy, "--run-id", runId], timeout: 120)
        try #require(rebuilt.status == 0, "\(rebuilt)")
        let copyWarehouse = URL(fileURLWithPath: RunPaths(root: copy).warehouse).resolvingSymlinksInPath().path
        let after = try await E2E.checksums(under: copyWarehouse)
        #expect(after.count == before.count)
        for (file, digest) in before {
            #expect(after[file] == digest, "\(file) differs after rebuilding from the same raw run")
        }
    }
}
