import Digest
import Foundation
import ModuleErrors

/// Reads and writes manifests as stable, pretty, key-sorted JSON.
public enum ManifestCoding {
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do { return Array(try encoder.encode(value)) + [10] } catch {
            throw CoreError(.io, "cannot encode manifest \(T.self)", cause: error)
        }
    }

    public static func write<T: Encodable>(_ value: T, to path: String) throws {
        try AtomicFile.write(try encode(value), to: path)
    }

    /// Reads a manifest; a missing one means the run is incomplete.
    public static func read<T: Decodable>(_ type: T.Type, from path: String, stage: String) throws -> T {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CoreError(
                .incompleteRun,
                "\(path) is missing: the \(stage) run is incomplete or was never run; run the \(stage) stage for this run id first (a re-run resumes it)"
            )
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw CoreError(
                .incompleteRun, "\(path) is not a valid \(stage) manifest; re-run the \(stage) stage for this run id", cause: error)
        }
    }
}

/// One file a manifest vouches for.
public struct FileEntry: Codable, Sendable, Equatable {
    /// Relative to the manifest's directory.
    public var file: String
    public var bytes: Int
    public var sha256: String

    public init(file: String, bytes: Int, sha256: String) {
        self.file = file
        self.bytes = bytes
        self.sha256 = sha256
    }

    /// Describes an existing file by size and checksum.
    public static func describe(path: String, relativeTo directory: String) throws -> FileEntry {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        var relative = path
        if path.hasPrefix(directory + "/") { relative = String(path.dropFirst(directory.count + 1)) }
        return FileEntry(file: relative, bytes: size, sha256: try SHA256.hexOfFile(atPath: path))
    }

    /// Checks the file on disk still matches; a mismatch means the run was altered or cut.
    public func verify(in directory: String) throws {
        let path = directory + "/" + file
        guard FileManager.default.fileExists(atPath: path) else {
            throw CoreError(.incompleteRun, "\(path) is listed in the manifest but missing")
        }
        let actual = try SHA256.hexOfFile(atPath: path)
        guard actual == sha256 else {
            throw CoreError(
                .incompleteRun,
                "\(path) does not match its manifest checksum (expected \(sha256), found \(actual)); the run was modified after it finished: re-run the stage"
            )
        }
    }
}

/// `raw/<run_id>/_manifest.json`: written last by extract (or by the generator's raw-run writer).
public struct RawManifest: Codable, Sendable {
    public struct Stream: Codable, Sendable {
        public var file: FileEntry
        public var objects: Int
        public var requests: Int
        /// Uncompressed NDJSON bytes.
        public var uncompressedBytes: Int
        public var windows: Int
        /// Customers, prices and products: the objects facts reference that no listing returned,
        /// fetched by id and written after the listed ones (absent in manifests written before).
        public var referenced: Referenced?

        public init(file: FileEntry, objects: Int, requests: Int, uncompressedBytes: Int, windows: Int, referenced: Referenced? = nil) {
            self.file = file
            self.objects = objects
            self.requests = requests
            self.uncompressedBytes = uncompressedBytes
            self.windows = windows
            self.referenced = referenced
        }

        enum CodingKeys: String, CodingKey {
            case file, objects, requests, windows, referenced
            case uncompressedBytes = "uncompressed_bytes"
        }
    }

    /// Objects of a stream that facts (invoices, subscriptions, credit notes, prices) reference but
    /// its listing did not return (deleted customers, inline prices), retrieved by id.
    public struct Referenced: Codable, Sendable, Equatable {
        /// Lines at the end of the stream file (sorted by id), included in the stream's `objects`.
        public var objects: Int
        /// Of those, retrieved by this run (an incremental run carries the others over from its base).
        public var fetched: Int
        /// Referenced ids answered 404 (never existed, or a deleted price or product; also a
        /// deleted stub of a price or product): no line; sorted. An incremental run does not ask
        /// for them again.
        public var notFound: [String]

        public init(objects: Int, fetched: Int, notFound: [String]) {
            self.objects = objects
            self.fetched = fetched
            self.notFound = notFound
        }

        enum CodingKeys: String, CodingKey {
            case objects, fetched
            case notFound = "not_found"
        }
    }

    public var runId: String
    public var pipeline: String
    public var stripeApiVersion: String
    public var accountId: String?
    public var livemode: Bool
    public var startedAt: String
    public var finishedAt: String
    public var toolVersion: String
    public var apiBase: String
    /// Stream name -> what was written.
    public var streams: [String: Stream]
    /// Full or incremental, the base run and the events cursor (absent in manifests written before).
    public var sync: Sync?

    /// How a run relates to the runs before it.
    public struct Sync: Codable, Sendable {
        public struct StreamChanges: Codable, Sendable {
            public var created = 0
            public var updated = 0
            public var deleted = 0
            public init() {}
        }

        /// `full` or `incremental`.
        public var mode: String
        /// Why a full run was chosen (first run, --full-refresh, cursor too old, periodic refresh).
        public var reason: String?
        /// The run whose state an incremental run applies its changes to.
        public var baseRun: String?
        /// `created` up to which events are applied, and the ids applied in that very second.
        public var eventsCursor: Int64
        public var eventsAtCursor: [String]
        /// `_changes.ndjson.zst`: the changed objects as fetched and the tombstones (incremental only).
        public var changes: FileEntry?
        /// Per stream: objects created, updated and deleted by this run (incremental only).
        public var streams: [String: StreamChanges]

        public init(
            mode: String, reason: String?, baseRun: String?, eventsCursor: Int64, eventsAtCursor: [String],
            changes: FileEntry?, streams: [String: StreamChanges]
        ) {
            self.mode = mode
            self.reason = reason
            self.baseRun = baseRun
            self.eventsCursor = eventsCursor
            self.eventsAtCursor = eventsAtCursor
            self.changes = changes
            self.streams = streams
        }

        enum CodingKeys: String, CodingKey {
            case mode, reason, baseRun = "base_run", eventsCursor = "events_cursor", eventsAtCursor = "events_at_cursor", changes, streams
        }
    }

    public init(
        runId: String, pipeline: String, stripeApiVersion: String, accountId: String?, livemode: Bool,
        startedAt: String, finishedAt: String, toolVersion: String = ToolInfo.version, apiBase: String,
        streams: [String: Stream]
    ) {
        self.runId = runId
        self.pipeline = pipeline
        self.stripeApiVersion = stripeApiVersion
        self.accountId = accountId
        self.livemode = livemode
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.toolVersion = toolVersion
        self.apiBase = apiBase
        self.streams = streams
    }

    enum CodingKeys: String, CodingKey {
        case runId = "run_id", pipeline, stripeApiVersion = "stripe_api_version", accountId = "account_id"
        case livemode, startedAt = "started_at", finishedAt = "finished_at", toolVersion = "tool_version"
        case apiBase = "api_base", streams, sync
    }

    /// Reads the manifest of a complete raw run; refuses an incomplete one.
    public static func read(paths: RunPaths, runId: String) throws -> RawManifest {
        try ManifestCoding.read(RawManifest.self, from: paths.rawManifest(runId), stage: "extract")
    }
}

/// `staging/<run_id>/_manifest.json`: written last by transform.
public struct StagingManifest: Codable, Sendable {
    public struct Table: Codable, Sendable {
        public var file: FileEntry
        public var schemaHash: String
        /// Source objects (or child lines) read for this table.
        public var rowsIn: Int
        public var rowsOut: Int
        public var rowsRejected: Int

        public init(file: FileEntry, schemaHash: String, rowsIn: Int, rowsOut: Int, rowsRejected: Int) {
            self.file = file
            self.schemaHash = schemaHash
            self.rowsIn = rowsIn
            self.rowsOut = rowsOut
            self.rowsRejected = rowsRejected
        }

        enum CodingKeys: String, CodingKey {
            case file, schemaHash = "schema_hash", rowsIn = "rows_in", rowsOut = "rows_out", rowsRejected = "rows_rejected"
        }
    }

    public var runId: String
    public var pipeline: String
    public var toolVersion: String
    /// The date dimension partitions are named by (the raw run's finish date, UTC).
    public var snapshotDate: String
    /// sha256 of the raw manifest this was built from.
    public var rawManifestSha256: String
    /// Raw input files with their checksums, by stream.
    public var inputs: [String: FileEntry]
    public var tables: [String: Table]
    public var rejects: FileEntry
    public var reportingCurrency: String?
    /// sha256 of the exchange-rate data used.
    public var ratesSha256: String?
    /// Free-form figures (reconciliation totals, top reject reasons) for the run summary.
    public var quality: [String: String]

    public init(
        runId: String, pipeline: String, toolVersion: String = ToolInfo.version, snapshotDate: String,
        rawManifestSha256: String, inputs: [String: FileEntry], tables: [String: Table], rejects: FileEntry,
        reportingCurrency: String?, ratesSha256: String?, quality: [String: String] = [:]
    ) {
        self.runId = runId
        self.pipeline = pipeline
        self.toolVersion = toolVersion
        self.snapshotDate = snapshotDate
        self.rawManifestSha256 = rawManifestSha256
        self.inputs = inputs
        self.tables = tables
        self.rejects = rejects
        self.reportingCurrency = reportingCurrency
        self.ratesSha256 = ratesSha256
        self.quality = quality
    }

    enum CodingKeys: String, CodingKey {
        case runId = "run_id", pipeline, toolVersion = "tool_version", snapshotDate = "snapshot_date"
        case rawManifestSha256 = "raw_manifest_sha256", inputs, tables, rejects
        case reportingCurrency = "reporting_currency", ratesSha256 = "rates_sha256", quality
    }

    public static func read(paths: RunPaths, runId: String) throws -> StagingManifest {
        try ManifestCoding.read(StagingManifest.self, from: paths.stagingManifest(runId), stage: "transform")
    }
}
