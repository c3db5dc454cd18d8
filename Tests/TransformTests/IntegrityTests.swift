import Core
import Foundation
import ModuleErrors
import TestSupport
import Testing

@testable import Transform

/// Issue 11's transform items, each reproduced on a small hand-built raw run and checked with an
/// independent reading of the output (DuckDB over the staging files, Python over rejects.ndjson):
/// duplicated documents (item 2), documents damaged partway through their child list (item 3),
/// incomplete embedded lists (item 4), a failing configuration check on a finished run (item 7),
/// malformed lookup lines and duplicated JSON keys (item 14).
@Suite struct IntegrityTests {
    // MARK: Raw documents

    static func creditNote(_ id: String, lines count: Int) -> String {
        let lines = (0..<count).map { n in
            #"{"id":"cnli_\#(id)_\#(n)","object":"credit_note_line_item","amount":\#(100 + n),"description":"credit \#(n)","discount_amount":0,"discount_amounts":[],"invoice_line_item":null,"livemode":false,"metadata":{},"quantity":1,"type":"custom_line_item","unit_amount":\#(100 + n),"taxes":[]}"#
        }
        return
            #"{"id":"\#(id)","object":"credit_note","amount":1,"created":1741262400,"currency":"usd","customer":"cus_A","invoice":"in_1","lines":{"object":"list","data":[\#(lines.joined(separator: ","))],"has_more":false,"total_count":\#(count)},"livemode":false,"number":"CN-\#(id)","reason":"duplicate","status":"issued"}"#
    }

    static func subscription(_ id: String, items count: Int) -> String {
        let items = (0..<count).map { n in
            #"{"id":"si_\#(id)_\#(n)","object":"subscription_item","created":1740996000,"discounts":[],"metadata":{},"price":{"id":"price_\#(n)","object":"price","active":true,"billing_scheme":"per_unit","created":1741003200,"currency":"usd","livemode":false,"metadata":{},"nickname":null,"product":"prod_1","recurring":{"interval":"month","interval_count":1,"meter":null,"usage_type":"licensed"},"tax_behavior":"unspecified","tiers_mode":null,"type":"recurring","unit_amount":\#(1000 + n),"unit_amount_decimal":"\#(1000 + n)"},"subscription":"\#(id)","tax_rates":[],"quantity":1,"current_period_start":1740996000,"current_period_end":1743674400}"#
        }
        return
            #"{"id":"\#(id)","object":"subscription","cancel_at":null,"cancel_at_period_end":false,"canceled_at":null,"created":1740996000,"currency":"usd","customer":"cus_A","discounts":[],"ended_at":null,"items":{"object":"list","data":[\#(items.joined(separator: ","))],"has_more":false,"total_count":\#(count)},"livemode":false,"metadata":{},"pause_collection":null,"start_date":1740996000,"status":"active","trial_end":null,"trial_start":null}"#
    }

    static func customer(_ id: String, name: String) -> String {
        #"{"id":"\#(id)","object":"customer","address":null,"balance":0,"created":1740819600,"currency":"usd","delinquent":false,"email":"\#(id)@example.com","livemode":false,"metadata":{},"name":"\#(name)","shipping":null}"#
    }

    /// `document` with one byte replaced inside the child `marker` (e.g. the 11th line's id), at
    /// `offset` bytes after the marker starts.
    static func damaged(_ document: String, at marker: String, offset: Int, with byte: UInt8) -> [UInt8] {
        var bytes = Array(document.utf8)
        let start = document.utf8.distance(from: document.utf8.startIndex, to: document.range(of: marker)!.lowerBound)
        bytes[start + offset] = byte
        return bytes
    }

    static func bytes(_ line: String) -> [UInt8] { Array(line.utf8) }

    // MARK: Running and reading back

    struct Outcome {
        let manifest: StagingManifest
        /// DuckDB's and Python's reading of the output.
        let check: [String: Any]

        func table(_ name: String) -> [String: Any] { check[name] as? [String: Any] ?? [:] }
        func rows(_ name: String) -> Int { table(name)["rows"] as? Int ?? -1 }
        func distinctKeys(_ name: String) -> Int { table(name)["distinct_pk"] as? Int ?? -1 }
        func rejects(_ name: String) -> Int { table(name)["rejects"] as? Int ?? -1 }
        func staged(_ name: String, parent: String) -> Int { (table(name)["staged_by_parent"] as? [String: Int])?[parent] ?? 0 }
        func rejected(_ name: String, object: String) -> Int { (table(name)["rejects_by_object"] as? [String: Int])?[object] ?? 0 }
        func codes(_ name: String) -> [String: Int] { table(name)["rejects_by_code"] as? [String: Int] ?? [:] }
        var lookupRejects: [[String: Any]] { check["lookup_rejects"] as? [[String: Any]] ?? [] }
        func value(_ name: String, key: String, column: String) -> String? {
            ((table(name)["values"] as? [String: [String: String]])?[key])?[column]
        }
    }

    static let script = #"""
        import json, subprocess, sys, duckdb
        staging = sys.argv[1]
        tables = {"customers": ("customer_id", None, "name"), "prices": ("price_id", None, "nickname"),
                  "subscriptions": ("subscription_item_id", "subscription_id", "status"),
                  "invoice_lines": ("line_id", "invoice_id", "invoice_status"),
                  "credit_note_lines": ("credit_note_line_id", "credit_note_id", "description")}
        con = duckdb.connect(); con.execute("SET enable_progress_bar = false")  # a progress bar would go to stdout
        rejects = [json.loads(l) for l in open(f"{staging}/rejects.ndjson", encoding="utf-8") if l.strip()]
        out = {"lookup_rejects": [r for r in rejects if r["table"] is None]}
        for t, (pk, parent, col) in tables.items():
            path = f"{staging}/{t}.ndjson.zst"
            subprocess.run(["zstd", "-tq", path], check=True)
            empty = not subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout.strip()
            entry = {"rows": 0, "distinct_pk": 0, "staged_by_parent": {}, "values": {}}
            if not empty:
                columns = ", ".join(f"'{c}': 'VARCHAR'" for c in dict.fromkeys([pk, parent or pk, col]))
                src = f"read_json('{path}', format='newline_delimited', compression='zstd', columns={{{columns}}})"
                entry["rows"], entry["distinct_pk"] = con.execute(f"SELECT count(*), count(DISTINCT {pk}) FROM {src}").fetchone()
                entry["staged_by_parent"] = dict(con.execute(f"SELECT {parent or pk}, count(*) FROM {src} GROUP BY 1").fetchall())
                entry["values"] = {k: {col: v} for k, v in con.execute(f"SELECT {pk}, {col} FROM {src}").fetchall()}
            mine = [r for r in rejects if r["table"] == t]
            entry["rejects"] = len(mine)
            by_object, by_code = {}, {}
            for r in mine:
                by_object[r["object_id"] or ""] = by_object.get(r["object_id"] or "", 0) + 1
                by_code[r["code"]] = by_code.get(r["code"], 0) + 1
            entry["rejects_by_object"], entry["rejects_by_code"] = by_object, by_code
            out[t] = entry
        print(json.dumps(out, sort_keys=True))
        """#

    /// Transforms `streams` as run "r" and reads the output back independently. Every table must
    /// reconcile in the manifest AND in the files: rows in = rows out + rejected, the staging file
    /// holds rows out rows, rejects.ndjson rows-rejected entries, and no primary key twice.
    static func run(
        _ dir: TemporaryDirectory, _ streams: [String: [String]], bytes: [String: [[UInt8]]] = [:],
        pipeline: PipelineDefinition = TransformFixtures.pipeline(),
        options: TransformStage.Options = TransformStage.Options()
    ) async throws -> Outcome {
        var all = streams.mapValues { $0.map(Self.bytes) }.merging(bytes) { $1 }
        for stream in GoldenTests.streams where all[stream] == nil { all[stream] = [] }
        if all["customers"]!.isEmpty { all["customers"] = [Self.bytes(customer("cus_A", name: "Ada"))] }
        if all["products"]!.isEmpty {
            all["products"] = [Self.bytes(#"{"id":"prod_1","object":"product","name":"Pro","active":true,"livemode":false}"#)]
        }
        try TransformFixtures.writeRawRun(root: dir.path, runId: "r", bytes: all, finishedAt: "2025-03-10T00:00:00Z")
        var p = pipeline
        p.fx.rates = try TransformFixtures.fixturePath("ecb-sample.csv")
        p.fx.supplementary = try TransformFixtures.fixturePath("supplementary-sample.csv")
        let manifest = try TransformStage(
            pipeline: p, paths: RunPaths(root: dir.path), schemas: try TransformFixtures.schemas(), options: options
        ).run(runId: "r").manifest
        let scriptPath = dir.appending("integrity.py")
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let result = try await ChildProcess.run(
            "/usr/bin/env", ["python3", scriptPath, RunPaths(root: dir.path).staging("r")], timeout: 120)
        try #require(result.status == 0, "python3 + duckdb check failed (pip install duckdb; zstd CLI needed): \(result.stderr)")
        let check = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let outcome = Outcome(manifest: manifest, check: check)
        for table in SchemaSet.tableOrder {
            let t = try #require(manifest.tables[table])
            #expect(t.rowsIn == t.rowsOut + t.rowsRejected, "\(table): manifest")
            #expect(outcome.rows(table) == t.rowsOut, "\(table): DuckDB reads \(outcome.rows(table)) rows, manifest says \(t.rowsOut)")
            #expect(
                outcome.rejects(table) == t.rowsRejected,
                "\(table): rejects.ndjson has \(outcome.rejects(table)), manifest says \(t.rowsRejected)")
            #expect(outcome.distinctKeys(table) == outcome.rows(table), "\(table): a primary key appears twice")
        }
        return outcome
    }

    // MARK: Issue 13: deleted customers named by facts

    /// The extract appends a deleted customer's stub (`GET /v1/customers/{id}`) after the listed
    /// customers: it maps to a row (deleted, nulls where the stub has no field), never a reject; when
    /// the run's events hold the customer's customer.deleted event, that copy (with its name) is
    /// the row instead, once.
    @Test func deletedCustomerStubsAreRowsAndTheirDeletionEventWins() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let stub = { (id: String) in #"{"id":"\#(id)","object":"customer","deleted":true}"# }
        let event =
            #"{"id":"evt_9","object":"event","created":1740900000,"type":"customer.deleted","data":{"object":"#
            + Self.customer("cus_C", name: "Cy") + "}}"
        let o = try await Self.run(
            dir, ["customers": [Self.customer("cus_A", name: "Ada"), stub("cus_B"), stub("cus_C")], "events": [event]],
            pipeline: TransformFixtures.pipeline(maxRejectRatio: 0))
        #expect(o.rows("customers") == 3)
        #expect(o.rejects("customers") == 0)
        let rows = try TransformFixtures.stagingLines(root: dir.path, runId: "r", table: "customers").map(TransformFixtures.parse)
        #expect(rows.first { $0["customer_id"] as? String == "cus_C" }?["name"] as? String == "Cy")
        let b = try #require(rows.first { $0["customer_id"] as? String == "cus_B" })
        #expect(b["deleted"] as? Bool == true)
        #expect(b["created_at"] is NSNull && b["name"] is NSNull && b["livemode"] is NSNull)
        #expect(b["identity_key"] as? String == "cus_B")
        #expect(rows.first { $0["customer_id"] as? String == "cus_C" }?["deleted"] as? Bool == true)
        #expect(rows.first { $0["customer_id"] as? String == "cus_A" }?["deleted"] as? Bool == false)
    }

    // MARK: Item 2: duplicated documents

    @Test func identicalDuplicateInvoiceCollapses() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let a = StageTests.invoice("in_a", lines: 3)
        let b = StageTests.invoice("in_b", lines: 2)
        // Identical copies lose nothing: even a zero reject ratio passes.
        let o = try await Self.run(dir, ["invoices": [a, b, a]], pipeline: TransformFixtures.pipeline(maxRejectRatio: 0))
        #expect(o.rows("invoice_lines") == 5)
        #expect(o.staged("invoice_lines", parent: "in_a") == 3)
        #expect(o.rejected("invoice_lines", object: "in_a") == 3)
        #expect(o.codes("invoice_lines") == ["duplicate": 3])
        #expect(o.manifest.tables["invoice_lines"]?.rowsIn == 8)
    }

    @Test func conflictingDuplicateKeepsTheLaterCopy() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let open = StageTests.invoice("in_a", lines: 3).replacingOccurrences(of: #""status":"paid""#, with: #""status":"open""#)
        let paid = StageTests.invoice("in_a", lines: 3)
        let o = try await Self.run(dir, ["invoices": [open, StageTests.invoice("in_b", lines: 1), paid]])
        #expect(o.staged("invoice_lines", parent: "in_a") == 3)
        #expect(o.value("invoice_lines", key: "il_in_a_0", column: "invoice_status") == "paid", "the copy read last wins")
        #expect(o.codes("invoice_lines") == ["superseded": 3])
        // Superseded versions are lost data: they count against max_reject_ratio.
        let strict = try TemporaryDirectory()
        defer { strict.cleanup() }
        await #expect(throws: TransformError.self) {
            _ = try await Self.run(strict, ["invoices": [open, paid]], pipeline: TransformFixtures.pipeline(maxRejectRatio: 0))
        }
    }

    @Test func aDamagedLaterCopyLeavesTheReadableOne() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let good = StageTests.invoice("in_a", lines: 3)
        let damaged = Self.damaged(good, at: #"{"id":"il_in_a_1""#, offset: 5, with: UInt8(ascii: "x"))
        let o = try await Self.run(dir, [:], bytes: ["invoices": [Self.bytes(good), damaged]])
        #expect(o.staged("invoice_lines", parent: "in_a") == 3, "only written copies compete: the damaged one is rejected for its damage")
        #expect(o.codes("invoice_lines") == ["malformed_json": 3])
    }

    @Test func duplicatedCustomerWithDifferentContentKeepsOneRow() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let o = try await Self.run(
            dir,
            [
                "customers": [
                    Self.customer("cus_A", name: "Old Name"), Self.customer("cus_B", name: "B"),
                    Self.customer("cus_A", name: "New Name")
                ]
            ])
        #expect(o.rows("customers") == 2)
        #expect(o.value("customers", key: "cus_A", column: "name") == "New Name")
        #expect(o.codes("customers") == ["superseded": 1])
    }

    @Test func duplicatesAreRemovedWithParallelMappingToo() async throws {
        var options = TransformStage.Options()
        options.mappingThreads = 3
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let a = StageTests.invoice("in_a", lines: 4)
        let o = try await Self.run(
            dir, ["invoices": [a] + (0..<40).map { StageTests.invoice("in_\($0)", lines: 30) } + [a]], options: options)
        #expect(o.staged("invoice_lines", parent: "in_a") == 4)
        #expect(o.codes("invoice_lines") == ["duplicate": 4])
    }

    @Test func aRowIdHeldByTwoDocumentsIsWrittenOnce() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        // in_b claims in_a's second line; in_c holds one of its own lines twice; sub_y claims an item of sub_x.
        let b = StageTests.invoice("in_b", lines: 3).replacingOccurrences(of: "il_in_b_1", with: "il_in_a_1")
        let c = StageTests.invoice("in_c", lines: 3).replacingOccurrences(of: "il_in_c_2", with: "il_in_c_0")
        let y = Self.subscription("sub_y", items: 2).replacingOccurrences(of: "si_sub_y_0", with: "si_sub_x_1")
        let o = try await Self.run(
            dir,
            [
                "invoices": [StageTests.invoice("in_a", lines: 2), b, c, StageTests.invoice("in_d", lines: 1)],
                "subscriptions": [Self.subscription("sub_x", items: 2), y]
            ])
        #expect(o.staged("invoice_lines", parent: "in_a") == 2)
        #expect(o.staged("invoice_lines", parent: "in_b") == 0)
        #expect(o.rejected("invoice_lines", object: "in_b") == 3)
        #expect(o.rejected("invoice_lines", object: "in_c") == 3)
        #expect(o.staged("invoice_lines", parent: "in_d") == 1)
        #expect(o.codes("invoice_lines") == ["duplicate_key": 6])
        #expect(o.staged("subscriptions", parent: "sub_x") == 2)
        #expect(o.rejected("subscriptions", object: "sub_y") == 2)
        let reasons = try TransformFixtures.rejects(root: dir.path, runId: "r").compactMap { $0["reason"] as? String }
        #expect(reasons.contains { $0.contains("il_in_a_1") && $0.contains("raw line 1") })
    }

    // MARK: Item 3: a document damaged partway through its child list

    @Test(arguments: [UInt8(0xFF), UInt8(ascii: "x"), UInt8(0)])
    func invoiceDamagedInLine11IsRejectedWhole(byte: UInt8) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        // The 11th line (index 10) of 89: a bad byte for the ':' after its "id", breaking the JSON.
        let bad = Self.damaged(StageTests.invoice("in_bad", lines: 89), at: #"{"id":"il_in_bad_10""#, offset: 5, with: byte)
        let o = try await Self.run(dir, [:], bytes: ["invoices": [Self.bytes(StageTests.invoice("in_ok", lines: 5)), bad]])
        #expect(o.staged("invoice_lines", parent: "in_bad") == 0, "no line of a damaged invoice reaches staging")
        #expect(o.rejected("invoice_lines", object: "in_bad") == 89, "all 89 lines are rejected, with their count")
        #expect(o.manifest.tables["invoice_lines"]?.rowsIn == 94)
        #expect(o.manifest.tables["invoice_lines"]?.rowsOut == 5)
        // The reconciliation's raw side does not shrink to what mapping accepted: the 89 lines are
        // named as unreadable (or summed when readable), never silently left out.
        let quality = o.manifest.quality
        let raw = quality["invoice_lines.amount_sum.usd.raw"].flatMap { ExactDecimal(parsing: $0) }
        let staged = quality["invoice_lines.amount_sum.usd.staged"].flatMap { ExactDecimal(parsing: $0) }
        let unreadable = Int(quality["invoice_lines.amount_unreadable_rows"] ?? "0") ?? 0
        #expect(staged == ExactDecimal(parsing: "7.50"), "5 lines: -0.50 + 0.50 + 1.50 + 2.50 + 3.50")
        #expect(unreadable + (raw != staged ? 1 : 0) > 0)
        #expect(unreadable <= 89)
    }

    /// Inclusive taxes whose sum leaves 64 bits: the document is rejected as out of range (this
    /// derivation used to add them unchecked, a trap that took the whole transform down).
    @Test func inclusiveTaxesBeyond64BitsRejectTheDocumentInsteadOfCrashing() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let huge = #"{"amount":9000000000000000000,"tax_behavior":"inclusive","taxable_amount":1,"type":"tax_rate_details"}"#
        let invoice = StageTests.invoice("in_tax", lines: 2).replacingOccurrences(
            of: #""taxes":[]"#, with: #""taxes":[\#(huge),\#(huge)]"#, options: [], range: nil)
        let o = try await Self.run(dir, ["invoices": [invoice, StageTests.invoice("in_ok", lines: 2)]])
        #expect(o.staged("invoice_lines", parent: "in_tax") == 0)
        #expect(o.rejected("invoice_lines", object: "in_tax") == 2)
        #expect(o.staged("invoice_lines", parent: "in_ok") == 2)
        let reasons = try TransformFixtures.rejects(root: dir.path, runId: "r").compactMap { $0["reason"] as? String }
        #expect(reasons.contains { $0.contains("too large") }, "\(reasons)")
    }

    @Test func invoiceWithABadValueInLine11IsRejectedWhole() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        // Readable structure, one bad byte inside a mapped string (the 11th line's description).
        let bad = Self.damaged(StageTests.invoice("in_bad", lines: 89), at: #""description":"line 10""#, offset: 16, with: 0xFF)
        let o = try await Self.run(dir, [:], bytes: ["invoices": [bad, Self.bytes(StageTests.invoice("in_ok", lines: 2))]])
        #expect(o.staged("invoice_lines", parent: "in_bad") == 0)
        #expect(o.rejected("invoice_lines", object: "in_bad") == 89)
        // Readable: the raw side holds every line's amount, the rejected side all of in_bad's.
        let rawSum = (0..<89).map { 100 * $0 - 50 }.reduce(0, +) + (-50 + 50)
        #expect(o.manifest.quality["invoice_lines.amount_sum.usd.raw"] == ExactDecimal(units: Int128(rawSum), scale: 2).description)
        #expect(o.manifest.quality["invoice_lines.amount_sum.usd.staged"] == "0.00")
        #expect(o.manifest.quality["invoice_lines.amount_unreadable_rows"] == nil)
    }

    @Test func creditNoteDamagedInLine11IsRejectedWhole() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let bad = Self.damaged(Self.creditNote("cn_bad", lines: 89), at: #"{"id":"cnli_cn_bad_10""#, offset: 5, with: 0xFF)
        let o = try await Self.run(dir, [:], bytes: ["credit_notes": [Self.bytes(Self.creditNote("cn_ok", lines: 3)), bad]])
        #expect(o.staged("credit_note_lines", parent: "cn_bad") == 0)
        #expect(o.rejected("credit_note_lines", object: "cn_bad") == 89)
        #expect(o.manifest.tables["credit_note_lines"]?.rowsIn == 92)
    }

    @Test func subscriptionDamagedInItem11IsRejectedWhole() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let bad = Self.damaged(Self.subscription("sub_bad", items: 89), at: #"{"id":"si_sub_bad_10""#, offset: 5, with: 0xFF)
        let o = try await Self.run(dir, [:], bytes: ["subscriptions": [Self.bytes(Self.subscription("sub_ok", items: 2)), bad]])
        #expect(o.staged("subscriptions", parent: "sub_bad") == 0)
        #expect(o.rejected("subscriptions", object: "sub_bad") == 89)
        #expect(o.manifest.tables["subscriptions"]?.rowsIn == 91)
    }

    // MARK: Item 4: embedded lists with has_more: true

    @Test func incompleteEmbeddedListsAreRejectedNotMappedPartially() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        func cut(_ document: String, _ total: Int) -> String {
            document.replacingOccurrences(of: #""has_more":false,"total_count":10"#, with: #""has_more":true,"total_count":\#(total)"#)
        }
        let o = try await Self.run(
            dir,
            [
                "invoices": [cut(StageTests.invoice("in_cut", lines: 10), 25), StageTests.invoice("in_ok", lines: 1)],
                "credit_notes": [cut(Self.creditNote("cn_cut", lines: 10), 12)],
                "subscriptions": [cut(Self.subscription("sub_cut", items: 10), 11)]
            ])
        for (table, parent) in [("invoice_lines", "in_cut"), ("credit_note_lines", "cn_cut"), ("subscriptions", "sub_cut")] {
            #expect(o.staged(table, parent: parent) == 0, "\(table)")
            #expect(o.rejected(table, object: parent) == 10, "\(table): the lines present are counted")
            #expect(o.codes(table) == ["incomplete_list": 10], "\(table)")
        }
        #expect(o.staged("invoice_lines", parent: "in_ok") == 1)
        let reasons = try TransformFixtures.rejects(root: dir.path, runId: "r").compactMap { $0["reason"] as? String }
        #expect(reasons.contains { $0.contains("has_more is true") && $0.contains("of 25") })
    }

    // MARK: Item 7: a failing configuration check leaves a finished run alone

    @Test func badReportingCurrencyLeavesThePreviousManifestIntact() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        _ = try await Self.run(dir, ["invoices": [StageTests.invoice("in_a", lines: 2)]])
        let paths = RunPaths(root: dir.path)
        let before = try Data(contentsOf: URL(fileURLWithPath: paths.stagingManifest("r")))
        let rejectsBefore = try Data(contentsOf: URL(fileURLWithPath: paths.stagingRejects("r")))
        var p = TransformFixtures.pipeline(reporting: "XYZ")
        p.fx.rates = try TransformFixtures.fixturePath("ecb-sample.csv")
        p.fx.supplementary = try TransformFixtures.fixturePath("supplementary-sample.csv")
        let error = #expect(throws: TransformError.self) {
            _ = try TransformStage(pipeline: p, paths: paths, schemas: try TransformFixtures.schemas()).run(runId: "r")
        }
        #expect(error?.code == .rates)
        #expect(error?.message.contains("XYZ") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: paths.stagingManifest("r"))) == before, "the finished run's manifest stays")
        #expect(try Data(contentsOf: URL(fileURLWithPath: paths.stagingRejects("r"))) == rejectsBefore)
        let manifest = try StagingManifest.read(paths: paths, runId: "r")
        for (_, table) in manifest.tables { try table.file.verify(in: paths.staging("r")) }
    }

    // MARK: Item 14: malformed lookup lines and duplicated keys

    @Test func malformedProductCouponAndEventLinesAreRejects() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let o = try await Self.run(
            dir,
            [
                "products": [
                    #"{"id":"prod_1","object":"product","name":"Pro"}"#, #"{"id":"prod_2","name":"#, #"{"object":"product","name":"no id"}"#
                ],
                "coupons": [#"{"id":"co_1","duration":"forever","percent_off":10,"percent_off":20}"#],
                "events": [#"{"id":"evt_1","type":"customer.deleted","data":{"object":{"object":"customer"}}}"#, "[1,2]"]
            ])
        let lookups = o.lookupRejects
        #expect(lookups.count == 5)
        #expect(lookups.filter { $0["stream"] as? String == "products" }.map { $0["line"] as? Int } == [2, 3])
        #expect(
            lookups.contains {
                $0["stream"] as? String == "coupons" && ($0["reason"] as? String ?? "").contains("duplicate key \"percent_off\"")
            })
        #expect(lookups.filter { $0["stream"] as? String == "events" }.count == 2)
        #expect(lookups.allSatisfy { !($0["reason"] as? String ?? "").isEmpty && $0["table"] is NSNull })
        #expect(o.manifest.quality["lookup.products.unusable"] == "2")
        #expect(o.manifest.quality["rejects.lookup.coupons.malformed_json"] == "1")
        #expect(o.manifest.rejects.file == "rejects.ndjson")
    }

    @Test(arguments: [false, true])
    func duplicatedKeyRejectsTheDocument(validateInput: Bool) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        var options = TransformStage.Options()
        options.validateInput = validateInput
        // A mapped key twice at the top level, inside a line, and a customer's email twice.
        let twiceCurrency = StageTests.invoice("in_dup", lines: 3).replacingOccurrences(
            of: #""currency":"usd","customer""#, with: #""currency":"usd","currency":"eur","customer""#)
        let twiceAmount = StageTests.invoice("in_dup2", lines: 4).replacingOccurrences(
            of: #""amount":150,"#, with: #""amount":150,"amount":9999,"#)
        let customer = Self.customer("cus_D", name: "D").replacingOccurrences(
            of: #""name":"D""#, with: #""name":"D","email":"x@example.com""#)
        let o = try await Self.run(
            dir,
            [
                "invoices": [twiceCurrency, StageTests.invoice("in_ok", lines: 1), twiceAmount],
                "customers": [Self.customer("cus_A", name: "A"), customer]
            ], options: options)
        #expect(o.staged("invoice_lines", parent: "in_dup") == 0)
        #expect(o.rejected("invoice_lines", object: "in_dup") == 3)
        #expect(o.staged("invoice_lines", parent: "in_dup2") == 0)
        #expect(o.rejected("invoice_lines", object: "in_dup2") == 4)
        #expect(o.rows("customers") == 1)
        let reasons = try TransformFixtures.rejects(root: dir.path, runId: "r").compactMap { $0["reason"] as? String }
        #expect(reasons.contains { $0.contains("duplicate key \"currency\"") })
        #expect(reasons.contains { $0.contains("duplicate key \"amount\"") })
        #expect(reasons.contains { $0.contains("duplicate key \"email\"") })
    }

    // MARK: The counting rule for damaged documents

    @Test func rawUnitCountReadsOnlyTheStructure() {
        func count(_ text: String, _ unit: [String] = ["lines", "data"]) -> Int {
            let bytes = Array(text.utf8)
            return RawUnitCount.count(bytes.span, unit: unit)
        }
        #expect(count(#"{"id":"x","lines":{"data":[{"a":1},{"b":{"c":[{}]}},{"s":"}{\"["}]}}"#) == 3)
        #expect(count(#"{"data":[{}],"lines":{"url":"{","data":[{"x":1},{"y":"\#u{FF}"},{"z":tru"#) == 3)
        #expect(count(#"{"other":{"lines":{"data":[{},{}]}},"lines":{"data":[{}]}}"#) == 1)
        #expect(count(#"{"items":{"data":[{},{}]}}"#, ["items", "data"]) == 2)
        #expect(count(#"{"lines":null}"#) == 0)
    }
}
