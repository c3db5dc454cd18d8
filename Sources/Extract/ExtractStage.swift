import Foundation
import Core
import JSON
import Logging
import Zstd

/// The extract stage: pages every enabled stream and writes `raw/<run_id>/`, manifest last.
public final class ExtractStage {
    public let pipeline: PipelineDefinition
    public let paths: RunPaths
    public let apiBase: String
    private let key: APIKey
    private let logger: Logger
    private let progress: any ProgressReporter
    private let now: () -> Date
    private let limiter: RateLimiter

    public init(pipeline: PipelineDefinition, paths: RunPaths, key: APIKey, apiBase: String? = nil,
                logger: Logger, progress: any ProgressReporter = SilentProgress(), now: @escaping () -> Date = Date.init) {
        self.pipeline = pipeline
        self.paths = paths
        self.apiBase = apiBase ?? pipeline.stripe.apiBase
        self.key = key
        self.logger = logger
        self.progress = progress
        self.now = now
        limiter = RateLimiter(requestsPerSecond: pipeline.requestsPerSecond)
        if key.kind == .secret {
            logger.warning("a secret key (sk_) grants write access; create a restricted read-only key (rk_) for this pipeline")
        }
    }

    private func partPath(_ runId: String, stream: String, unit: String) -> String {
        paths.raw(runId) + "/.parts/\(stream)/\(unit).ndjson.zst"
    }

    /// Runs (or resumes) the extract for `runId`. A run whose manifest exists is returned as is.
    @discardableResult
    public func run(runId: String) throws -> RawManifest {
        try RunPaths.validate(runId: runId)
        try StripeClient.validate(apiBase: apiBase)
        let directory = paths.raw(runId)
        if FileManager.default.fileExists(atPath: paths.rawManifest(runId)) {
            logger.info("extract already complete", metadata: ["run.id": .string(runId)])
            return try RawManifest.read(paths: paths, runId: runId)
        }
        try AtomicFile.createDirectory(directory)
        let statePath = paths.rawState(runId)
        var settings = StripeClient.Settings(pipeline: pipeline, apiBase: apiBase)
        var state: ExtractState
        if let existing = try ExtractState.load(path: statePath) {
            state = existing
            // The window plan is kept; the server is today's (the demo server gets a new port per run).
            if existing.apiBase != settings.apiBase {
                logger.info("resuming against a different api base", metadata: ["http.base": .string(settings.apiBase)])
                state.apiBase = settings.apiBase
            }
            logger.info("resuming extract", metadata: ["run.id": .string(runId), "windows": .stringConvertible(existing.windows.count)])
        } else {
            let start = Int64(UTCDate.parseDay(pipeline.extract.start) ?? 0) * 86_400
            let end = Int64(now().timeIntervalSince1970)
            state = ExtractState(runId: runId, startedAt: UTCDate.isoString(unixSeconds: end),
                                 windows: CreatedWindow.plan(startUnix: start, endUnix: end, days: pipeline.extract.windowDays),
                                 apiBase: settings.apiBase, accountId: nil, done: [:])
            try state.save(path: statePath)
        }
        let client = try StripeClient(settings: settings, key: key, limiter: limiter, logger: logger)
        if state.accountId == nil {
            state.accountId = try fetchAccountId(client)
            try state.save(path: statePath)
        }

        for name in pipeline.enabledStreams {
            guard let spec = StreamSpec.named(name) else { continue }
            try extractStream(spec, runId: runId, client: client, state: &state, statePath: statePath)
        }

        // Manifest last: only now is the run complete.
        var streams: [String: RawManifest.Stream] = [:]
        for name in pipeline.enabledStreams {
            let units = state.done[name] ?? [:]
            let file = try FileEntry.describe(path: paths.rawFile(runId, stream: name), relativeTo: directory)
            streams[name] = RawManifest.Stream(file: file, objects: units.values.reduce(0) { $0 + $1.objects },
                                               requests: units.values.reduce(0) { $0 + $1.requests },
                                               uncompressedBytes: units.values.reduce(0) { $0 + $1.uncompressedBytes },
                                               windows: state.windows.count)
        }
        let manifest = RawManifest(runId: runId, pipeline: pipeline.name, stripeApiVersion: pipeline.stripe.apiVersion,
                                   accountId: state.accountId, livemode: pipeline.livemode, startedAt: state.startedAt,
                                   finishedAt: UTCDate.isoString(unixSeconds: Int64(now().timeIntervalSince1970)),
                                   apiBase: settings.apiBase, streams: streams)
        try ManifestCoding.write(manifest, to: paths.rawManifest(runId))
        try? FileManager.default.removeItem(atPath: directory + "/.parts")
        try? FileManager.default.removeItem(atPath: statePath)
        logger.info("extract complete", metadata: ["run.id": .string(runId), "requests": .stringConvertible(streams.values.reduce(0) { $0 + $1.requests })])
        return manifest
    }

    /// The account id for the manifest; unknown (nil) when the endpoint is missing or not permitted.
    private func fetchAccountId(_ client: StripeClient) throws -> String? {
        do {
            let page = try client.get(path: "/v1/account", query: [], context: "account lookup")
            return page.body.withUnsafeBytes { bytes -> String? in
                let document = JSONDocument(bytes)
                guard let root = try? document.root(), let id = try? document.member(root, "id") else { return nil }
                return try? document.string(id)
            }
        } catch let error as ExtractError where error.code == .request || error.code == .permission {
            logger.debug("account id unknown", metadata: ["reason": .string(error.message)])
            return nil
        }
    }

    private func extractStream(_ spec: StreamSpec, runId: String, client: StripeClient, state: inout ExtractState, statePath: String) throws {
        var objects = (state.done[spec.name] ?? [:]).values.reduce(0) { $0 + $1.objects }
        var pages = (state.done[spec.name] ?? [:]).values.reduce(0) { $0 + $1.pages }
        var unitKeys: [String] = []
        for (passIndex, pass) in spec.passes.enumerated() {
            for (windowIndex, window) in state.windows.enumerated() {
                let unitKey = ExtractState.unitKey(pass: passIndex, window: windowIndex)
                unitKeys.append(unitKey)
                if state.done[spec.name]?[unitKey] != nil { continue }
                let unit = try extractUnit(spec, pass: pass, window: window, runId: runId, unitKey: unitKey, client: client) { objectCount, pageCount in
                    progress.report(ProgressEvent(stage: "extract", item: spec.name, count: objects + objectCount, pages: pages + pageCount))
                }
                objects += unit.objects
                pages += unit.pages
                state.done[spec.name, default: [:]][unitKey] = unit
                try state.save(path: statePath)
            }
        }
        try concatenateParts(spec.name, unitKeys: unitKeys, runId: runId)
        progress.report(ProgressEvent(stage: "extract", item: spec.name, count: objects, pages: pages, finished: true))
        logger.info("stream extracted", metadata: ["stream.name": .string(spec.name), "objects": .stringConvertible(objects), "pages": .stringConvertible(pages)])
    }

    /// Pages one (pass, window) into its own part file, published only when complete.
    private func extractUnit(_ spec: StreamSpec, pass: [(String, String)], window: CreatedWindow, runId: String, unitKey: String,
                             client: StripeClient, onPage: (Int, Int) -> Void) throws -> ExtractState.Unit {
        let path = partPath(runId, stream: spec.name, unit: unitKey)
        try AtomicFile.createParentDirectory(of: path)
        let temporary = AtomicFile.temporaryPath(for: path)
        let writer = try ioStep("create \(temporary)") { try ZstdFileWriter(path: temporary) }
        let requestsBefore = client.requestCount
        var line: [UInt8] = []
        var objects = 0
        var pages = 0
        let completer = spec.child.map { ChildListCompleter(client: client, child: $0, limit: pipeline.extract.pageLimit, stream: spec.name) }
        let context = "stream \(spec.name)" + (window.gte == nil && window.lt == nil ? "" : " window \(window.query.map { "\($0.0)=\($0.1)" }.joined(separator: "&"))")
        let pager = ListPager(client: client, path: spec.path, query: pass + window.query, limit: pipeline.extract.pageLimit, context: context)
        var lastPages = 0
        let stats = try pager.forEach { _, document, element, id in
            try checkLivemode(document, element, id: id, stream: spec.name)
            line.removeAll(keepingCapacity: true)
            try ListPager.parsed { try JSONCompactor.compact(document.bytes(element), into: &line) }
            if let completer {
                let (complete, childPages) = try completer.complete(line, parentId: id)
                line = complete
                pages += childPages
            }
            line.append(10)
            try ioStep("write \(temporary)") { try writer.write(line) }
            objects += 1
            if objects % 100 == 0 { lastPages += 1; onPage(objects, pages + lastPages) }
        }
        pages += stats.pages
        try ioStep("finish \(temporary)") { try writer.close() }
        try AtomicFile.publish(temporary, as: path)
        onPage(objects, pages)
        return ExtractState.Unit(objects: objects, requests: client.requestCount - requestsBefore, pages: pages, uncompressedBytes: writer.bytesIn)
    }

    /// Test and live data never mix: one object of the other mode stops the run.
    private func checkLivemode(_ document: JSONDocument, _ element: JSONValue, id: String, stream: String) throws {
        guard let value = try ListPager.parsed({ try document.member(element, "livemode") }),
              let livemode = try ListPager.parsed({ try document.bool(value) }) else { return }
        if livemode != pipeline.livemode {
            throw ExtractError(.livemodeMismatch, "stream \(stream): object \(id) has livemode \(livemode) but pipeline \(pipeline.name) reads \(pipeline.mode.rawValue) data; check the key and the pipeline's mode (test and live data never mix)")
        }
    }

    /// Joins the part files of a stream, in plan order, into its final file. zstd frames
    /// concatenate into a valid stream, so this is a byte copy.
    private func concatenateParts(_ stream: String, unitKeys: [String], runId: String) throws {
        let final = paths.rawFile(runId, stream: stream)
        let temporary = AtomicFile.temporaryPath(for: final)
        guard FileManager.default.createFile(atPath: temporary, contents: nil), let out = FileHandle(forWritingAtPath: temporary) else {
            throw ExtractError(.io, "cannot create \(temporary)")
        }
        do {
            for unit in unitKeys {
                let part = partPath(runId, stream: stream, unit: unit)
                guard let input = FileHandle(forReadingAtPath: part) else { throw ExtractError(.io, "part \(part) is missing; re-run with the same --run-id") }
                while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty { try out.write(contentsOf: chunk) }
                try input.close()
            }
            try out.synchronize()
            try out.close()
        } catch let error as ExtractError { throw error } catch {
            throw ExtractError(.io, "cannot assemble \(final): \(error)")
        }
        try AtomicFile.publish(temporary, as: final)
    }

    private func ioStep<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as ZstdError {
            throw ExtractError(.io, "cannot \(what): \(error.message)")
        } catch let error as CoreError {
            throw ExtractError(.io, error.message)
        }
    }
}
