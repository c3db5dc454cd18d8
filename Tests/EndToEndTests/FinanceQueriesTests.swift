import Core
import Foundation
import TestSupport
import Testing

/// The README's finance queries (billed revenue by month, MRR by status group, credits by month) run
/// verbatim through DuckDB over a published warehouse, and equal the same figures computed in Python
/// from the staging rows (Decimal, filters written from the README's words).
@Suite struct FinanceQueriesTests {
    static let checker = #"""
        import json, re, subprocess, sys
        from decimal import Decimal
        import duckdb
        readme, warehouse, staging = sys.argv[1:4]
        text = open(readme, encoding="utf-8").read()
        block = re.search(r"Questions finance asks.*?```sql\n(.*?)```", text, re.S).group(1)
        sql = "\n".join(l for l in block.splitlines() if not l.lstrip().startswith("--"))
        queries = [q.strip() for q in sql.split(";") if q.strip()]
        assert len(queries) == 3, queries
        con = duckdb.connect(); con.execute("SET enable_progress_bar = false")  # a progress bar would go to stdout
        results = [con.execute(q.replace("{v}", warehouse)).fetchall() for q in queries]

        def rows(table):
            out = subprocess.run(["zstd", "-dc", f"{staging}/{table}.ndjson.zst"], check=True, capture_output=True).stdout
            return [json.loads(l) for l in out.decode("utf-8").splitlines() if l.strip()]

        def dec(v):
            return Decimal(v) if v is not None else None

        revenue, missing = {}, {}
        for r in rows("invoice_lines"):
            if r["invoice_status"] in ("draft", "void"):
                continue
            month = r["document_date"][:7]
            missing[month] = missing.get(month, 0) + (r["fx_status"] != "converted")
            if r["amount_excluding_tax_reporting"] is not None:
                revenue[month] = revenue.get(month, Decimal(0)) + dec(r["amount_excluding_tax_reporting"]) - dec(r["discount_amount_reporting"])
        mrr, items = {}, {}
        for r in rows("subscriptions"):
            items[r["mrr_status"]] = items.get(r["mrr_status"], 0) + 1
            if r["mrr_reporting"] is not None:
                mrr[r["mrr_status"]] = mrr.get(r["mrr_status"], Decimal(0)) + dec(r["mrr_reporting"])
        credits = {}
        for r in rows("credit_note_lines"):
            if r["status"] == "void" or r["amount_excluding_tax_reporting"] is None:
                continue
            month = r["credit_note_date"][:7]
            credits[month] = credits.get(month, Decimal(0)) + dec(r["amount_excluding_tax_reporting"]) - dec(r["discount_amount_reporting"])

        problems = []
        got = {m: (v, n) for m, v, n in results[0]}
        if set(got) != set(missing):
            problems.append(f"revenue months {sorted(got)} vs {sorted(missing)}")
        for m, (v, n) in got.items():
            if (v or Decimal(0)) != revenue.get(m, Decimal(0)) or n != missing.get(m):
                problems.append(f"revenue {m}: duckdb {v} {n}, python {revenue.get(m)} {missing.get(m)}")
        for status, n, v in results[1]:
            if n != items.get(status) or (v or Decimal(0)) != mrr.get(status, Decimal(0)):
                problems.append(f"mrr {status}: duckdb {n} {v}, python {items.get(status)} {mrr.get(status)}")
        if len(results[1]) != len(items):
            problems.append(f"mrr groups {results[1]} vs {items}")
        for m, v, _ in results[2]:
            if (v or Decimal(0)) != credits.get(m, Decimal(0)):
                problems.append(f"credits {m}: duckdb {v}, python {credits.get(m)}")
        print(json.dumps({"problems": problems, "months": len(got), "groups": len(results[1]), "credit_months": len(results[2]),
                          "counted_mrr": str(mrr.get("counted", 0))}))
        """#

    @Test(.timeLimit(.minutes(3)))
    func readmeQueriesAnswerFinancesQuestions() async throws {
        let directory = try TemporaryDirectory(prefix: "e2e-finance")
        defer { directory.cleanup() }
        let pipeline = try TestPipelines.write(TestPipelines.smallDemo(customers: 40), to: directory.appending("finance.yaml"))
        let out = directory.appending("out")
        let run = try await E2E.etl(["run", pipeline, "--output", out, "--run-id", "finance", "--quiet"], timeout: 150)
        try #require(run.status == 0, "\(run)")
        let version = try FileManager.default.destinationOfSymbolicLink(atPath: out + "/warehouse")
        let warehouse = version.hasPrefix("/") ? version : out + "/" + version
        let result = try await E2E.python(Self.checker, [E2E.packageRoot + "/README.md", warehouse, out + "/staging/finance"], timeout: 120)
        try #require(result.status == 0, "\(result)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((report["problems"] as? [String])?.isEmpty == true, "\(report["problems"] ?? "")")
        #expect(
            (report["months"] as? Int ?? 0) > 6 && (report["groups"] as? Int ?? 0) >= 3 && (report["credit_months"] as? Int ?? 0) > 0,
            "\(report)")
        #expect(report["counted_mrr"] as? String != "0")
    }
}
