import Core
import Digest
import Foundation
import ModuleErrors
import TestSupport
import Testing

@testable import Load

#if canImport(Glibc)
import Glibc
#endif

/// SIGKILLs the real `stripe-load` executable at varied moments of a load and checks the published
/// tree after each kill: always exactly the previous run's tree or the new one, never a mix; a
/// final re-run then gives the bytes of an uninterrupted load.
@Suite(.serialized) struct KillLoadTests {
    /// `stripe-load` built next to the test bundle (`swift build --build-tests` builds it).
    static func executable() throws -> String { try BuiltProducts.path("stripe-load") }

    /// Relative path -> sha256 of every file of the published tree.
    static func publishedState(_ fixture: LoadFixture) throws -> [String: String] {
        try fixture.warehouseFiles().mapValues { SHA256.hex([UInt8]($0)) }
    }

    static func writePipeline(_ fixture: LoadFixture) throws -> String {
        let path = fixture.root + "/pipeline.yaml"
        try """
        name: kill-test
        mode: test
        output: \(fixture.root)
        schemas: \(LoadFixture.repositoryRoot)/schemas
        load:
          format: parquet
          row_group_rows: 4096
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Starts `stripe-load` on `runId`; output and errors are appended to a log file in the fixture.
    static func start(_ executable: String, _ fixture: LoadFixture, pipeline: String, runId: String) async throws -> ChildProcess.Running {
        let log = fixture.root + "/load.log"
        return try await ChildProcess.start(executable, [pipeline, "--run-id", runId, "--output", fixture.root], stdout: log, stderr: log)
    }

    static func runToCompletion(_ executable: String, _ fixture: LoadFixture, pipeline: String, runId: String) async throws {
        let exit = try await start(executable, fixture, pipeline: pipeline, runId: runId).wait(timeout: 300)
        let log = (try? String(contentsOfFile: fixture.root + "/load.log", encoding: .utf8)) ?? ""
        guard exit == ChildProcess.Exit(status: 0, signalled: false) else {
            throw LoadError(.io, "stripe-load \(runId) ended with \(exit): \(log.suffix(2_000))")
        }
    }

    /// Where to SIGKILL one attempt, by what the attempt has written under `.warehouse-versions/`.
    enum KillPoint: CustomStringConvertible {
        /// As soon as it started.
        case atStart
        /// Once it has created this many new files or directories (its version directory first).
        case afterNewEntries(Int)
        /// Once its run marker (`_runs/<run>.json`, written last in the version) exists.
        case afterRunMarker

        func reached(new entries: Set<String>) -> Bool {
            switch self {
            case .atStart: return true
            case .afterNewEntries(let n): return entries.count >= n
            case .afterRunMarker: return entries.contains { $0.hasSuffix("/_runs/run2.json") }
            }
        }

        var description: String {
            switch self {
            case .atStart: return "at start"
            case .afterNewEntries(let n): return "after \(n) new entries"
            case .afterRunMarker: return "after the run marker"
            }
        }
    }

    /// A whole load of run2 creates 16 to 27 entries (seen on a loaded machine); each killed attempt
    /// starts over (its leftovers are removed), so every point but the last finds the load running.
    static let killPoints: [KillPoint] = [
        .atStart, .afterNewEntries(1), .afterNewEntries(8), .afterNewEntries(3),
        .afterNewEntries(10), .afterNewEntries(5), .afterRunMarker
    ]

    /// Every file and directory under the fixture's `.warehouse-versions/` (relative paths).
    static func versionFiles(_ fixture: LoadFixture) -> Set<String> {
        let root = fixture.root + "/.warehouse-versions"
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var entries = Set<String>()
        while let relative = enumerator.nextObject() as? String { entries.insert("/" + relative) }
        return entries
    }

    @Test func sigkillAtAnyMomentLeavesTheOldOrTheNewTreeAndARerunFinishesIt() async throws {
        let executable = try Self.executable()
        let killed = try LoadFixture()
        let clean = try LoadFixture()
        defer { killed.remove(); clean.remove() }
        try killed.writeStagingRun("run1", rows: ["invoice_lines": 3_000, "customers": 200, "prices": 50], snapshotDate: "2025-06-01")
        try killed.writeStagingRun("run2", rows: ["invoice_lines": 16_000, "customers": 300, "prices": 60], snapshotDate: "2025-06-02")
        try FileManager.default.copyItem(atPath: killed.paths.stagingRoot, toPath: clean.paths.stagingRoot)
        let pipelines = [try Self.writePipeline(killed), try Self.writePipeline(clean)]

        // The two known states: after run1, and after run1 then run2 uninterrupted.
        try await Self.runToCompletion(executable, clean, pipeline: pipelines[1], runId: "run1")
        let oldState = try Self.publishedState(clean)
        try await Self.runToCompletion(executable, clean, pipeline: pipelines[1], runId: "run2")
        let newState = try Self.publishedState(clean)
        #expect(!oldState.isEmpty && oldState != newState)
        #expect(newState.keys.contains("_runs/run1.json") && newState.keys.contains("_runs/run2.json"))

        try await Self.runToCompletion(executable, killed, pipeline: pipelines[0], runId: "run1")
        #expect(try Self.publishedState(killed) == oldState)

        // Kill run2 at moments the load itself marks: at once, when its new version appears, after a
        // growing number of new files in it, and once its run marker is written (just before the
        // publish). Should one finish anyway, later attempts are no-ops and must keep the new tree.
        var kills = 0
        var finished: [String] = []
        for point in Self.killPoints {
            let before = Self.versionFiles(killed)
            let process = try await Self.start(executable, killed, pipeline: pipelines[0], runId: "run2")
            while process.isRunning && !point.reached(new: Self.versionFiles(killed).subtracting(before)) { usleep(1_000) }
            if process.isRunning {
                await process.kill()
                kills += 1
            } else {
                finished.append("\(point) (\(Self.versionFiles(killed).subtracting(before).count) new entries)")
            }
            try await process.wait(timeout: 60)
            let state = try Self.publishedState(killed)
            #expect(state == oldState || state == newState, "after a kill \(point) the published tree is a mix")
        }
        #expect(kills >= 5, "the load finished before most kills (\(finished.joined(separator: ", "))); make the staging run bigger")

        try await Self.runToCompletion(executable, killed, pipeline: pipelines[0], runId: "run2")
        #expect(try Self.publishedState(killed) == newState)
    }
}
