public import Core
import Foundation
import ModuleErrors

/// `raw/<run_id>/_state.json`: the run's plan of work units and which of them are durable.
///
/// Each stream's listing (each pass) starts as one `created` range ending at the run's start time
/// (or as calendar windows when `extract.window_days` is set) and is split while it is paged. A
/// split is written here before the new unit is handed out and before the unit it was cut from
/// reads on, so a killed extract resumes every unfinished unit from its start, with exactly the
/// recorded ranges: no gaps, no duplicates. A unit is marked done only after its part file is
/// fsynced and renamed.
public struct ExtractState: Codable, Sendable {
    /// What a finished unit wrote.
    public struct Unit: Codable, Sendable {
        public var objects: Int
        public var requests: Int
        public var pages: Int
        public var uncompressedBytes: Int

        public init(objects: Int, requests: Int, pages: Int, uncompressedBytes: Int) {
            self.objects = objects
            self.requests = requests
            self.pages = pages
            self.uncompressedBytes = uncompressedBytes
        }

        enum CodingKeys: String, CodingKey {
            case objects, requests, pages
            case uncompressedBytes = "uncompressed_bytes"
        }
    }

    /// One range of one pass of a stream: its own part file, `.parts/<stream>/<key>.ndjson.zst`.
    public struct PlannedUnit: Codable, Sendable, Equatable {
        /// Unique within the stream, never reused: `<pass>-<n>`.
        public var key: String
        public var pass: Int
        public var range: CreatedWindow
        public var done: Unit?

        public static func == (a: PlannedUnit, b: PlannedUnit) -> Bool {
            a.key == b.key && a.pass == b.pass && a.range == b.range && (a.done == nil) == (b.done == nil)
        }
    }

    public static let currentVersion = 2

    public var version: Int
    public var runId: String
    public var startedAt: String
    public var apiBase: String
    public var accountId: String?
    /// Stream name -> its units in output order: pass by pass, newest range first. Concatenating
    /// the part files in this order gives each listing newest first, as one unsplit listing would,
    /// whatever the splits.
    public var plan: [String: [PlannedUnit]]
    /// Stream name -> the next unit number (keys are never reused).
    public var nextUnit: [String: Int]

    enum CodingKeys: String, CodingKey {
        case version, runId = "run_id", startedAt = "started_at", apiBase = "api_base", accountId = "account_id", plan
        case nextUnit = "next_unit"
    }

    public init(runId: String, startedAt: String, apiBase: String, accountId: String?, plan: [String: [PlannedUnit]]) {
        version = Self.currentVersion
        self.runId = runId
        self.startedAt = startedAt
        self.apiBase = apiBase
        self.accountId = accountId
        self.plan = plan
        nextUnit = plan.mapValues { $0.count }
    }

    /// The initial plan: per stream and pass, the windows (newest first).
    public static func initialPlan(streams: [StreamSpec], windows: [CreatedWindow]) -> [String: [PlannedUnit]] {
        var plan: [String: [PlannedUnit]] = [:]
        for spec in streams {
            var units: [PlannedUnit] = []
            for pass in spec.passes.indices {
                for window in windows.reversed() {
                    units.append(PlannedUnit(key: "\(pass)-\(units.count)", pass: pass, range: window, done: nil))
                }
            }
            plan[spec.name] = units
        }
        return plan
    }

    /// Output order: pass, then newest range first (a nil upper bound is the newest).
    static func precedes(_ a: PlannedUnit, _ b: PlannedUnit) -> Bool {
        if a.pass != b.pass { return a.pass < b.pass }
        return (a.range.lt ?? .max) > (b.range.lt ?? .max)
    }

    public static func load(path: String) throws -> ExtractState? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let state: ExtractState
        do {
            state = try JSONDecoder().decode(ExtractState.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw CoreError(
                .incompleteRun,
                "\(path) is unreadable (or was written by an older version); delete the run directory to start the run again", cause: error)
        }
        return state
    }

    public func save(path: String) throws {
        try ManifestCoding.write(self, to: path)
    }

    /// The files an unfinished extract of `runId` leaves under `raw/<run_id>/` (state and parts),
    /// for whoever cleans up after killed runs.
    public static func leftovers(paths: RunPaths, runId: String) -> [String] {
        [paths.rawState(runId), paths.raw(runId) + "/.parts"]
    }
}
