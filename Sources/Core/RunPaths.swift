public import Foundation
import ModuleErrors

/// Where each stage reads and writes under an output root.
public struct RunPaths: Sendable {
    public let root: String

    public init(root: String) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
    }

    public var rawRoot: String { root + "/raw" }
    public func raw(_ runId: String) -> String { rawRoot + "/" + runId }
    public func rawFile(_ runId: String, stream: String) -> String { raw(runId) + "/\(stream).ndjson.zst" }
    public func rawManifest(_ runId: String) -> String { raw(runId) + "/_manifest.json" }
    /// Extract's resumable progress (which windows are durable); removed when the run completes.
    public func rawState(_ runId: String) -> String { raw(runId) + "/_state.json" }

    public var stagingRoot: String { root + "/staging" }
    public func staging(_ runId: String) -> String { stagingRoot + "/" + runId }
    public func stagingFile(_ runId: String, table: String) -> String { staging(runId) + "/\(table).ndjson.zst" }
    public func stagingRejects(_ runId: String) -> String { staging(runId) + "/rejects.ndjson" }
    public func stagingManifest(_ runId: String) -> String { staging(runId) + "/_manifest.json" }

    public var warehouse: String { root + "/warehouse" }
    public func warehouseTable(_ table: String) -> String { warehouse + "/" + table }
    public var warehouseRuns: String { warehouse + "/_runs" }
    public func warehouseManifest(_ runId: String) -> String { warehouseRuns + "/\(runId).json" }

    public var rates: String { root + "/rates" }
    public var lockFile: String { root + "/.lock" }

    /// Run ids become directory names: keep them to a safe alphabet.
    public static func validate(runId: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.T:")
        guard !runId.isEmpty, runId.count <= 100, runId.allSatisfy({ allowed.contains($0) }), !runId.hasPrefix(".") else {
            throw CoreError(
                .configuration, "run id '\(runId)' must be 1-100 characters of letters, digits, '-', '_', '.', ':' and not start with '.'")
        }
    }

    /// A new run id from the current UTC time, e.g. 20261121T173000Z.
    public static func newRunId(now: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: now)
    }
}
