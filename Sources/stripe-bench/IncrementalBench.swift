import ArgumentParser
import Core
import Foundation
import StripeSimulator
import Zstd

/// Full vs incremental `stripe-etl run` on a generated account that changes overnight, served by a
/// Stripe-like loopback server (latency, a per-account rate limit answering 429).
struct IncrementalBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incremental",
        abstract: "Requests and wall of a full vs an incremental night on a changing account, against the changes' request floor.")

    @Option var customers = 2_000
    @Option(help: "Invoices (default: 5 per customer per year of history).")
    var invoices: Int?
    @Option var years = 1
    @Option var events = 500
    @Option(help: "Nights of changes applied between the two runs (5 by default: about 1% of 2,000 customers and subscriptions).")
    var rounds = 5
    @Option(help: "Server latency per request, milliseconds.")
    var latencyMs = 60.0
    @Option(help: "Server rate limit, requests per second (429 above it).")
    var limit = 100.0
    @Option var output = "output/bench-incremental"

    func run() throws {
        let now = Int64(Date().timeIntervalSince1970)
        var config = AccountConfig(
            seed: 2026, customers: customers, invoices: invoices ?? customers * 5 * years, events: events, years: years)
        config.endTime = now - 2 * 86_400
        let key = "rk_test_benchmark0000"
        let account = EvolvingAccount(generator: AccountGenerator(config))
        let server = FixtureServer(
            generator: account.generator,
            configuration: FixtureServer.Configuration(
                apiKey: key, pretty: true, recordRequests: false, latencySeconds: latencyMs / 1000,
                rateLimit: FixtureServer.RateLimit(requestsPerSecond: limit)), responder: { account.respond(target: $0) })
        try server.start()
        defer { server.stop() }
        try? FileManager.default.removeItem(atPath: output)
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let pipeline = output + "/bench.yaml"
        try """
        name: bench-incremental
        mode: test
        stripe:
          api_base: \(server.baseURL)
          requests_per_second: \(Int(limit * 0.9))
        extract:
          max_in_flight: 16
          events_lag_seconds: 0
          events_overlap_seconds: 0
        fx:
          supplementary: pipelines/demo-supplementary-rates.csv
          max_staleness_days: 36500
        """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let nightly = output + "/nightly"
        func etl(_ out: String, _ runId: String, _ extra: [String] = []) throws -> (Measurement, Int) {
            let before = server.requestCount
            let m = try runMeasured(
                "stripe-etl", ["run", pipeline, "--output", out, "--run-id", runId, "--log-format", "json"] + extra,
                environment: ["STRIPE_API_KEY": key], stderrPath: out + "-\(runId).log")
            guard m.status == 0 else { throw BenchError("stripe-etl run \(runId) exited with \(m.status)") }
            return (m, server.requestCount - before)
        }

        let (first, firstRequests) = try etl(nightly, "night1")
        var changes = EvolvingAccount.Changes()
        for round in 0..<rounds { changes.formUnion(account.evolve(night: 2 + round)) }
        let changed = changes.changed.values.reduce(0) { $0 + $1.count }
        let deleted = changes.deleted.values.reduce(0) { $0 + $1.count }
        let floor = changes.requestFloor(account) + 1 // + the account lookup every run makes
        // The run's listings end at its start second: start after the second of the changes.
        let changedAt = Int64(Date().timeIntervalSince1970)
        while Int64(Date().timeIntervalSince1970) <= changedAt { usleep(20_000) }
        let (incremental, incrementalRequests) = try etl(nightly, "night2")
        let (full, fullRequests) = try etl(output + "/full", "night2", ["--full-refresh"])

        let paths = RunPaths(root: nightly)
        let sync = try RawManifest.read(paths: paths, runId: "night2").sync
        var equal = true
        var rowsChanged = 0
        for table in ["customers", "prices", "subscriptions", "invoice_lines", "credit_note_lines"] {
            let mine = try lines(paths.stagingFile("night2", table: table))
            let theirs = try lines(RunPaths(root: output + "/full").stagingFile("night2", table: table))
            if mine != theirs { equal = false }
            let before = Set(try lines(paths.stagingFile("night1", table: table)))
            let after = Set(mine)
            rowsChanged += after.subtracting(before).count + before.subtracting(after).count
        }
        print(
            "incremental vs full (\(customers) customers, \(config.invoices) invoices over \(years) year(s), \(Int(latencyMs)) ms latency, \(Int(limit)) req/s limit)"
        )
        print(String(format: "  night 1 (first run, full): %d requests, %.1f s", firstRequests, first.seconds))
        print("  overnight changes: \(changed) objects changed or created, \(deleted) deleted (\(rounds) rounds of EvolvingAccount)")
        print(
            String(
                format: "  incremental: %d requests, %.1f s   floor of the changes: %d requests   requests/floor: %.2f",
                incrementalRequests, incremental.seconds, floor, Double(incrementalRequests) / Double(floor)))
        print(
            String(
                format: "  full refresh of the same state: %d requests, %.1f s   (%.1fx the requests, %.1fx the wall of the incremental)",
                fullRequests, full.seconds, Double(fullRequests) / Double(incrementalRequests), full.seconds / incremental.seconds))
        func stages(_ out: String) -> String {
            stageSeconds(logPath: out + "-night2.log").map { String(format: "%@ %.2f s", $0.stage, $0.seconds) }.joined(separator: ", ")
        }
        print("  incremental night by stage: " + stages(nightly))
        print("  full refresh by stage: " + stages(output + "/full"))
        let counts = (sync?.streams ?? [:]).filter { $0.key != "events" }.map {
            "\($0.key) +\($0.value.created) ~\($0.value.updated) -\($0.value.deleted)"
        }.sorted()
        print("  objects per stream (created ~updated -deleted): " + counts.joined(separator: ", "))
        print(
            "  staging rows changed (added or removed lines vs night 1): \(rowsChanged)   same tables as the full refresh: \(equal ? "yes" : "NO")"
        )
        // What the incremental night's load wrote: only the fact partitions with changed rows.
        let manifestData = try Data(contentsOf: URL(fileURLWithPath: nightly + "/warehouse/_runs/night2.json"))
        let manifestTables =
            (try JSONSerialization.jsonObject(with: manifestData) as? [String: Any])?["tables"] as? [String: [String: Any]] ?? [:]
        let facts = manifestTables.filter { $0.value["partition_by"] as? String != "snapshot" }.sorted { $0.key < $1.key }
        print(
            "  incremental load, fact partitions rewritten / carried over / removed: "
                + facts.map { name, table in
                    let changes = table["partition_changes"] as? [String: Any] ?? [:]
                    return
                        "\(name) \(changes["rewritten"] as? Int ?? 0) / \(changes["carried_over"] as? Int ?? 0) / \((changes["removed"] as? [Any])?.count ?? 0)"
                }.joined(separator: ", "))
        if !equal { throw BenchError("the incremental run's tables differ from the full refresh's") }
    }

    func lines(_ path: String) throws -> [String] {
        var out: [String] = []
        try ZstdLineReader(path: path).forEachLine { out.append(String(decoding: $0, as: UTF8.self)) }
        return out
    }
}
