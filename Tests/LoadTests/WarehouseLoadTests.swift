import Core
import Foundation
import StripeSimulator
import TestSupport
import Testing

@testable import Load

/// The load scripts against real databases: a PostgreSQL server (started by .ci/setup) and
/// DuckDB, driven exactly as the README says (`stripe-load sql`, `psql -f`, DuckDB's Python API).
@Suite(.serialized) struct WarehouseLoadTests {
    /// The throwaway server's URL: `STRIPE_WAREHOUSE_PG_URL`, else the file .ci/setup writes.
    static let postgresURLFile = "/tmp/stripe-warehouse-postgres/url"
    static var postgresURL: String? {
        if let url = ProcessInfo.processInfo.environment["STRIPE_WAREHOUSE_PG_URL"], !url.isEmpty { return url }
        return (try? String(contentsOfFile: postgresURLFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    /// In CI a missing server is a failure, never a skip.
    static var required: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
    /// The server answers (outside CI a stopped server skips the test instead of failing it).
    static func postgresReachable() async -> Bool {
        guard let url = postgresURL else { return false }
        return (try? await ChildProcess.run("/usr/bin/env", ["pg_isready", "-q", "-d", url], timeout: 15))?.status == 0
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> ChildProcess.Result {
        let result = try await ChildProcess.run(executable, arguments, environment: environment, timeout: 300)
        guard result.status == 0 else {
            throw TestSupportError(message: "\(executable) \(arguments.joined(separator: " ")) failed: \(result)")
        }
        return result
    }

    static func psql(_ url: String, _ arguments: [String]) async throws -> ChildProcess.Result {
        try await run("/usr/bin/env", ["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1"] + arguments)
    }

    static func writePipeline(root: String) throws -> String {
        let path = root + "/warehouse-test.yaml"
        try """
        name: warehouse-test
        mode: test
        output: \(root)
        schemas: \(LoadFixture.repositoryRoot)/schemas
        transform:
          max_reject_ratio: 1.0
        fx:
          reporting_currency: EUR
        load:
          format: parquet
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Night 2's raw run: night 1's streams edited as the account changed overnight, finished
    /// the next day (so its snapshot date is 2025-06-02).
    static func writeNightTwo(root: String, changedAt: Int64) async throws -> [String: Any] {
        let paths = RunPaths(root: root)
        try AtomicFile.createDirectory(paths.raw("night2"))
        let output = try await runPython(WarehouseLoadScripts.nightTwo, [paths.raw("night1"), paths.raw("night2"), String(changedAt)])
        let night1 = try RawManifest.read(paths: paths, runId: "night1")
        var streams: [String: RawManifest.Stream] = [:]
        for name in night1.streams.keys {
            let path = paths.rawFile("night2", stream: name)
            let lines = try await ZstdLineCount.count(path)
            streams[name] = RawManifest.Stream(
                file: try FileEntry.describe(path: path, relativeTo: paths.raw("night2")),
                objects: lines.lines, requests: 0, uncompressedBytes: lines.bytes, windows: 1)
        }
        let finished = "2025-06-02T02:00:00Z"
        let manifest = RawManifest(
            runId: "night2", pipeline: night1.pipeline, stripeApiVersion: night1.stripeApiVersion,
            accountId: night1.accountId, livemode: night1.livemode, startedAt: finished, finishedAt: finished,
            apiBase: night1.apiBase, streams: streams)
        try ManifestCoding.write(manifest, to: paths.rawManifest("night2"))
        return try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
    }

    @Test(.enabled("no PostgreSQL server: run .ci/setup") { required ? true : await postgresReachable() }, .timeLimit(.minutes(6)))
    func nightOneNightTwoAndNightTwoAgainLeaveEveryTableEqualToThePublishedRun() async throws {
        let server = try #require(
            Self.postgresURL,
            "CI=true but no PostgreSQL URL in \(Self.postgresURLFile) or STRIPE_WAREHOUSE_PG_URL: .ci/setup starts the server and writes it"
        )
        try #require(
            await Self.postgresReachable(),
            "CI=true but the PostgreSQL server at \(server) does not answer: .ci/setup starts it (see its server.log)")
        let database = "stripe_wh_\(UInt32.random(in: 0...UInt32.max))"
        _ = try await Self.psql(server, ["-c", "CREATE DATABASE \(database)"])
        let outcome: Result<Void, any Error>
        do { outcome = .success(try await Self.loadNights(server: server, database: database)) } catch { outcome = .failure(error) }
        _ = try? await Self.psql(server, ["-c", "DROP DATABASE IF EXISTS \(database)"])
        try outcome.get()
    }

    /// Loads night 1, night 2, night 2 again and night 1 again into the test's own database and DuckDB,
    /// comparing every table with the published run after each step.
    static func loadNights(server: String, database: String) async throws {
        // The same server, the test's own database (the URL's last path component).
        let url =
            try #require(server.range(of: "/", options: .backwards)).lowerBound.utf16Offset(in: server) > "postgresql://".utf16.count
            ? String(server[..<server.range(of: "/", options: .backwards)!.lowerBound]) + "/" + database : server + "/" + database

        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let transform = try BuiltProducts.path("stripe-transform")
        let load = try BuiltProducts.path("stripe-load")
        let pipeline = try Self.writePipeline(root: fixture.root)
        var config = AccountConfig(seed: 11, customers: 40, invoices: 120, events: 40, years: 2)
        config.currencies = ["usd", "eur", "gbp", "jpy"]
        try RawRunWriter(generator: AccountGenerator(config)).write(outputRoot: fixture.root, runId: "night1")
        let changes = try await Self.writeNightTwo(root: fixture.root, changedAt: config.endTime + 43_200)
        #expect((changes["finalized_drafts"] as? [String])?.isEmpty == false, "the account has no draft to finalize")
        for night in ["night1", "night2"] {
            _ = try await Self.run(transform, [pipeline, "--run-id", night])
        }

        let duckdbFile = fixture.root + "/warehouse.duckdb"
        let schemas = try LoadFixture.schemas()
        var customersPerStep: [Int] = []
        var draftMonths: [String] = []
        let drafts = (changes["finalized_drafts"] as? [String]) ?? []
        for night in ["night1", "night2", "night2", "night1"] {
            _ = try await Self.run(load, [pipeline, "--run-id", night])
            // The README's commands: generate the scripts, apply DDL then load.
            let postgres = try await Self.run(load, ["sql", pipeline, "--run-id", night, "--dialect", "postgres"]).stdout.split(
                separator: "\n"
            ).map(String.init)
            #expect(postgres.count == 2)
            _ = try await Self.psql(url, ["-f", postgres[0]])
            _ = try await Self.psql(url, ["-f", postgres[1]])
            let duck = try await Self.run(load, ["sql", pipeline, "--run-id", night, "--dialect", "duckdb"]).stdout.split(separator: "\n")
                .map(String.init)
            _ = try await runPython(WarehouseLoadScripts.duckdbApply, [duckdbFile] + duck)

            let run = try PublishedRun.resolve(paths: fixture.paths, runId: night)
            #expect(run.versionPath.hasSuffix(try FileManager.default.destinationOfSymbolicLink(atPath: fixture.paths.warehouse)))
            let targets = try run.targets(schemas)
            let spec: [String: Any] = [
                "schemas": schemas.directory, "version": run.versionPath, "postgres": url, "duckdb": duckdbFile,
                "targets": targets.map {
                    [
                        "name": $0.name, "table": $0.schema.table, "partition_column": $0.partitionColumn,
                        "partition_by": $0.partitionBy.rawValue, "history": $0.isHistory, "primary_key": $0.primaryKey
                    ] as [String: Any]
                }
            ]
            let output = try await runPython(
                WarehouseLoadScripts.compare, [String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)])
            let report = try #require(try JSONSerialization.jsonObject(with: output) as? [String: [String: Any]])
            #expect(report.count == 8, "five tables and three history tables")
            for (table, entry) in report.sorted(by: { $0.key < $1.key }) {
                let expected = entry["expected"] as? Int ?? -1
                #expect(entry["expected_dups"] as? Int == 0, "\(night) \(table): the published files repeat a primary key")
                for warehouse in ["postgres", "duckdb"] {
                    #expect(
                        entry[warehouse] as? Int == expected,
                        "\(night) \(table) in \(warehouse): \(entry[warehouse] ?? "nil") rows, the run has \(expected)")
                    #expect(entry[warehouse + "_dups"] as? Int == 0, "\(night) \(table) in \(warehouse): duplicated keys")
                    #expect(
                        (entry[warehouse + "_diff"] as? [String])?.isEmpty == true,
                        "\(night) \(table) in \(warehouse) differs: \(entry[warehouse + "_diff"] ?? "")")
                }
            }
            #expect((report["invoice_lines"]?["expected"] as? Int ?? 0) > 100)
            customersPerStep.append(report["customers"]?["expected"] as? Int ?? -1)
            draftMonths.append(
                try await Self.psql(
                    url,
                    [
                        "-At", "-c",
                        "SELECT string_agg(DISTINCT document_month, ',') FROM invoice_lines WHERE invoice_id IN (\(drafts.map { "'\($0)'" }.joined(separator: ",")))"
                    ]
                ).stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let deleted = (changes["deleted_customers"] as? [String])?.count ?? 0
        #expect(deleted > 0)
        #expect(
            customersPerStep == [customersPerStep[0], customersPerStep[0] - deleted, customersPerStep[0] - deleted, customersPerStep[0]])
        // Night 2 really moved the finalized drafts' lines to June (same line ids, another partition).
        #expect(draftMonths[1] == "2025-06" && draftMonths[2] == "2025-06")
        #expect(!draftMonths[0].isEmpty && draftMonths[0] != "2025-06" && draftMonths[3] == draftMonths[0])
    }
}

/// Lines and uncompressed bytes of a zstd NDJSON file (for a raw manifest written by a test).
enum ZstdLineCount {
    static func count(_ path: String) async throws -> (lines: Int, bytes: Int) {
        let result = try await ChildProcess.run("/usr/bin/env", ["sh", "-c", "zstd -dcq -- \"$0\" | wc -lc", path], timeout: 60)
        let numbers = result.stdout.split(separator: " ", omittingEmptySubsequences: true).compactMap {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        guard result.status == 0, numbers.count == 2 else { throw TestSupportError(message: "cannot count \(path): \(result)") }
        return (numbers[0], numbers[1])
    }
}
