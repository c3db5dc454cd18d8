import Core
import Extract
import Foundation
import StripeSimulator
import TestSupport
import Testing
import Zstd

#if canImport(Glibc)
import Glibc
#endif

/// Kills the real `stripe-extract` executable (SIGKILL) at several moments of a concurrent run whose
/// ranges are split from the data, resumes it each time with the same --run-id, and compares the
/// result with an uninterrupted run of the same account: same decompressed bytes per stream, same
/// ids, no duplicates, no gaps.
@Suite(.serialized) struct KillResumeTests {
    static let account = AccountConfig(seed: 23, customers: 400, invoices: 3_000, events: 600, years: 3)

    /// When to SIGKILL one attempt.
    enum KillPoint: CustomStringConvertible {
        /// Once the fixture server has answered this many requests of the attempt (start-up: the
        /// account lookup and the first units are in flight, few or no part files yet).
        case afterRequests(Int)
        /// Once this many more part files have been published in raw/<run>/.parts/ than at the start
        /// of the attempt (the next unit is then in flight).
        case afterNewParts(Int)
        /// Once `.parts/<stream>/` holds this many published part files (mid-stream).
        case afterStreamParts(String, Int)
        /// Once the run state's plan holds this many units (splits recorded, their work starting).
        case afterStateUnits(Int)

        var description: String {
            switch self {
            case .afterRequests(let n): return "after \(n) requests"
            case .afterNewParts(let n): return "after \(n) new part files"
            case .afterStreamParts(let stream, let n): return "once \(stream) has \(n) part files"
            case .afterStateUnits(let n): return "once the state records \(n) units"
            }
        }
    }

    /// Start-up, early streams, twice inside invoices (the big one), and inside events (after the
    /// earlier streams' final files were assembled, so the resume reassembles them).
    static let killPoints: [KillPoint] = [
        .afterRequests(2), .afterStateUnits(12), .afterNewParts(5), .afterStreamParts("invoices", 3), .afterStateUnits(24),
        .afterStreamParts("invoices", 12)
    ]

    /// Kill points that always find work left (start-up, early units, the first invoices parts).
    static let requiredKills = 4

    @Test func killedAndResumedRunEqualsAnUninterruptedRun() async throws {
        let executable = try ExecutableLocator.builtProduct("stripe-extract")
        // A little latency, so that a run lasts long enough to be killed at each point.
        let server = try FixtureServer.started(
            Self.account, configuration: FixtureServer.Configuration(recordRequests: false, latencySeconds: 0.004))
        defer { server.stop() }
        let directory = try TemporaryDirectory(prefix: "kill-resume-test")
        let output = directory.appending("output")
        let pipelinePath = directory.appending("kill-resume.yaml")
        try Self.pipelineYAML(apiBase: server.baseURL, output: output).write(toFile: pipelinePath, atomically: true, encoding: .utf8)
        let paths = RunPaths(root: output)
        let runner = ExtractRunner(
            executable: executable, pipeline: pipelinePath, output: output, apiBase: server.baseURL,
            key: server.configuration.apiKey, logDirectory: directory.path)

        // The reference: one uninterrupted run.
        let cleanStart = server.requestCount
        let cleanStatus = try await runner.start(runId: "clean").wait(timeout: 40)
        #expect(cleanStatus == ChildProcess.Exit(status: 0, signalled: false), "uninterrupted run failed: \(runner.log("clean"))")
        let cleanRequests = server.requestCount - cleanStart
        #expect(FileManager.default.fileExists(atPath: paths.rawManifest("clean")))

        // The killed run: SIGKILL at each point, checking it left no manifest.
        var kills = 0
        var sawState = false
        var killedAfterAUnit = false
        var finishedEarly = false
        for (attempt, point) in Self.killPoints.enumerated() {
            let partsBefore = Self.publishedParts(paths.raw("resumed"))
            let process = try await runner.start(runId: "resumed", attempt: attempt)
            let started = Date()
            let requestsBefore = server.requestCount
            var fire = false
            while process.isRunning && !fire {
                switch point {
                case .afterRequests(let n): fire = server.requestCount - requestsBefore >= n
                case .afterNewParts(let n): fire = Self.publishedParts(paths.raw("resumed")) - partsBefore >= n
                case .afterStreamParts(let stream, let n): fire = Self.publishedParts(paths.raw("resumed"), stream: stream) >= n
                case .afterStateUnits(let n): fire = Self.plannedUnits(paths.rawState("resumed")) >= n
                }
                if Date().timeIntervalSince(started) > 40 { break }
                if !fire { usleep(2_000) }
            }
            process.send(SIGKILL)
            let exit = try await process.wait(timeout: 40)
            guard exit.signalled else {
                // It finished before the kill point (or before the kill reached it): the remaining
                // points have nothing left to kill. The later points depend on how the ranges were
                // split, which depends on scheduling (splits go to idle workers): the first
                // `requiredKills` points always have work left.
                #expect(
                    exit.status == 0,
                    "attempt \(attempt) (\(point)) failed: \(runner.log("resumed", attempt: attempt).suffix(2_000))")
                #expect(
                    attempt >= Self.requiredKills,
                    "attempt \(attempt) (\(point)) ended before it could be killed: \(runner.log("resumed", attempt: attempt).suffix(2_000))"
                )
                finishedEarly = true
                break
            }
            #expect(exit.status == SIGKILL, "attempt \(attempt) was not killed")
            kills += 1
            if Self.publishedParts(paths.raw("resumed")) > 0 { killedAfterAUnit = true }
            #expect(!FileManager.default.fileExists(atPath: paths.rawManifest("resumed")), "a killed run (\(point)) left a manifest")
            if FileManager.default.fileExists(atPath: paths.rawState("resumed")) { sawState = true }
        }
        #expect(kills >= Self.requiredKills)
        #expect(finishedEarly || kills == Self.killPoints.count)
        #expect(sawState, "no kill left a run state behind; nothing was resumed")
        // Checked at each kill: an attempt that finishes early assembles the stream files and removes the parts.
        #expect(killedAfterAUnit, "no kill happened after a unit was complete")

        // Resume to completion with the same run id.
        let resumeStart = server.requestCount
        let finalStatus = try await runner.start(runId: "resumed", attempt: Self.killPoints.count).wait(timeout: 40)
        #expect(
            finalStatus == ChildProcess.Exit(status: 0, signalled: false),
            "resumed run failed: \(runner.log("resumed", attempt: Self.killPoints.count))")
        #expect(server.requestCount - resumeStart < cleanRequests, "the resumed run redid everything instead of resuming")

        // Same result as the uninterrupted run, and exactly the generated account.
        let cleanManifest = try RawManifest.read(paths: paths, runId: "clean")
        let resumedManifest = try RawManifest.read(paths: paths, runId: "resumed")
        #expect(Set(resumedManifest.streams.keys) == Set(PipelineDefinition.knownStreams))
        #expect(!FileManager.default.fileExists(atPath: paths.rawState("resumed")))
        #expect(!FileManager.default.fileExists(atPath: paths.raw("resumed") + "/.parts"))
        for stream in PipelineDefinition.knownStreams {
            let resumed = try Self.lines(paths.rawFile("resumed", stream: stream))
            let reference = try Self.lines(paths.rawFile("clean", stream: stream))
            #expect(resumed == reference, "\(stream): decompressed contents differ from the uninterrupted run")
            let resumedIds = try resumed.map(Self.id)
            let referenceIds = try reference.map(Self.id)
            #expect(resumedIds == referenceIds, "\(stream): object ids differ")
            #expect(Set(resumedIds).count == resumedIds.count, "\(stream): duplicate objects after resuming")
            if let fixtureStream = FixtureStream(rawValue: stream) {
                #expect(
                    resumed.map { String(decoding: $0, as: UTF8.self) }.sorted() == expectedLines(server.generator, fixtureStream),
                    "\(stream): not exactly the generated account (gaps or extras)")
            }
            #expect(resumedManifest.streams[stream]?.objects == resumed.count)
            #expect(resumedManifest.streams[stream]?.objects == cleanManifest.streams[stream]?.objects)
            try resumedManifest.streams[stream]?.file.verify(in: paths.raw("resumed"))
        }
        #expect(resumedManifest.streams["invoices"]?.objects == Self.account.invoices)
        #expect((resumedManifest.streams["invoices"]?.windows ?? 0) > 5, "the invoices range was not split")

        // The key went in through the environment only, and no log line carries it.
        let key = server.configuration.apiKey
        for attempt in 0...Self.killPoints.count { #expect(!runner.log("resumed", attempt: attempt).contains(key)) }
        #expect(!runner.log("clean").contains(key))
    }

    // MARK: Helpers

    static func pipelineYAML(apiBase: String, output: String) -> String {
        """
        name: kill-resume
        mode: test
        output: \(output)
        stripe:
          api_base: \(apiBase)
          requests_per_second: 10000
          timeout_seconds: 10
          connect_timeout_seconds: 5
          initial_backoff_seconds: 0.01
          max_backoff_seconds: 0.1
        extract:
          start: "2022-05-01"
          page_limit: 20
          max_in_flight: 8

        """
    }

    /// Part files already published (renamed into place) under `<raw run>/.parts/<stream>/`, for
    /// one stream or all of them.
    static func publishedParts(_ runDirectory: String, stream: String? = nil) -> Int {
        let root = runDirectory + "/.parts"
        let streams = stream.map { [$0] } ?? ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
        var count = 0
        for stream in streams {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + stream)) ?? []
            count += files.filter { $0.hasSuffix(".ndjson.zst") && !$0.hasPrefix(".") }.count
        }
        return count
    }

    /// Units in the run state's plan (0 while there is no state file).
    static func plannedUnits(_ statePath: String) -> Int {
        guard let data = FileManager.default.contents(atPath: statePath),
            let state = try? JSONDecoder().decode(ExtractState.self, from: data)
        else { return 0 }
        return state.plan.values.reduce(0) { $0 + $1.count }
    }

    static func lines(_ path: String) throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        try ZstdLineReader(path: path).forEachLine { lines.append(Array($0)) }
        return lines
    }

    static func id(_ line: [UInt8]) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
        return try #require(object?["id"] as? String, "a raw line without an id")
    }
}

/// Starts `stripe-extract` runs as child processes; the key goes in through STRIPE_API_KEY only.
struct ExtractRunner {
    let executable: String
    let pipeline: String
    let output: String
    let apiBase: String
    let key: String
    let logDirectory: String

    func logPath(_ runId: String, attempt: Int) -> String { logDirectory + "/\(runId)-\(attempt).log" }

    func log(_ runId: String, attempt: Int = 0) -> String {
        (try? String(contentsOfFile: logPath(runId, attempt: attempt), encoding: .utf8)) ?? ""
    }

    /// Starts stripe-extract on `runId`; its output and errors go to the attempt's log.
    func start(runId: String, attempt: Int = 0) async throws -> ChildProcess.Running {
        var environment = ProcessInfo.processInfo.environment
        environment["STRIPE_API_KEY"] = key
        let path = logPath(runId, attempt: attempt)
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        return try await ChildProcess.start(
            executable, [pipeline, "--run-id", runId, "--output", output, "--api-base", apiBase, "--log-format", "json"],
            environment: environment, stdout: path, stderr: path)
    }
}
