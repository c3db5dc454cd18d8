public import Core
import Zstd

/// Writes a raw run straight from the generator, as a complete extract would have written it:
/// `raw/<run_id>/<stream>.ndjson.zst` with one complete compact object per line (child lists
/// complete), newest first, then `raw/<run_id>/_manifest.json` last. For transform and load
/// benchmarks (e.g. 200,000 invoices) and tests that need a raw run without a server.
public struct RawRunWriter: Sendable {
    public let generator: AccountGenerator
    /// How objects are rendered (match the extract's `expand[]` choices).
    public var rendering: AccountGenerator.Rendering
    public var compressionLevel: Int32
    /// Recorded in the manifest as `api_base`.
    public var apiBase: String

    public init(
        generator: AccountGenerator, rendering: AccountGenerator.Rendering = AccountGenerator.Rendering(),
        compressionLevel: Int32 = 3, apiBase: String = "generator://fixture"
    ) {
        self.generator = generator
        self.rendering = rendering
        self.compressionLevel = compressionLevel
        self.apiBase = apiBase
    }

    /// Writes `streams` of the account under `outputRoot` as run `runId`; the manifest comes last.
    /// Memory stays flat: one object at a time.
    @discardableResult
    public func write(
        outputRoot: String, runId: String, streams: [FixtureStream] = FixtureStream.allCases, pipeline: String = "fixture"
    ) throws -> RawManifest {
        try RunPaths.validate(runId: runId)
        let paths = RunPaths(root: outputRoot)
        let directory = paths.raw(runId)
        try AtomicFile.createDirectory(directory)
        var entries: [String: RawManifest.Stream] = [:]
        for stream in streams {
            let path = paths.rawFile(runId, stream: stream.rawValue)
            let (objects, bytesIn) = try writeStream(stream, to: path)
            entries[stream.rawValue] = RawManifest.Stream(
                file: try FileEntry.describe(path: path, relativeTo: directory), objects: objects, requests: 0,
                uncompressedBytes: bytesIn, windows: 1)
        }
        // Fixed timestamps (the account's end of history) keep the manifest reproducible.
        let time = UTCDate.isoString(unixSeconds: generator.config.endTime)
        let manifest = RawManifest(
            runId: runId, pipeline: pipeline, stripeApiVersion: generator.config.apiVersion,
            accountId: generator.config.accountID, livemode: generator.config.livemode, startedAt: time,
            finishedAt: time, apiBase: apiBase, streams: entries)
        try ManifestCoding.write(manifest, to: paths.rawManifest(runId))
        return manifest
    }

    /// Writes one stream to a temporary sibling and renames it into place; returns (objects, bytes).
    public func writeStream(_ stream: FixtureStream, to path: String) throws -> (Int, Int) {
        let temporary = AtomicFile.temporaryPath(for: path)
        let writer = try ZstdFileWriter(path: temporary, level: compressionLevel)
        var objects = 0
        var line: [UInt8] = []
        line.reserveCapacity(64 * 1024)
        var index = generator.count(stream) - 1
        while index >= 0 {
            if generator.isListed(stream, index) {
                line.removeAll(keepingCapacity: true)
                generator.completeObject(stream, index, rendering: rendering).writeCompact(into: &line)
                line.append(10)
                try writer.write(line)
                objects += 1
            }
            index -= 1
        }
        try writer.close()
        try AtomicFile.publish(temporary, as: path)
        return (objects, writer.bytesIn)
    }
}
