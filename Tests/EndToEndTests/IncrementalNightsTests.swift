import Core
import Foundation
import Load
import StripeSimulator
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 13: nights of incremental runs against an account that changes between them. After every
/// night the warehouse equals, file for file and byte for byte, a full refresh of the same account
/// state under the same run id; an incremental night costs close to the fewest requests its
/// changes need.
@Suite(.serialized)
struct IncrementalNightsTests {
    static let key = "rk_test_incrementalNights0001"
    static let tables = ["customers", "prices", "subscriptions", "invoice_lines", "credit_note_lines"]

    func pipeline(base: String) -> String {
        """
        name: nights
        mode: test
        stripe:
          api_base: \(base)
          api_version: 2025-03-31.basil
          requests_per_second: 1000
          max_retries: 1
          initial_backoff_seconds: 0.01
          max_backoff_seconds: 0.02
        extract:
          max_in_flight: 4
          events_lag_seconds: 0
          events_overlap_seconds: 0
        transform:
          max_reject_ratio: 0.05
        fx:
          reporting_currency: EUR
          supplementary: pipelines/demo-supplementary-rates.csv
          max_staleness_days: 36500
        load:
          format: parquet
        """
    }

    /// `stripe-etl run` of `runId` into `out`; the server's requests during it.
    func run(_ pipeline: String, out: String, runId: String, extra: [String] = [], server: FixtureServer) async throws -> (
        ChildProcess.Result, Int
    ) {
        let before = server.requestCount
        let result = try await E2E.etl(
            ["run", pipeline, "--output", out, "--run-id", runId, "--log-format", "json"] + extra,
            environment: ["STRIPE_API_KEY": Self.key], timeout: 120)
        return (result, server.requestCount - before)
    }

    /// Waits until the clock is in a later second than `second`, so that a run's listings (which
    /// end at the run's start second) include what changed in `second`.
    func waitPast(_ second: Int64) {
        while Int64(Date().timeIntervalSince1970) <= second { usleep(20_000) }
    }

    /// The file of each partition of each table of the published warehouse (`<table>/<partition>`
    /// -> sha256). By partition, not by file name: a partition carried over from an earlier night
    /// keeps the name of the run that wrote it (README, Incremental runs), which a full refresh
    /// under this run id names after itself.
    func tableFiles(_ out: String) async throws -> [String: String] {
        var all: [String: String] = [:]
        let warehouse = URL(fileURLWithPath: out + "/warehouse").resolvingSymlinksInPath().path
        for table in Self.tables {
            for (path, digest) in try await E2E.checksums(under: warehouse + "/" + table) {
                let partition = table + "/" + (path as NSString).deletingLastPathComponent
                #expect(all[partition] == nil, "\(partition) holds more than one file")
                all[partition] = digest
            }
        }
        return all
    }

    /// The published manifest of `runId` says which fact partitions were written and which carried
    /// over from `base`'s version; a carried file is the base's (same inode, same name), a written
    /// one is named after this run.
    func expectOnlyChangedPartitionsRewritten(out: String, runId: String, base: String, totals: inout (rewritten: Int, carriedOver: Int))
        throws
    {
        let versions = out + "/.warehouse-versions/"
        let manifest = try ManifestCoding.read(WarehouseManifest.self, from: versions + runId + "/_runs/\(runId).json", stage: "test")
        #expect(manifest.baseRun == base)
        for name in ["invoice_lines", "credit_note_lines"] {
            let table = try #require(manifest.tables[name])
            let changes = try #require(table.partitionChanges)
            #expect(changes.rewritten + changes.carriedOver == table.partitions.count)
            totals.rewritten += changes.rewritten
            totals.carriedOver += changes.carriedOver
            for partition in table.partitions {
                var mine = stat()
                #expect(stat(versions + runId + "/" + partition.file.file, &mine) == 0, "\(partition.file.file)")
                guard partition.carriedOverFrom != nil else {
                    #expect(partition.file.file.hasSuffix("/part-\(runId)-00000.parquet"))
                    continue
                }
                #expect(partition.carriedOverFrom == base)
                var theirs = stat()
                #expect(stat(versions + base + "/" + partition.file.file, &theirs) == 0, "\(partition.file.file) is not \(base)'s")
                #expect(mine.st_ino == theirs.st_ino, "\(partition.file.file) was written again instead of carried over")
            }
        }
    }

    /// Staging rows of `table` (decompressed lines), for a readable failure.
    func stagingLines(_ out: String, _ runId: String, _ table: String) async throws -> [Substring] {
        let result = try await E2E.run("/usr/bin/env", ["zstd", "-dc", "\(out)/staging/\(runId)/\(table).ndjson.zst"])
        return result.stdout.split(separator: "\n")
    }

    /// A full refresh of the same account state into a fresh directory, same run id; the files must match.
    func expectEqualsFullRefresh(_ pipeline: String, out: String, runId: String, server: FixtureServer, scratch: TemporaryDirectory)
        async throws
    {
        let reference = scratch.appending("reference-\(runId)")
        let (result, _) = try await run(pipeline, out: reference, runId: runId, extra: ["--full-refresh"], server: server)
        try #require(result.status == 0, "reference full refresh of \(runId): \(result)")
        let mine = try await tableFiles(out)
        let theirs = try await tableFiles(reference)
        #expect(!mine.isEmpty)
        if mine != theirs {
            for table in Self.tables {
                let a = try await stagingLines(out, runId, table)
                let b = try await stagingLines(reference, runId, table)
                let onlyMine = Set(a).subtracting(b)
                let onlyTheirs = Set(b).subtracting(a)
                Issue.record(
                    "night \(runId) table \(table): \(a.count) rows vs \(b.count) in the full refresh; only incremental: \(Array(onlyMine.prefix(2))); only full: \(Array(onlyTheirs.prefix(2))); same rows, other order: \(onlyMine.isEmpty && onlyTheirs.isEmpty && a != b)"
                )
            }
        }
        #expect(mine == theirs, "night \(runId): the incremental warehouse differs from a full refresh")
        try? FileManager.default.removeItem(atPath: reference)
    }

    /// DuckDB over the published Parquet (an oracle independent of our code): every customer and
    /// price a fact row names has a row, except prices the run's raw manifest records as 404
    /// (deleted prices); the rows of `deletedCustomers` say deleted; what the lines of deleted
    /// customers bill.
    static let joinChecker = #"""
        import json, sys
        import duckdb
        warehouse, manifest, deleted = sys.argv[1], json.load(open(sys.argv[2])), json.loads(sys.argv[3])
        def t(name): return f"read_parquet('{warehouse}/{name}/*/*.parquet', hive_partitioning = true)"
        def referenced(stream): return (manifest["streams"].get(stream, {}).get("referenced") or {})
        con = duckdb.connect(); con.execute("SET enable_progress_bar = false")  # a progress bar would go to stdout
        problems = []
        for fact in ["invoice_lines", "subscriptions", "credit_note_lines"]:
            orphans = con.execute(f"SELECT DISTINCT customer_id FROM {t(fact)} WHERE customer_id IS NOT NULL AND customer_id NOT IN (SELECT customer_id FROM {t('customers')})").fetchall()
            if orphans: problems.append(f"{fact}: customers without a row: {orphans[:5]}")
        not_found = set(referenced("prices").get("not_found", []))
        for fact in ["invoice_lines", "subscriptions"]:
            orphans = {r[0] for r in con.execute(f"SELECT DISTINCT price_id FROM {t(fact)} WHERE price_id IS NOT NULL AND price_id NOT IN (SELECT price_id FROM {t('prices')})").fetchall()}
            if orphans - not_found: problems.append(f"{fact}: prices without a row (not recorded as 404): {sorted(orphans - not_found)[:5]}")
        flags = dict(con.execute(f"SELECT customer_id, deleted FROM {t('customers')}").fetchall())
        for c in deleted:
            if flags.get(c) is not True: problems.append(f"deleted customer {c}: row deleted = {flags.get(c)}")
        lines, billed = con.execute(f"SELECT count(*), coalesce(sum(l.amount_excluding_tax_reporting - l.discount_amount_reporting), 0) FROM {t('invoice_lines')} l JOIN {t('customers')} c USING (customer_id) WHERE c.deleted AND l.invoice_status NOT IN ('draft', 'void')").fetchone()
        stubs = con.execute(f"SELECT count(*) FROM {t('customers')} WHERE deleted AND created_at IS NULL").fetchone()[0]
        print(json.dumps({"problems": problems, "deleted_customer_lines": lines, "deleted_customer_billed": str(billed), "stub_rows": stubs,
                          "referenced_customers": referenced("customers").get("objects", 0), "prices_not_found": sorted(not_found)}))
        """#

    struct Joins: Decodable {
        var problems: [String]
        var deleted_customer_lines: Int
        var deleted_customer_billed: String
        var stub_rows: Int
        var referenced_customers: Int
        var prices_not_found: [String]
    }

    /// Runs `joinChecker` on the published warehouse of `runId`.
    func joins(_ out: String, _ runId: String, deletedCustomers: [String]) async throws -> Joins {
        let warehouse = URL(fileURLWithPath: out + "/warehouse").resolvingSymlinksInPath().path
        let deleted = String(decoding: try JSONEncoder().encode(deletedCustomers), as: UTF8.self)
        let result = try await E2E.python(Self.joinChecker, [warehouse, RunPaths(root: out).rawManifest(runId), deleted], timeout: 120)
        try #require(result.status == 0, "join check of \(runId): \(result)")
        let joins = try JSONDecoder().decode(
            Joins.self, from: Data(result.stdout.split(separator: "\n").last.map(String.init)?.utf8 ?? "".utf8))
        #expect(joins.problems.isEmpty, "night \(runId): \(joins.problems)")
        return joins
    }

    func rawSync(_ out: String, _ runId: String) throws -> RawManifest.Sync? {
        try RawManifest.read(paths: RunPaths(root: out), runId: runId).sync
    }

    @Test
    func nightsEqualAFullRefreshOfTheSameState() async throws {
        let now = Int64(Date().timeIntervalSince1970)
        // 60 customers: two deleted ones named by subscriptions, one without a deletion event; an
        // inline price and a deleted product (unlistedReferences).
        var config = AccountConfig(seed: 13, customers: 60, invoices: 60, events: 30, years: 1)
        config.endTime = now - 2 * 86_400
        config.unlistedReferences = true
        let account = EvolvingAccount(generator: AccountGenerator(config))
        let server = FixtureServer(
            generator: account.generator, configuration: .init(apiKey: Self.key, recordRequests: false),
            responder: { account.respond(target: $0) })
        try server.start()
        defer { server.stop() }
        let scratch = try TemporaryDirectory(prefix: "e2e-incremental-nights")
        let pipeline = try TestPipelines.write(self.pipeline(base: server.baseURL), to: scratch.appending("nights.yaml"))
        let out = scratch.appending("out")

        // Night 1: the first run is full.
        var (result, _) = try await run(pipeline, out: out, runId: "night1", server: server)
        try #require(result.status == 0, "night 1: \(result)")
        #expect(try rawSync(out, "night1")?.mode == "full")
        try await expectEqualsFullRefresh(pipeline, out: out, runId: "night1", server: server, scratch: scratch)
        // Issue 13: customers deleted before the events window stay joinable (a stub row), and what
        // their lines bill is in the warehouse with a customer row.
        let first = try await joins(out, "night1", deletedCustomers: account.generator.deletedCustomerIDs)
        #expect(first.stub_rows >= 1)
        #expect(first.referenced_customers == account.generator.unlistedReferences()[.customers]?.count)
        #expect(first.deleted_customer_lines > 0 && first.deleted_customer_billed != "0", "\(first)")
        // Stubs map to rows (nulls where the stub has no field), never to rejects.
        let staging = try StagingManifest.read(paths: RunPaths(root: out), runId: "night1")
        #expect(staging.tables["customers"]?.rowsRejected == 0)
        #expect(staging.tables["prices"]?.rowsRejected == 0)
        var deletedSoFar = account.generator.deletedCustomerIDs

        var totals = (rewritten: 0, carriedOver: 0)
        for night in 2...6 {
            let changes = account.evolve(night: night)
            waitPast(Int64(Date().timeIntervalSince1970))
            let runId = "night\(night)"
            var requests = 0
            switch night {
            case 3:
                // SIGKILL once the run has made a few requests, then resume it.
                let before = server.requestCount
                let process = try await E2E.start(
                    try E2E.executable("stripe-etl"), ["run", pipeline, "--output", out, "--run-id", runId, "--log-format", "json"],
                    environment: ["STRIPE_API_KEY": Self.key], logs: scratch.appending("kill"))
                let reached = E2E.waitFor(60) { server.requestCount - before >= 4 || !process.isRunning }
                process.send(SIGKILL)
                try await process.wait(timeout: 60)
                #expect(reached)
                (result, _) = try await run(pipeline, out: out, runId: runId, server: server)
                try #require(result.status == 0, "night 3 after the kill: \(result)")
                #expect(try rawSync(out, runId)?.mode == "incremental")
            case 4:
                // A cursor older than Stripe's events retention: a loud full refresh.
                let paths = RunPaths(root: out)
                var state = try #require(try PipelineState.load(paths))
                state.eventsCursor = now - 40 * 86_400
                try state.save(paths)
                (result, requests) = try await run(pipeline, out: out, runId: runId, server: server)
                try #require(result.status == 0, "night 4: \(result)")
                let sync = try #require(try rawSync(out, runId))
                #expect(sync.mode == "full")
                #expect(result.stdout.contains("WARNING: FULL REFRESH"))
                #expect(result.stderr.contains("FULL REFRESH"))
            default:
                (result, requests) = try await run(pipeline, out: out, runId: runId, server: server)
                try #require(result.status == 0, "night \(night): \(result)")
                let sync = try #require(try rawSync(out, runId))
                #expect(sync.mode == "incremental")
                #expect(sync.baseRun == "night\(night - 1)")
                // Requests: the floor of these changes (+ the account lookup), within 1.5x.
                let floor = changes.requestFloor(account) + 1
                #expect(requests <= floor * 3 / 2, "night \(night): \(requests) requests for a floor of \(floor)")
                #expect(requests >= floor - 1, "night \(night): \(requests) requests, below the floor \(floor): changes were missed")
                // Referenced objects the base run holds (stubs) or answered 404 for are not asked
                // again: only tonight's newly unlisted references are retrieved.
                let manifest = try RawManifest.read(paths: RunPaths(root: out), runId: runId)
                let fetched = ["customers", "prices", "products"].reduce(0) { total, stream in
                    let entry = manifest.streams[stream]?.referenced
                    return total + (entry?.fetched ?? 0)
                }
                let newlyNotFound = Set(manifest.streams.values.flatMap { $0.referenced?.notFound ?? [] }).intersection(
                    changes.newlyUnlistedReferences
                ).count
                #expect(
                    fetched + newlyNotFound == changes.newlyUnlistedReferences.count,
                    "night \(night): \(fetched) retrieved + \(newlyNotFound) 404s for \(changes.newlyUnlistedReferences.sorted())")
                let deleted = sync.streams.values.reduce(0) { $0 + $1.deleted }
                #expect(deleted == changes.deleted.values.reduce(0) { $0 + $1.count })
                // The summary says which fact partitions the night rewrote and which it carried over.
                #expect(
                    result.stdout.contains(" rewritten, ") && result.stdout.contains(" carried over"),
                    "night \(night) summary: \(result.stdout)")
                print(
                    "incremental night \(night): \(requests) requests, floor \(floor), changes \(changes.changed.mapValues(\.count)), deleted \(deleted)"
                )
            }
            try await expectEqualsFullRefresh(pipeline, out: out, runId: runId, server: server, scratch: scratch)
            try expectOnlyChangedPartitionsRewritten(out: out, runId: runId, base: "night\(night - 1)", totals: &totals)
            // Tonight's deleted customer (named by its invoices and subscription) has its row, deleted.
            deletedSoFar += changes.deleted[.customers] ?? []
            let tonight = try await joins(out, runId, deletedCustomers: deletedSoFar)
            #expect(!(changes.deleted[.customers] ?? []).isEmpty)
            // A deleted price that facts still name is a 404, recorded (the fixture's own count).
            let deletedNamedPrices = changes.newlyUnlistedReferences.filter { $0.hasPrefix(FixtureStream.prices.idPrefix) }
            #expect(
                deletedNamedPrices.isSubset(of: Set(tonight.prices_not_found)),
                "night \(night): \(deletedNamedPrices) vs \(tonight.prices_not_found)")
            if !deletedNamedPrices.isEmpty {
                print("night \(night): deleted prices named by facts, answered 404: \(deletedNamedPrices.sorted())")
            }
        }

        // The nights' changes touch a few months: the other partitions were carried over.
        #expect(totals.carriedOver > totals.rewritten, "fact partitions: \(totals.rewritten) rewritten, \(totals.carriedOver) carried over")
        #expect(totals.rewritten > 0)
        print("fact partitions over nights 2-6: \(totals.rewritten) rewritten, \(totals.carriedOver) carried over")

        // Reproducible: an incremental run's raw directory alone gives the same files again.
        let replay = scratch.appending("replay")
        try FileManager.default.createDirectory(atPath: replay + "/raw", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: out + "/raw/night5", toPath: replay + "/raw/night5")
        for stage in ["transform", "load"] {
            let result = try await E2E.etl([stage, pipeline, "--output", replay, "--run-id", "night5", "--log-format", "json"])
            try #require(result.status == 0, "replay \(stage): \(result)")
        }
        var original: [String: String] = [:]
        for table in Self.tables {
            for (path, digest) in try await E2E.checksums(under: out + "/.warehouse-versions/night5/" + table) {
                original[table + "/" + (path as NSString).deletingLastPathComponent] = digest
            }
        }
        #expect(!original.isEmpty)
        #expect(try await tableFiles(replay) == original, "night 5 replayed from its raw directory differs")
    }
}
