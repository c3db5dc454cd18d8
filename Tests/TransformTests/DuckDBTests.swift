import Core
import Foundation
import StripeSimulator
import TestSupport
import Testing

@testable import Transform

/// DuckDB (an independent reader) reads the staging files; its per-currency sums of invoice line
/// amounts must equal the sums Python computes straight from the raw NDJSON.
@Suite struct DuckDBTests {
    static let script = #"""
        import json, subprocess, sys, duckdb
        raw, staging, credit_raw, credit_staging = sys.argv[1:5]
        def raw_sums(path):
            sums, count = {}, 0
            text = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout.decode("utf-8")
            for line in text.splitlines():
                if not line.strip():
                    continue
                obj = json.loads(line)
                for item in obj["lines"]["data"]:
                    sums[obj["currency"]] = sums.get(obj["currency"], 0) + item["amount"]
                    count += 1
            return sums, count
        for path in [staging, credit_staging]:
            subprocess.run(["zstd", "-tq", path], check=True)
        con = duckdb.connect(); con.execute("SET enable_progress_bar = false")  # a progress bar would go to stdout
        out = {}
        for name, rawp, stp in [("invoice_lines", raw, staging), ("credit_note_lines", credit_raw, credit_staging)]:
            rs, rc = raw_sums(rawp)
            rows = con.execute(f"SELECT currency, sum(amount)::BIGINT, count(*), sum(CAST(amount_major AS DECIMAL(38,3))) FROM read_json('{stp}', format='newline_delimited', compression='zstd') GROUP BY currency ORDER BY currency").fetchall()
            ds = {c: int(s) for c, s, _, _ in rows}
            dc = sum(n for _, _, n, _ in rows)
            majors = {c: str(m) for c, _, _, m in rows}
            out[name] = {"raw": rs, "raw_count": rc, "duckdb": ds, "duckdb_count": dc, "major": majors}
        print(json.dumps(out, sort_keys=True))
        """#

    @Test func duckDBSumsEqualRawSums() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        try TransformFixtures.generateRawRun(
            root: dir.path, runId: "k", config: AccountConfig(seed: 9, customers: 70, invoices: 120, events: 40))
        let pipeline = try TransformFixtures.generatedPipeline(directory: dir.path)
        let manifest = try TransformStage(pipeline: pipeline, paths: RunPaths(root: dir.path), schemas: try TransformFixtures.schemas())
            .run(runId: "k").manifest
        let paths = RunPaths(root: dir.path)
        let scriptPath = dir.appending("check.py")
        try Self.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let run = try await ChildProcess.run(
            "/usr/bin/env",
            [
                "python3", scriptPath, paths.rawFile("k", stream: "invoices"), paths.stagingFile("k", table: "invoice_lines"),
                paths.rawFile("k", stream: "credit_notes"), paths.stagingFile("k", table: "credit_note_lines")
            ], timeout: 300)
        try #require(run.status == 0, "python3 + duckdb check failed (pip install duckdb; zstd CLI needed): \(run.stderr)")
        let output = Data(run.stdout.utf8)
        let result = try #require(try JSONSerialization.jsonObject(with: output) as? [String: [String: Any]])
        for table in ["invoice_lines", "credit_note_lines"] {
            let r = try #require(result[table])
            let raw = try #require(r["raw"] as? [String: Int])
            let duck = try #require(r["duckdb"] as? [String: Int])
            #expect(!raw.isEmpty)
            #expect(raw == duck, "\(table): raw \(raw) vs DuckDB \(duck)")
            #expect(r["raw_count"] as? Int == r["duckdb_count"] as? Int)
            #expect(r["duckdb_count"] as? Int == manifest.tables[table]?.rowsOut)
            // Major units use each currency's real exponent.
            let majors = try #require(r["major"] as? [String: String])
            for (currency, minor) in raw {
                let exponent = try #require(Currency.exponent(of: currency))
                #expect(
                    ExactDecimal(parsing: majors[currency] ?? "")?.rescaled(to: 3)
                        == ExactDecimal(minorUnits: Int64(minor), exponent: exponent).rescaled(to: 3), "\(table) \(currency)")
            }
        }
        let currencies = Set((result["invoice_lines"]?["raw"] as? [String: Int] ?? [:]).keys)
        #expect(currencies.isSuperset(of: ["jpy", "krw", "bhd", "eur"]))
    }
}
