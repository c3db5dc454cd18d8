import ArgumentParser
import Core
import Foundation
import JSON
import TestSupport

/// `stripe-bench`: prints throughput and peak memory figures. A benchmark, not a test.
@main
struct StripeBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stripe-bench",
        abstract: "Benchmarks: each prints rows or objects per second, bytes and peak RSS.",
        subcommands: [ExtractBench.self, GenerateRaw.self, JSONBench.self]
    )
}

/// Extract of a generated account from the loopback fixture server, by the real `stripe-extract`.
struct ExtractBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "extract", abstract: "Extract N invoices (and their account) from the loopback fixture server.")

    @Option var invoices = 100_000
    @Option var customers = 2_000
    @Option var output = "output/bench"
    @Option(help: "Client-side request budget for the run (the fixture server has no rate limit).")
    var requestsPerSecond = 5_000.0

    func run() throws {
        var config = AccountConfig(seed: 2026, customers: customers, invoices: invoices, events: 1_000, years: 5)
        config.livemode = false
        let key = "rk_test_benchmark"
        let server = try FixtureServer.started(config, configuration: FixtureServer.Configuration(apiKey: key, pretty: true, recordRequests: false))
        defer { server.stop() }
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let pipelinePath = output + "/bench-extract.yaml"
        try """
        name: bench
        mode: test
        output: \(output)
        stripe:
          api_base: \(server.baseURL)
          requests_per_second: \(requestsPerSecond)
        extract:
          window_days: 0
        """.write(toFile: pipelinePath, atomically: true, encoding: .utf8)
        let runId = "bench-extract-\(invoices)"
        try? FileManager.default.removeItem(atPath: output + "/raw/" + runId)
        let m = try runMeasured("stripe-extract", [pipelinePath, "--run-id", runId, "--quiet"], environment: ["STRIPE_API_KEY": key])
        guard m.status == 0 else { throw BenchError("stripe-extract exited with \(m.status)") }
        let manifest = try RawManifest.read(paths: RunPaths(root: output), runId: runId)
        let objects = manifest.streams.values.reduce(0) { $0 + $1.objects }
        let requests = manifest.streams.values.reduce(0) { $0 + $1.requests }
        let bytes = manifest.streams.values.reduce(0) { $0 + $1.uncompressedBytes }
        print("extract: \(objects) objects (\(manifest.streams["invoices"]?.objects ?? 0) invoices) in \(String(format: "%.1f", m.seconds)) s")
        print(String(format: "  objects/s: %.0f   requests: %d   NDJSON: %@   peak RSS: %.1f MB", Double(objects) / m.seconds, requests, mb(bytes), m.peakRSSMegabytes))
    }
}

/// Writes a raw run straight from the generator (for transform and load benchmarks).
struct GenerateRaw: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate-raw", abstract: "Write a generated raw run (no server) for transform/load benchmarks.")

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
        print("raw run \(runId): \(manifest.streams.values.reduce(0) { $0 + $1.objects }) objects in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        print("  invoices: \(manifest.streams["invoices"]?.objects ?? 0) objects, \(mb(manifest.streams["invoices"]?.uncompressedBytes ?? 0)) NDJSON, \(mb(fileSize(invoicesFile))) zstd at \(invoicesFile)")
    }
}

/// Parse throughput of the byte-level JSON scanner on synthetic invoices.
struct JSONBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "json", abstract: "JSON scanner throughput on synthetic invoices.")
    @Option var megabytes = 100

    func run() throws {
        print(try JSONBenchmark.run(megabytes: megabytes))
    }
}
