import Core
import Foundation
import StripeSimulator
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 11's kill acceptance: SIGKILL each command (extract, transform, load, run) at seeded-random
/// but event-driven moments (after the n-th request was served, or once the n-th file of the stage
/// has appeared, then a small seeded delay), re-run it without `--run-id`, finish the pipeline,
/// and compare with an uninterrupted run: the same files, byte for byte (manifests, which hold
/// times and request counts, by name only), one run, and no leftovers.
///
/// Kills per command: 5 in CI (about a minute for all four commands on two cores), or
/// `STRIPE_WAREHOUSE_KILLS` (e.g. 20, the issue's figure); seed `STRIPE_WAREHOUSE_KILL_SEED`.
@Suite(.serialized) struct KillAcceptanceTests {
    static let account = AccountConfig(seed: 31, customers: 40, invoices: 240, events: 120, years: 2)
    static let killsPerCommand = Int(ProcessInfo.processInfo.environment["STRIPE_WAREHOUSE_KILLS"] ?? "") ?? 5
    static let seed = UInt64(ProcessInfo.processInfo.environment["STRIPE_WAREHOUSE_KILL_SEED"] ?? "") ?? 0x5EED_0011
    /// Kills in one output before it is re-run to completion and compared.
    static let killsPerRound = 5

    enum Command: String, CaseIterable, CustomStringConvertible {
        case extract, transform, load, run
        var description: String { rawValue }
        var arguments: [String] { self == .run ? ["run"] : [rawValue] }
    }

    /// What the test shares: the fixture server, the pipeline, the reference output.
    final class Bench {
        let server: FixtureServer
        let directory: TemporaryDirectory
        let pipeline: String
        let key: String
        let reference: String
        let referenceRun: String
        /// Requests an uninterrupted extract makes, and files a transform and a load write.
        let requests: Int
        let stagingFiles: Int
        let warehouseFiles: Int
        let referenceSnapshot: [String: String]
        var attempt = 0

        init() async throws {
            server = try FixtureServer.started(KillAcceptanceTests.account, configuration: .init(recordRequests: false))
            directory = try TemporaryDirectory(prefix: "e2e-kill-acceptance")
            key = server.configuration.apiKey
            pipeline = try TestPipelines.write(
                """
                name: kill-acceptance
                mode: test
                stripe:
                  api_base: \(server.baseURL)
                  requests_per_second: 10000
                  timeout_seconds: 10
                  connect_timeout_seconds: 5
                  max_retries: 2
                  initial_backoff_seconds: 0.01
                  max_backoff_seconds: 0.05
                extract:
                  window_days: 120
                  start: 2020-01-01
                fx:
                  supplementary: pipelines/demo-supplementary-rates.csv
                load:
                  row_group_rows: 500
                """, to: directory.appending("kill.yaml"))
            reference = directory.appending("reference")
            let before = server.requestCount
            let result = try await E2E.etl(
                ["run", pipeline, "--output", reference, "--quiet"], environment: ["STRIPE_API_KEY": key], timeout: 120)
            guard result.status == 0 else { throw EndToEndError("the uninterrupted run failed: \(result)") }
            requests = server.requestCount - before
            referenceRun = try Self.onlyRun(reference)
            stagingFiles = try Self.files(under: reference + "/staging/" + referenceRun).count
            warehouseFiles = try Self.files(under: reference + "/.warehouse-versions").count
            referenceSnapshot = try await Self.snapshot(reference)
        }

        deinit { server.stop() }

        /// The one run under `out/raw` (a second one would mean a re-run did not resume).
        static func onlyRun(_ out: String) throws -> String {
            let runs = ((try? FileManager.default.contentsOfDirectory(atPath: out + "/raw")) ?? []).sorted()
            guard runs.count == 1 else { throw EndToEndError("expected exactly one run under \(out)/raw, found \(runs)") }
            return runs[0]
        }

        /// Every entry under `root` (files, symlinks, and directories as `<path>/`), relative.
        static func files(under root: String) throws -> [String] {
            guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
            var entries: [String] = []
            while let relative = walker.nextObject() as? String {
                var info = stat()
                guard lstat(root + "/" + relative, &info) == 0 else { continue }
                entries.append((info.st_mode & S_IFMT) == S_IFDIR ? relative + "/" : relative)
            }
            return entries.sorted()
        }

        /// Relative path (run id replaced by RUN) -> sha256 of every file under `out`, or a marker for
        /// manifests (they hold times and request counts), the publish history (publish times),
        /// directories and the `warehouse` symlink.
        static func snapshot(_ out: String) async throws -> [String: String] {
            let run = try onlyRun(out)
            var result: [String: String] = [:]
            var hashed: [String] = []
            // `_pipeline_state.json` is written only by `stripe-etl run` after a publish (the stage
            // commands never write it) and holds times: IncrementalNightsTests covers it.
            for entry in try files(under: out) where entry != ".lock" && entry != "_pipeline_state.json" {
                let name = entry.replacingOccurrences(of: run, with: "RUN")
                if entry.hasSuffix("/") {
                    result[name] = "directory"
                } else if entry == "warehouse" {
                    result[name] =
                        "-> "
                        + (try FileManager.default.destinationOfSymbolicLink(atPath: out + "/warehouse")).replacingOccurrences(
                            of: run, with: "RUN")
                } else if entry.hasSuffix("_manifest.json") || entry.contains("/_runs/") || entry.hasSuffix("/.published.json") {
                    result[name] = "manifest"
                } else {
                    hashed.append(entry)
                }
            }
            for (relative, digest) in try await E2E.checksums(under: out, excluding: { !hashed.contains($0) }) {
                result[relative.replacingOccurrences(of: run, with: "RUN")] = digest
            }
            return result
        }
    }

    /// One reference run, then every command in turn (serially: the kill points count requests
    /// on the one fixture server).
    @Test(.timeLimit(.minutes(15)))
    func killedCommandsRerunWithoutRunIdEqualAnUninterruptedRun() async throws {
        let bench = try await Bench()
        let started = Date()
        for (index, command) in Command.allCases.enumerated() {
            let commandStart = Date()
            try await killAndCompare(command, bench: bench, seed: Self.seed &+ UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15)
            print(
                "kill acceptance: \(command): \(Self.killsPerCommand) kills in \(String(format: "%.1f", Date().timeIntervalSince(commandStart))) s"
            )
        }
        print(
            "kill acceptance: \(Self.killsPerCommand * Command.allCases.count) kills in \(String(format: "%.1f", Date().timeIntervalSince(started))) s (seed \(Self.seed))"
        )
    }

    func killAndCompare(_ command: Command, bench: Bench, seed: UInt64) async throws {
        var random = SplitMix64(seed: seed)
        var kills = 0
        var rounds = 0
        var endedEarly = 0
        while kills < Self.killsPerCommand {
            rounds += 1
            try #require(rounds <= Self.killsPerCommand * 2, "\(command): too many attempts ended before their kill point (\(endedEarly))")
            let out = bench.directory.appending("\(command)-round-\(rounds)")
            try prepare(out, for: command, bench: bench)
            for _ in 0..<min(Self.killsPerRound, Self.killsPerCommand - kills) {
                if try await killOnce(command, out: out, bench: bench, random: &random) { kills += 1 } else { endedEarly += 1; break }
            }
            // The re-run without --run-id, then the rest of the pipeline.
            let rest: [Command] =
                switch command {
                case .extract: [.extract, .transform, .load]
                case .transform: [.transform, .load]
                case .load: [.load]
                case .run: [.run]
                }
            for stage in rest {
                if stage == .run, Self.newestRunIsPublished(out) { continue } // nothing left to resume
                let result = try await E2E.etl(
                    stage.arguments + [bench.pipeline, "--output", out, "--quiet"], environment: ["STRIPE_API_KEY": bench.key], timeout: 120
                )
                try #require(result.status == 0, "\(command) round \(rounds): the re-run of \(stage) failed: \(result)")
            }
            let snapshot = try await Bench.snapshot(out)
            let missing = bench.referenceSnapshot.keys.filter { snapshot[$0] == nil }.sorted()
            let extra = snapshot.keys.filter { bench.referenceSnapshot[$0] == nil }.sorted()
            let differing = snapshot.keys.filter { bench.referenceSnapshot[$0] != nil && bench.referenceSnapshot[$0] != snapshot[$0] }
                .sorted()
            #expect(
                missing.isEmpty && extra.isEmpty && differing.isEmpty,
                "\(command) round \(rounds): missing \(missing), leftover \(extra), different \(differing)")
            try? FileManager.default.removeItem(atPath: out)
        }
        #expect(kills == Self.killsPerCommand)
    }

    /// Whether the newest raw run under `out` is published (its warehouse manifest exists).
    static func newestRunIsPublished(_ out: String) -> Bool {
        let runs = ((try? FileManager.default.contentsOfDirectory(atPath: out + "/raw")) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        guard let newest = runs.last else { return false }
        return RunPaths(root: out).isPublished(newest)
    }

    /// The input a command needs: nothing for extract and run, the reference's raw run for
    /// transform, its raw and staging runs for load.
    func prepare(_ out: String, for command: Command, bench: Bench) throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let stages: [String] =
            switch command {
            case .extract, .run: []
            case .transform: ["raw"]
            case .load: ["raw", "staging"]
            }
        for stage in stages {
            try FileManager.default.createDirectory(atPath: out + "/" + stage, withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                atPath: "\(bench.reference)/\(stage)/\(bench.referenceRun)", toPath: "\(out)/\(stage)/\(bench.referenceRun)")
        }
    }

    /// Starts `command` without --run-id, SIGKILLs it at a seeded event, and returns whether it
    /// was killed (false: it finished first).
    func killOnce(_ command: Command, out: String, bench: Bench, random: inout SplitMix64) async throws -> Bool {
        // Each attempt gets at most a sixth of the requests, so five resumed attempts never finish.
        let requestSlots = max(1, bench.requests / 6)
        let slots: Int =
            switch command {
            case .extract: requestSlots
            case .transform: bench.stagingFiles
            case .load: bench.warehouseFiles
            case .run: requestSlots + bench.stagingFiles + bench.warehouseFiles
            }
        var n = random.below(slots) + 1
        let delay = UInt32(random.below(15_000))
        let requestsAtStart = bench.server.requestCount
        let event: () -> Bool
        let described: String
        if command == .extract || (command == .run && n <= requestSlots) {
            let target = n
            event = { bench.server.requestCount - requestsAtStart >= target }
            described = "after \(target) requests"
        } else if command == .transform || (command == .run && n <= requestSlots + bench.stagingFiles) {
            if command == .run { n -= requestSlots }
            let target = n
            event = { ((try? Bench.files(under: out + "/staging"))?.count ?? 0) >= target }
            described = "once \(target) staging entries exist"
        } else {
            if command == .run { n -= requestSlots + bench.stagingFiles }
            let target = n
            event = { ((try? Bench.files(under: out + "/.warehouse-versions"))?.count ?? 0) >= target }
            described = "once \(target) warehouse entries exist"
        }
        bench.attempt += 1
        let tool = try E2E.executable("stripe-etl")
        let process = try await E2E.start(
            tool, command.arguments + [bench.pipeline, "--output", out, "--log-format", "json"],
            environment: ["STRIPE_API_KEY": bench.key], logs: bench.directory.appending("attempt-\(bench.attempt)"))
        let fired = E2E.waitFor(60) { !process.isRunning || event() }
        if process.isRunning {
            if fired { usleep(delay) }
            process.send(SIGKILL)
        }
        let exit = try await process.wait(timeout: 60)
        let killed = exit.signalled
        if !killed {
            #expect(exit.status == 0, "\(command) \(described): exited \(exit.status) before its kill")
        }
        // A run killed after it published (the last warehouse entries plus the delay) had finished:
        // the next run without --run-id is rightly a new one, so it counts as ending before its kill.
        if killed, command == .run, Self.newestRunIsPublished(out) { return false }
        return killed
    }
}
