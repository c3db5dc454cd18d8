import Core
import Foundation
import Testing

/// Issue 13: which kind of run `stripe-etl run` starts, from the state the last published run left.
struct PipelineStateTests {
    static let day: Int64 = 86_400
    static let now: Int64 = 1_764_547_200 // 2025-12-01

    func pipeline(_ extract: String = "") throws -> PipelineDefinition {
        try PipelineDefinition.parse("name: p\nmode: test\n" + (extract.isEmpty ? "" : "extract:\n" + extract), path: "p.yaml")
    }

    func state(cursorAge: Int64, fullAge: Int64) -> PipelineState {
        PipelineState(
            baseRun: "base", eventsCursor: Self.now - cursorAge, eventsAtCursor: ["evt_1"], lastFullRun: "full",
            lastFullRefreshAt: Self.now - fullAge)
    }

    /// The raw manifest of a base run extracted by `pipeline` (every enabled stream), as changed by `change`.
    func baseManifest(_ pipeline: PipelineDefinition, _ change: (inout RawManifest) -> Void = { _ in }) -> RawManifest {
        let stream = RawManifest.Stream(
            file: FileEntry(file: "s.ndjson.zst", bytes: 1, sha256: "x"), objects: 1, requests: 1, uncompressedBytes: 1, windows: 1)
        var manifest = RawManifest(
            runId: "base", pipeline: pipeline.name, stripeApiVersion: pipeline.stripe.apiVersion, accountId: "acct_1",
            livemode: pipeline.livemode, startedAt: "", finishedAt: "", apiBase: "",
            streams: Dictionary(uniqueKeysWithValues: pipeline.enabledStreams.map { ($0, stream) }))
        change(&manifest)
        return manifest
    }

    func decide(
        _ state: PipelineState?, _ pipeline: PipelineDefinition, fullRefresh: Bool = false, baseExists: Bool = true,
        base change: (inout RawManifest) -> Void = { _ in }
    ) -> PipelineState.Decision {
        let manifest = baseExists ? baseManifest(pipeline, change) : nil
        return PipelineState.decide(state, pipeline: pipeline, fullRefresh: fullRefresh, now: Self.now) { _ in manifest }
    }

    /// A base extracted at another API version, in the other mode, or without a stream enabled since
    /// cannot take this run's changes: a loud full refresh, not a merge of two shapes or a failing night.
    @Test func fullWhenTheBaseWasExtractedDifferently() throws {
        let p = try pipeline()
        let recent = state(cursorAge: Self.day, fullAge: Self.day)
        for (what, change) in [
            ("API version", { (m: inout RawManifest) in m.stripeApiVersion = "2019-12-03" }),
            ("livemode", { (m: inout RawManifest) in m.livemode.toggle() }),
            ("stream", { (m: inout RawManifest) in m.streams["credit_notes"] = nil })
        ] as [(String, (inout RawManifest) -> Void)] {
            guard case .full(let reason, true) = decide(recent, p, base: change) else {
                Issue.record("\(what): not a loud full refresh"); continue
            }
            #expect(reason.contains("base run base"), "\(what): \(reason)")
        }
        #expect(decide(recent, p) == .incremental(baseRun: "base", cursor: Self.now - Self.day, eventsAtCursor: ["evt_1"]))
    }

    @Test func incrementalBetweenFullRefreshes() throws {
        let p = try pipeline()
        #expect(
            decide(state(cursorAge: Self.day, fullAge: 3 * Self.day), p)
                == .incremental(baseRun: "base", cursor: Self.now - Self.day, eventsAtCursor: ["evt_1"]))
    }

    @Test func fullWhenFirstRequestedPeriodicOrBaseGone() throws {
        let p = try pipeline()
        guard case .full(let reason, false) = decide(nil, p) else { Issue.record("first run must be full"); return }
        #expect(reason == "first run")
        guard case .full(_, false) = decide(state(cursorAge: 60, fullAge: 60), p, fullRefresh: true) else {
            Issue.record("--full-refresh"); return
        }
        // Every extract.full_refresh_days (default 7), and on the day configured.
        guard case .full(let periodic, false) = decide(state(cursorAge: 60, fullAge: 7 * Self.day), p) else {
            Issue.record("periodic"); return
        }
        #expect(periodic.contains("full_refresh_days = 7"))
        if case .full = decide(state(cursorAge: 60, fullAge: 6 * Self.day), p) { Issue.record("6 days after a full run is incremental") }
        guard case .full = decide(state(cursorAge: 60, fullAge: 2 * Self.day), try pipeline("  full_refresh_days: 2\n")) else {
            Issue.record("2 days"); return
        }
        guard case .full = decide(state(cursorAge: 60, fullAge: 60), try pipeline("  full_refresh_days: 0\n")) else {
            Issue.record("0 days"); return
        }
        guard case .full = decide(state(cursorAge: 60, fullAge: 60), try pipeline("  created_filter: false\n")) else {
            Issue.record("no created filter"); return
        }
        guard case .full(_, true) = decide(state(cursorAge: 60, fullAge: 60), p, baseExists: false) else {
            Issue.record("base gone"); return
        }
        guard case .full = decide(state(cursorAge: 60, fullAge: 60), try pipeline("  streams:\n    events:\n      enabled: false\n")) else {
            Issue.record("no events"); return
        }
    }

    @Test func cursorOlderThanTheEventsRetentionIsALoudFullRefresh() throws {
        let p = try pipeline("  full_refresh_days: 100\n")
        guard case .full(let reason, true) = decide(state(cursorAge: 28 * Self.day, fullAge: 28 * Self.day), p) else {
            Issue.record("a cursor 28 days old (retention 27 days) must force a loud full refresh"); return
        }
        #expect(reason.contains("older than the events retention"))
        if case .full = decide(state(cursorAge: 26 * Self.day, fullAge: 26 * Self.day), p) {
            Issue.record("26 days is within the retention")
        }
    }

    @Test func settingsAreRangeChecked() throws {
        for bad in [
            "  full_refresh_days: -1\n", "  events_lag_seconds: -5\n", "  events_retention_days: 31\n", "  events_overlap_seconds: 100000\n"
        ] {
            #expect(throws: CoreError.self) { try pipeline(bad) }
        }
        let p = try pipeline("  events_lag_seconds: 0\n  events_overlap_seconds: 10\n  events_retention_days: 20\n")
        #expect(p.extract.eventsLagSeconds == 0 && p.extract.eventsOverlapSeconds == 10 && p.extract.eventsRetentionDays == 20)
    }

    @Test func stateRoundTripsAtomically() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let paths = RunPaths(root: root)
        #expect(try PipelineState.load(paths) == nil)
        let s = state(cursorAge: 5, fullAge: 10)
        try s.save(paths)
        #expect(try PipelineState.load(paths) == s)
        let text = try String(contentsOfFile: PipelineState.path(paths), encoding: .utf8)
        #expect(text.contains("\"base_run\"") && text.contains("\"events_cursor\""))
    }
}
