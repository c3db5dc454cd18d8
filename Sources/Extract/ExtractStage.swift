public import Core
public import Foundation
import JSON
public import Logging
import ModuleErrors
import Zstd

/// The extract stage: pages every enabled stream and writes `raw/<run_id>/`, manifest last.
///
/// `extract.max_in_flight` workers, each with its own keep-alive connection, take units (one
/// `created` range of one pass of a stream) from a shared scheduler; every request of every worker
/// (child-list pages included) goes through one `RequestBudget`. A unit writes its own part file;
/// each stream's file is its part files joined in plan order, so the bytes do not depend on how
/// the work was scheduled.
public final class ExtractStage: Sendable {
    public let pipeline: PipelineDefinition
    public let paths: RunPaths
    public let apiBase: String
    private let key: APIKey
    private let logger: Logger
    private let progress: any ProgressReporter
    private let now: @Sendable () -> Date
    private let budget: RequestBudget

    public init(
        pipeline: PipelineDefinition, paths: RunPaths, key: APIKey, apiBase: String? = nil,
        logger: Logger, progress: any ProgressReporter = SilentProgress(), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.pipeline = pipeline
        self.paths = paths
        self.apiBase = apiBase ?? pipeline.stripe.apiBase
        self.key = key
        self.logger = logger
        self.progress = progress
        self.now = now
        budget = RequestBudget(requestsPerSecond: pipeline.requestsPerSecond)
        if key.kind == .secret {
            logger.warning("a secret key (sk_) grants write access; create a restricted read-only key (rk_) for this pipeline")
        }
    }

    private func partPath(_ runId: String, stream: String, unit: String) -> String {
        paths.raw(runId) + "/.parts/\(stream)/\(unit).ndjson.zst"
    }

    /// What kind of extract a run is: every listing, or the changes since a base run.
    public enum Mode: Sendable {
        case full(reason: String)
        case incremental(IncrementalExtract.Base)
    }

    /// Runs (or resumes) the extract for `runId`. A run whose manifest exists is returned as is.
    /// An incremental run falls back to resuming a full one when a full extract of this run id
    /// was already started (its `_state.json` exists).
    @discardableResult
    public func run(runId: String, mode: Mode = .full(reason: "requested")) throws -> RawManifest {
        try RunPaths.validate(runId: runId)
        try StripeClient.validate(apiBase: apiBase)
        let directory = paths.raw(runId)
        if FileManager.default.fileExists(atPath: paths.rawManifest(runId)) {
            logger.info("extract already complete", metadata: ["run.id": .string(runId)])
            return try RawManifest.read(paths: paths, runId: runId)
        }
        try AtomicFile.createDirectory(directory)
        let statePath = paths.rawState(runId)
        let settings = StripeClient.Settings(pipeline: pipeline, apiBase: apiBase)
        let specs = pipeline.enabledStreams.compactMap { StreamSpec.named($0) }
        let startUnix = Int64(UTCDate.parseDay(pipeline.extract.start) ?? 0) * 86_400
        var state: ExtractState
        let existingState = try ExtractState.load(path: statePath)
        if existingState == nil, case .incremental(let base) = mode {
            let client = try StripeClient(settings: settings, key: key, budget: budget, logger: logger)
            let accountId = try fetchAccountId(client)
            let startedAt = UTCDate.isoString(unixSeconds: Int64(now().timeIntervalSince1970))
            logger.info(
                "incremental extract",
                metadata: [
                    "run.id": .string(runId), "base.run": .string(base.runId),
                    "events.cursor": .stringConvertible(base.cursor)
                ])
            let incremental = IncrementalExtract(
                pipeline: pipeline, paths: paths, settings: settings, key: key, budget: budget, logger: logger, now: now)
            return try incremental.run(runId: runId, base: base, startedAt: startedAt, accountId: accountId, specs: specs)
        }
        let reason: String
        if case .full(let why) = mode { reason = why } else { reason = "resuming a full extract of this run" }
        if let existing = existingState {
            state = existing
            // The plan is kept; the server is today's (the demo server gets a new port per run).
            if existing.apiBase != settings.apiBase {
                logger.info("resuming against a different api base", metadata: ["http.base": .string(settings.apiBase)])
                state.apiBase = settings.apiBase
            }
            // A stream enabled since the run started gets its initial plan now.
            for spec in specs where state.plan[spec.name] == nil {
                let end = state.plan.values.joined().compactMap(\.range.lt).max() ?? Int64(now().timeIntervalSince1970)
                state.plan[spec.name] =
                    ExtractState.initialPlan(streams: [spec], windows: initialWindows(startUnix: startUnix, endUnix: end))[spec.name]
                state.nextUnit[spec.name] = state.plan[spec.name]?.count ?? 0
            }
            logger.info(
                "resuming extract",
                metadata: ["run.id": .string(runId), "units": .stringConvertible(existing.plan.values.reduce(0) { $0 + $1.count })])
        } else {
            let end = Int64(now().timeIntervalSince1970)
            state = ExtractState(
                runId: runId, startedAt: UTCDate.isoString(unixSeconds: end), apiBase: settings.apiBase, accountId: nil,
                plan: ExtractState.initialPlan(streams: specs, windows: initialWindows(startUnix: startUnix, endUnix: end)))
        }
        try state.save(path: statePath)
        if state.accountId == nil {
            let client = try StripeClient(settings: settings, key: key, budget: budget, logger: logger)
            state.accountId = try fetchAccountId(client)
            try state.save(path: statePath)
        }

        let scheduler = ExtractScheduler(
            run: state, streams: specs.map(\.name), workers: pipeline.extract.maxInFlight, statePath: statePath,
            startUnix: startUnix, pageLimit: pipeline.extract.pageLimit, splittable: pipeline.extract.createdFilter)
        try runWorkers(scheduler, specs: specs, runId: runId, settings: settings)
        state = scheduler.run

        for spec in specs {
            try concatenateParts(spec.name, unitKeys: (state.plan[spec.name] ?? []).map(\.key), runId: runId)
            let (objects, pages) = scheduler.objects(spec.name)
            progress.report(ProgressEvent(stage: "extract", item: spec.name, count: objects, pages: pages, finished: true))
            logger.info(
                "stream extracted",
                metadata: ["stream.name": .string(spec.name), "objects": .stringConvertible(objects), "pages": .stringConvertible(pages)])
        }

        // Customers, prices and products the facts name but no listing returned. Not recorded in
        // `_state.json`: a killed run re-joins the parts above and redoes this pass (one request per
        // missing id).
        let referenced = try ReferencedObjects(retriever: retriever(settings, purpose: "referenced"), paths: paths, logger: logger)
            .run(runId: runId, specs: specs, known: [:])

        // Manifest last: only now is the run complete.
        var streams: [String: RawManifest.Stream] = [:]
        for spec in specs {
            let units = (state.plan[spec.name] ?? []).compactMap(\.done)
            let file = try FileEntry.describe(path: paths.rawFile(runId, stream: spec.name), relativeTo: directory)
            let added = referenced[spec.name]
            streams[spec.name] = RawManifest.Stream(
                file: file, objects: units.reduce(0) { $0 + $1.objects } + (added?.referenced.objects ?? 0),
                requests: units.reduce(0) { $0 + $1.requests } + (added?.requests ?? 0),
                uncompressedBytes: units.reduce(0) { $0 + $1.uncompressedBytes } + (added?.uncompressedBytes ?? 0),
                windows: units.count, referenced: added?.referenced)
        }
        var manifest = RawManifest(
            runId: runId, pipeline: pipeline.name, stripeApiVersion: pipeline.stripe.apiVersion,
            accountId: state.accountId, livemode: pipeline.livemode, startedAt: state.startedAt,
            finishedAt: UTCDate.isoString(unixSeconds: Int64(now().timeIntervalSince1970)),
            apiBase: settings.apiBase, streams: streams)
        // Events up to the listing's end are reflected in the listings: the next incremental run
        // starts there (minus the lag, as the events list is eventually consistent).
        let end = state.plan.values.joined().compactMap(\.range.lt).max() ?? Int64(now().timeIntervalSince1970)
        manifest.sync = RawManifest.Sync(
            mode: "full", reason: reason, baseRun: nil, eventsCursor: end - Int64(pipeline.extract.eventsLagSeconds),
            eventsAtCursor: [], changes: nil, streams: [:])
        try ManifestCoding.write(manifest, to: paths.rawManifest(runId))
        for leftover in ExtractState.leftovers(paths: paths, runId: runId) { try? FileManager.default.removeItem(atPath: leftover) }
        let counts = budget.counts
        logger.info(
            "extract complete",
            metadata: [
                "run.id": .string(runId), "requests": .stringConvertible(counts.sent),
                "http.429": .stringConvertible(counts.throttles)
            ])
        return manifest
    }

    private func retriever(_ settings: StripeClient.Settings, purpose: String) -> ObjectRetriever {
        ObjectRetriever(pipeline: pipeline, settings: settings, key: key, budget: budget, logger: logger, purpose: purpose)
    }

    /// The first plan: calendar windows when `extract.window_days` asks for them, else one range
    /// per listing (no `created` filter at all when the server takes none).
    private func initialWindows(startUnix: Int64, endUnix: Int64) -> [CreatedWindow] {
        guard pipeline.extract.createdFilter else { return [CreatedWindow(gte: nil, lt: nil)] }
        guard pipeline.extract.windowDays > 0 else { return [CreatedWindow(gte: nil, lt: endUnix)] }
        return CreatedWindow.plan(startUnix: startUnix, endUnix: endUnix, days: pipeline.extract.windowDays)
    }

    /// Runs `max_in_flight` worker threads (blocking libcurl calls stay off Swift's cooperative
    /// pool) until every unit is done or one failed; rethrows the first failure.
    private func runWorkers(_ scheduler: ExtractScheduler, specs: [StreamSpec], runId: String, settings: StripeClient.Settings) throws {
        let group = DispatchGroup()
        let started = RequestBudget.monotonicNow()
        for index in 0..<pipeline.extract.maxInFlight {
            group.enter()
            let thread = Thread { [self] in
                defer { group.leave() }
                work(scheduler, specs: specs, runId: runId, settings: settings)
            }
            thread.name = "extract-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
        // Progress from this thread while the workers run.
        while group.wait(timeout: .now() + .milliseconds(500)) == .timedOut {
            reportProgress(scheduler, started: started)
        }
        reportProgress(scheduler, started: started)
        if let failure = scheduler.failure { throw failure }
    }

    private func reportProgress(_ scheduler: ExtractScheduler, started: Double) {
        let snapshot = scheduler.snapshot
        let counts = budget.counts
        let elapsed = max(0.001, RequestBudget.monotonicNow() - started)
        let rate = Double(counts.sent) / elapsed
        var detail = String(
            format: "%.0f objects/s  %.0f req/s  %d in flight  %d 429s", Double(snapshot.objects) / elapsed, rate, counts.inFlight,
            counts.throttles)
        if let left = snapshot.estimatedPagesLeft, rate > 0 {
            detail += String(format: "  ETA %.0fs", left / min(rate, budget.currentRate))
        }
        progress.report(
            ProgressEvent(stage: "extract", item: "all streams", count: snapshot.objects, pages: snapshot.pages, detail: detail))
    }

    private func work(_ scheduler: ExtractScheduler, specs: [StreamSpec], runId: String, settings: StripeClient.Settings) {
        let client: StripeClient
        do { client = try StripeClient(settings: settings, key: key, budget: budget, logger: logger) } catch {
            scheduler.fail(error, nil)
            return
        }
        while let job = scheduler.next() {
            switch job {
            case .child(let task):
                if let child = specs.first(where: { $0.name == task.stream })?.child {
                    task.run(
                        ChildListCompleter(client: client, child: child, limit: pipeline.extract.pageLimit, stream: task.stream),
                        client: client)
                }
                scheduler.childDone()
            case .unit(let work):
                guard let spec = specs.first(where: { $0.name == work.stream }) else { continue }
                do {
                    let unit = try extractUnit(spec, work: work, runId: runId, client: client, scheduler: scheduler)
                    try scheduler.finish(work, unit)
                } catch {
                    scheduler.fail(error, work)
                }
            }
        }
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

    /// Pages one unit into its own part file, published only when complete. The unit's range
    /// narrows when the scheduler splits it; the cursor carries on in the narrowed range.
    private func extractUnit(
        _ spec: StreamSpec, work: ExtractScheduler.Work, runId: String, client: StripeClient,
        scheduler: ExtractScheduler
    ) throws -> ExtractState.Unit {
        let path = partPath(runId, stream: spec.name, unit: work.key)
        try AtomicFile.createParentDirectory(of: path)
        let temporary = AtomicFile.temporaryPath(for: path)
        let writer = try ioStep("create \(temporary)") { try ZstdFileWriter(path: temporary) }
        var published = false
        defer { if !published { try? FileManager.default.removeItem(atPath: temporary) } }
        let requestsBefore = client.requestCount
        var line: [UInt8] = []
        var objects = 0
        var childPages = 0
        var pageObjects = 0
        var range = work.range
        let completer = spec.child.map {
            ChildListCompleter(client: client, child: $0, limit: pipeline.extract.pageLimit, stream: spec.name)
        }
        /// The page's objects in order: written once every child list among them is complete.
        enum Entry {
            case ready([UInt8])
            case pending(ChildTask)
        }
        var entries: [Entry] = []
        var otherRequests = 0
        func writeLine(_ bytes: [UInt8]) throws {
            var bytes = bytes
            bytes.append(10)
            try ioStep("write \(temporary)") { try writer.write(bytes) }
        }
        /// Child lists go to idle workers; this unit runs the ones nobody took, waits for the
        /// rest, then writes the page in order.
        func flushPage() throws {
            let tasks = entries.compactMap { entry -> ChildTask? in if case .pending(let task) = entry { return task } else { return nil } }
            if let completer, !tasks.isEmpty {
                if tasks.count > 1 { scheduler.submit(Array(tasks.dropFirst())) }
                for (i, task) in tasks.enumerated() where i == 0 || scheduler.claim(task) {
                    if scheduler.stopping { throw ExtractError(.unavailable, "stopped: another unit failed") }
                    otherRequests -= task.run(completer, client: client)
                }
            }
            for entry in entries {
                switch entry {
                case .ready(let bytes): try writeLine(bytes)
                case .pending(let task):
                    let outcome = task.wait()
                    if let error = outcome.error { throw error }
                    childPages += outcome.pages
                    otherRequests += outcome.requests
                    try writeLine(outcome.line)
                }
            }
            entries.removeAll(keepingCapacity: true)
        }
        let pager = ListPager(
            client: client, path: spec.path,
            query: pipeline.extract.expand ? spec.passes[work.pass] : spec.passes[work.pass].filter { $0.0 != "expand[]" },
            limit: pipeline.extract.pageLimit,
            context: "stream \(spec.name)")
        let stats = try pager.forEach(
            filters: { range.query },
            afterPage: { info in
                try flushPage()
                if let narrowed = try scheduler.pageRead(work, objects: pageObjects, info: info) { range = narrowed }
                pageObjects = 0
                if scheduler.stopping { throw ExtractError(.unavailable, "stopped: another unit failed") }
            }
        ) { document, element, id in
            try checkLivemode(document, element, id: id, stream: spec.name)
            line.removeAll(keepingCapacity: true)
            try ListPager.parsed { try document.compact(element, into: &line) }
            if let child = spec.child, try ChildListCompleter.needsCompletion(document, element, member: child.member) {
                entries.append(.pending(ChildTask(stream: spec.name, line: line, parentId: id)))
            } else {
                entries.append(.ready(line))
            }
            objects += 1
            pageObjects += 1
        }
        try ioStep("finish \(temporary)") { try writer.close() }
        try AtomicFile.publish(temporary, as: path)
        published = true
        return ExtractState.Unit(
            objects: objects, requests: client.requestCount - requestsBefore + otherRequests, pages: stats.pages + childPages,
            uncompressedBytes: writer.bytesIn)
    }

    /// Test and live data never mix: one object of the other mode stops the run.
    private func checkLivemode(_ document: JSONDocument, _ element: JSONValue, id: String, stream: String) throws {
        guard let value = try ListPager.parsed({ try document.member(element, "livemode") }),
            let livemode = try ListPager.parsed({ try document.bool(value) })
        else { return }
        if livemode != pipeline.livemode {
            throw ExtractError(
                .livemodeMismatch,
                "stream \(stream): object \(id) has livemode \(livemode) but pipeline \(pipeline.name) reads \(pipeline.mode.rawValue) data; check the key and the pipeline's mode (test and live data never mix)"
            )
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
                guard let input = FileHandle(forReadingAtPath: part) else {
                    throw ExtractError(.io, "part \(part) is missing; re-run with the same --run-id")
                }
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
