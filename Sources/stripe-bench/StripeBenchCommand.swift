import ArgumentParser
import Core
import Extract
import Foundation
import JSON
import StripeSimulator
import Zstd

/// `stripe-bench`: prints throughput and peak memory figures. A benchmark, not a test.
@main
struct StripeBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stripe-bench",
        abstract: "Benchmarks: each prints rows or objects per second, bytes and peak RSS.",
        version: ToolInfo.version,
        subcommands: [ExtractBench.self, IncrementalBench.self, GenerateRaw.self, TransformLoadBench.self]
    )
}

/// Extract of a generated account from the loopback fixture server, by the real `stripe-extract`
/// with a shipped pipeline, against a server that behaves like Stripe under load (latency, a
/// per-account rate limit answering 429). Prints the figures against the account's request floor.
struct ExtractBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract:
            "Extract a generated account from a Stripe-like loopback server (latency, 429 rate limit) and compare with the request floor.")

    @Option var customers = 2_000
    @Option(help: "Invoices (default: 18 per customer).")
    var invoices: Int?
    @Option var events = 2_000
    @Option(help: "Server latency per request, milliseconds.")
    var latencyMs = 60.0
    @Option(help: "Server rate limit, requests per second (429 above it).")
    var limit = 100.0
    @Option(help: "The pipeline to run (its stripe.api_base is replaced by the loopback server).")
    var pipeline = "pipelines/nightly.yaml"
    @Option var output = "output/bench"
    @Flag(help: "Print requests per second of the run, and per endpoint.")
    var timeline = false

    func run() throws {
        var config = AccountConfig(seed: 2026, customers: customers, invoices: invoices ?? customers * 18, events: events, years: 5)
        let definition = try PipelineDefinition.load(path: pipeline)
        config.livemode = definition.mode == .live
        let key = definition.mode == .live ? "rk_live_benchmark0000" : "rk_test_benchmark0000"
        let server = try FixtureServer.started(
            config,
            configuration: FixtureServer.Configuration(
                apiKey: key, pretty: true, recordRequests: timeline, latencySeconds: latencyMs / 1000,
                rateLimit: FixtureServer.RateLimit(requestsPerSecond: limit)))
        defer { server.stop() }
        let generator = server.generator
        let listings = StreamSpec.all.filter { definition.enabledStreams.contains($0.name) }.flatMap { spec in
            spec.passes.compactMap { pass in FixtureStream(rawValue: spec.name).map { AccountGenerator.Listing(stream: $0, filters: pass) }
            }
        }
        let floor = generator.requestFloor(listings: listings, limit: definition.extract.pageLimit)
        let floorSeconds = Double(floor) / limit

        let runId = "bench-extract-\(customers)"
        try? FileManager.default.removeItem(atPath: output + "/raw/" + runId)
        let m = try runMeasured(
            "stripe-extract", [pipeline, "--run-id", runId, "--output", output, "--api-base", server.baseURL, "--quiet"],
            environment: ["STRIPE_API_KEY": key])
        guard m.status == 0 else { throw BenchError("stripe-extract exited with \(m.status)") }
        let paths = RunPaths(root: output)
        let manifest = try RawManifest.read(paths: paths, runId: runId)
        let objects = manifest.streams.values.reduce(0) { $0 + $1.objects }
        let requests = server.requestCount

        // Every object exactly once: the ids of each file against the generated account.
        var exact = true
        for listing in Set(listings.map(\.stream.rawValue)).sorted() {
            guard let stream = FixtureStream(rawValue: listing) else { continue }
            var ids: [String] = []
            try ZstdLineReader(path: paths.rawFile(runId, stream: listing)).forEachLine { line in
                line.withUnsafeBytes { bytes in
                    let document = JSONDocument(bytes)
                    if let root = try? document.root(), let id = try? document.member(root, "id"), let text = try? document.string(id) {
                        ids.append(text)
                    }
                }
            }
            // The listed objects, then what the referenced pass retrieved (deleted customers' stubs).
            let expected = generator.expectedIDs(stream) + generator.referencedIDs(stream)
            if ids.count != Set(ids).count || Set(ids) != Set(expected) {
                exact = false
                print("  \(listing): \(ids.count) lines, \(Set(ids).count) distinct, \(expected.count) expected")
            }
        }
        print("extract (\(pipeline), \(customers) customers, \(objects) objects, \(Int(latencyMs)) ms latency, \(Int(limit)) req/s limit)")
        print(
            String(
                format: "  wall: %.1f s   floor: %d requests = %.1f s at the limit   wall/floor: %.2f", m.seconds, floor, floorSeconds,
                m.seconds / floorSeconds))
        print(
            String(
                format:
                    "  requests: %d   requests/floor: %.2f   429s: %d   peak RSS: %.1f MB   CPU: %.1f s   every object exactly once: %@",
                requests, Double(requests) / Double(floor), server.rateLimitedCount, m.peakRSSMegabytes, m.cpuSeconds, exact ? "yes" : "NO")
        )
        if timeline, let first = server.requests.first?.receivedAt {
            var perSecond: [Int: Int] = [:]
            var perPath: [String: Int] = [:]
            for request in server.requests {
                perSecond[Int(request.receivedAt - first), default: 0] += 1
                let parts = request.path.split(separator: "/")
                perPath[parts.count > 2 && request.path.hasSuffix("/lines") ? "/v1/\(parts[1])/{id}/lines" : request.path, default: 0] += 1
            }
            print("  requests per second: " + perSecond.keys.sorted().map { "\(perSecond[$0]!)" }.joined(separator: " "))
            for request in server.requests.suffix(12) { print(String(format: "  %.1f s  ", request.receivedAt - first) + request.target) }
            print("  per endpoint: " + perPath.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if !exact { throw BenchError("the extract does not hold every object exactly once") }
    }
}

/// Writes a raw run straight from the generator (for transform and load benchmarks).
struct GenerateRaw: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-raw", abstract: "Write a generated raw run (no server) for transform/load benchmarks.")

    @Option var invoices = 200_000
    @Option var customers = 5_000
    @Option var output = "output/bench"
    @Option var runId = "bench-raw"

    func run() throws {
        let config = AccountConfig(seed: 2026, customers: customers, invoices: invoices, events: 1_000, years: 5)
        let start = Date()
        try? FileManager.default.removeItem(atPath: output + "/raw/" + runId)
        let manifest = try RawRunWriter(generator: AccountGenerator(config)).write(outputRoot: output, runId: runId, pipeline: "bench")
        let invoicesFile = RunPaths(root: output).rawFile(runId, stream: "invoices")
        print(
            "raw run \(runId): \(manifest.streams.values.reduce(0) { $0 + $1.objects }) objects in \(String(format: "%.1f", Date().timeIntervalSince(start))) s"
        )
        print(
            "  invoices: \(manifest.streams["invoices"]?.objects ?? 0) objects, \(mb(manifest.streams["invoices"]?.uncompressedBytes ?? 0)) NDJSON, \(mb(fileSize(invoicesFile))) zstd at \(invoicesFile)"
        )
    }
}

/// Transform + load of a raw run, each stage by its real executable, with wall time and peak RSS.
struct TransformLoadBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transform-load",
        abstract:
            "Time stripe-transform and stripe-load on a raw run (see generate-raw); compare with shared/bench/anchor-duckdb.sh on the same invoices file."
    )

    @Option var output = "output/bench"
    @Option var runId = "bench-raw"
    @Option(help: "Supplementary rates for currencies ECB lacks (the generated account bills in BHD).")
    var supplementary = "pipelines/demo-supplementary-rates.csv"

    func run() throws {
        let paths = RunPaths(root: output)
        let raw = try RawManifest.read(paths: paths, runId: runId)
        let pipelinePath = output + "/bench-transform-load.yaml"
        try """
        name: bench
        mode: test
        output: \(output)
        transform:
          max_reject_ratio: 1
        fx:
          reporting_currency: EUR
          supplementary: \(supplementary)
        """.write(toFile: pipelinePath, atomically: true, encoding: .utf8)
        try? FileManager.default.removeItem(atPath: paths.staging(runId))
        let transform = try runMeasured("stripe-transform", [pipelinePath, "--run-id", runId, "--quiet", "--refresh-rates"])
        guard transform.status == 0 else { throw BenchError("stripe-transform exited with \(transform.status)") }
        // A fresh tree each time: identical staging would otherwise be "already published".
        try? FileManager.default.removeItem(atPath: paths.warehouse)
        try? FileManager.default.removeItem(atPath: output + "/.warehouse-versions")
        let load = try runMeasured("stripe-load", [pipelinePath, "--run-id", runId, "--quiet"])
        guard load.status == 0 else { throw BenchError("stripe-load exited with \(load.status)") }
        let staging = try StagingManifest.read(paths: paths, runId: runId)
        let invoiceBytes = raw.streams["invoices"]?.uncompressedBytes ?? 0
        let allBytes = raw.streams.values.reduce(0) { $0 + $1.uncompressedBytes }
        let lines = staging.tables["invoice_lines"]?.rowsOut ?? 0
        let rows = staging.tables.values.reduce(0) { $0 + $1.rowsOut }
        print(
            "raw run \(runId): \(raw.streams["invoices"]?.objects ?? 0) invoices, \(mb(invoiceBytes)) invoices NDJSON (\(mb(allBytes)) all streams)"
        )
        print(
            String(
                format: "  transform: %.2f s  %.0f MB/s (all streams)  %.0f rows/s  peak RSS %.1f MB", transform.seconds,
                Double(allBytes) / 1_048_576 / transform.seconds, Double(rows) / transform.seconds, transform.peakRSSMegabytes))
        print(
            String(
                format: "  load:      %.2f s  %.0f rows/s  peak RSS %.1f MB  (%@ written)", load.seconds,
                Double(rows) / load.seconds, load.peakRSSMegabytes,
                mb(directorySize(URL(fileURLWithPath: paths.warehouse).resolvingSymlinksInPath().path))))
        print(
            String(
                format: "  transform + load: %.2f s for %d invoice lines (%d rows in all tables)", transform.seconds + load.seconds, lines,
                rows))
        print(
            "  DuckDB anchor on the same invoices: bash ../shared/bench/anchor-duckdb.sh \(paths.rawFile(runId, stream: "invoices")) ECB.csv OUT 2"
        )
    }
}
