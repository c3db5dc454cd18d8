import Foundation
import Core

/// `raw/<run_id>/_state.json`: the run's fixed window plan and which units of work are durable.
/// A unit (stream, pass, window) is recorded only after its part file is fsynced and renamed, so a
/// killed extract resumes at window granularity with no gaps and no duplicates.
public struct ExtractState: Codable, Sendable {
    public struct Unit: Codable, Sendable {
        public var objects: Int
        public var requests: Int
        public var pages: Int
        public var uncompressedBytes: Int

        enum CodingKeys: String, CodingKey {
            case objects, requests, pages
            case uncompressedBytes = "uncompressed_bytes"
        }
    }

    public var runId: String
    public var startedAt: String
    /// The windows, fixed when the run first starts: a resumed run asks for exactly the same ranges.
    public var windows: [CreatedWindow]
    public var apiBase: String
    public var accountId: String?
    /// Stream name -> unit key (`<pass>-<window>`) -> what it wrote.
    public var done: [String: [String: Unit]]

    enum CodingKeys: String, CodingKey {
        case runId = "run_id", startedAt = "started_at", windows, apiBase = "api_base", accountId = "account_id", done
    }

    public static func unitKey(pass: Int, window: Int) -> String { "\(pass)-\(window)" }

    public static func load(path: String) throws -> ExtractState? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(ExtractState.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw CoreError(.incompleteRun, "\(path) is unreadable; delete the run directory to start the run again", cause: error)
        }
    }

    public func save(path: String) throws {
        try ManifestCoding.write(self, to: path)
    }
}
