import Core
import Foundation
import JSON
import Logging
import ModuleErrors
import Synchronization
import Zstd

/// An incremental extract: the events created since the cursor name the objects that changed;
/// each is re-fetched by id (never taken from the event, which is rendered in the event's own API
/// version with child lists cut at 10) and completed with its child lists. The run's stream files
/// are then the base run's state with the changes applied (newest version by id wins, tombstones
/// remove), in the order a full listing returns them, so the transform and load are unchanged and
/// the run is self-contained; `_changes.ndjson.zst` keeps what was fetched (and the tombstones).
public struct IncrementalExtract: Sendable {
    /// Where the previous state is and where the events list resumes.
    public struct Base: Sendable {
        public var runId: String
        /// `created` of the newest event already applied.
        public var cursor: Int64
        /// Ids of the events created in the cursor's second already applied (same-second safety).
        public var eventsAtCursor: [String]

        public init(runId: String, cursor: Int64, eventsAtCursor: [String]) {
            self.runId = runId
            self.cursor = cursor
            self.eventsAtCursor = eventsAtCursor
        }
    }

    /// One changed object: its retrieved JSON (compact, complete), or nil for a tombstone.
    struct Change: Sendable {
        var stream: String
        var id: String
        var object: [UInt8]?
        /// Requests it took (the retrieval and child-list pages); 0 for a tombstone from an event.
        var requests = 0
    }

    /// Stripe keeps events this long; older events drop out of the run's events stream as they
    /// drop out of a full listing.
    static let eventsKeptSeconds: Int64 = 30 * 86_400

    let pipeline: PipelineDefinition
    let paths: RunPaths
    let settings: StripeClient.Settings
    let key: APIKey
    let budget: RequestBudget
    let logger: Logger
    let now: @Sendable () -> Date

    init(
        pipeline: PipelineDefinition, paths: RunPaths, settings: StripeClient.Settings, key: APIKey, budget: RequestBudget,
        logger: Logger, now: @escaping @Sendable () -> Date
    ) {
        self.pipeline = pipeline
        self.paths = paths
        self.settings = settings
        self.key = key
        self.budget = budget
        self.logger = logger
        self.now = now
    }

    /// The stream a changed object belongs to, from the `object` of an event's `data.object`.
    static func stream(ofObjectType type: String) -> String? {
        switch type {
        case "customer": return "customers"
        case "product": return "products"
        case "price": return "prices"
        case "coupon": return "coupons"
        case "subscription": return "subscriptions"
        case "invoice": return "invoices"
        case "credit_note": return "credit_notes"
        default: return nil
        }
    }

    /// Whether an event type deletes its object. `customer.subscription.deleted` is a cancellation:
    /// the subscription stays listed (`status=all`) and is re-fetched like any change.
    static func isDeletion(_ type: String) -> Bool {
        type.hasSuffix(".deleted") && !type.hasPrefix("customer.subscription.")
    }

    /// Runs the incremental extract of `runId` on top of `base`; writes the stream files,
    /// `_changes.ndjson.zst` and the manifest (last).
    func run(runId: String, base: Base, startedAt: String, accountId: String?, specs: [StreamSpec]) throws -> RawManifest {
        let directory = paths.raw(runId)
        let baseManifest = try RawManifest.read(paths: paths, runId: base.runId)
        if let accountId, let baseAccount = baseManifest.accountId, accountId != baseAccount {
            throw ExtractError(
                .configuration,
                "the key belongs to Stripe account \(accountId), but the base run \(base.runId) under \(paths.root) holds account \(baseAccount): use another output root per account, or run with --full-refresh to replace it"
            )
        }
        let client = try StripeClient(settings: settings, key: key, budget: budget, logger: logger)
        let nowUnix = Int64(now().timeIntervalSince1970)
        let newest = nowUnix - Int64(pipeline.extract.eventsLagSeconds)
        let from = base.cursor - Int64(pipeline.extract.eventsOverlapSeconds)
        let alreadySeen = Set(base.eventsAtCursor)

        // 1. Events since the cursor (newest first), minus the ones already applied and the too young.
        var events: [(id: String, created: Int64, line: [UInt8])] = []
        var changed: [String: (stream: String, deleted: Bool)] = [:] // "stream\u{0}id" -> last word (events newest first)
        var order: [(stream: String, id: String)] = []
        let pager = ListPager(
            client: client, path: "/v1/events", query: [], limit: pipeline.extract.pageLimit, context: "stream events (incremental)")
        let eventStats = try pager.forEach(filters: { [("created[gte]", String(from))] }, afterPage: { _ in }) { document, element, id in
            guard let createdValue = try document.member(element, "created"), let created = try document.int64(createdValue) else {
                throw ExtractError(.malformedResponse, "stream events (incremental): event \(id) has no created time")
            }
            if created > newest || alreadySeen.contains(id) { return }
            var line: [UInt8] = []
            try ListPager.parsed { try document.compact(element, into: &line) }
            events.append((id, created, line))
            guard let type = try document.member(element, "type").flatMap({ try document.string($0) }),
                let data = try document.member(element, "data"), data.kind == .object,
                let object = try document.member(data, "object"), object.kind == .object,
                let objectType = try document.member(object, "object").flatMap({ try document.string($0) })
            else { return }
            var stream: String?
            var objectId: String?
            if objectType == "invoiceitem" {
                // An invoice item changes its invoice (when it has one yet).
                stream = "invoices"
                objectId = try document.member(object, "invoice").flatMap { $0.kind == .string ? try document.string($0) : nil }
            } else {
                stream = Self.stream(ofObjectType: objectType)
                objectId = try document.member(object, "id").flatMap { try document.string($0) }
            }
            guard let stream, let objectId, specs.contains(where: { $0.name == stream }) else { return }
            let key = stream + "\u{0}" + objectId
            if changed[key] == nil {
                // Newest event first: it decides whether the object still exists.
                changed[key] = (stream, objectType != "invoiceitem" && Self.isDeletion(type))
                order.append((stream, objectId))
            }
        }
        let eventRequests = eventStats.pages

        // 2. Re-fetch every changed object that was not deleted, concurrently under the budget.
        let toFetch = order.filter { changed[$0.stream + "\u{0}" + $0.id]?.deleted == false }
        var changes = try fetch(toFetch, specs: specs)
        for entry in order where changed[entry.stream + "\u{0}" + entry.id]?.deleted == true {
            changes.append(Change(stream: entry.stream, id: entry.id, object: nil))
        }
        changes.sort { ($0.stream, $0.id) < ($1.stream, $1.id) }

        // 3. The changes file: one line per changed object, tombstones with "deleted": true.
        let changesPath = directory + "/_changes.ndjson.zst"
        try writeAtomically(changesPath) { writer in
            for change in changes {
                var line = Array("{\"stream\":\"\(change.stream)\",\"id\":".utf8)
                line += JSONWriterQuote.quoted(change.id)
                if let object = change.object {
                    line += Array(",\"object\":".utf8) + object + [UInt8(ascii: "}")]
                } else {
                    line += Array(",\"deleted\":true}".utf8)
                }
                line.append(10)
                try writer.write(line)
            }
        }

        // 4. The state as of this run: base state + changes, in full-listing order.
        var byStream: [String: [String: [UInt8]?]] = [:]
        for change in changes { byStream[change.stream, default: [:]][change.id] = .some(change.object) }
        // The base's referenced objects (the last lines of its customers, prices and products) are
        // not listed: they are carried over, not merged into the listing order. A change of one of
        // them replaces it there; a deletion keeps a deleted stub (it stays deleted) and drops any
        // other object (a full run would be answered 404).
        var known: [String: ReferencedObjects.Known] = [:]
        var listedInBase: [String: Int] = [:]
        for stream in ReferencedObjects.dimensionStreams {
            guard let baseStream = baseManifest.streams[stream] else { continue }
            let count = baseStream.referenced?.objects ?? 0
            listedInBase[stream] = baseStream.objects - count
            var entry = ReferencedObjects.Known(
                lines: try ReferencedObjects.tail(
                    of: paths.raw(base.runId) + "/" + baseStream.file.file,
                    listed: baseStream.objects - count, count: count),
                notFound: Set(baseStream.referenced?.notFound ?? []))
            for (id, change) in byStream[stream] ?? [:] where entry.lines[id] != nil {
                byStream[stream]?[id] = nil
                if let object = change { entry.lines[id] = object; continue }
                if let line = entry.lines[id], !Self.isDeletedStub(line) {
                    entry.lines[id] = nil
                    entry.notFound.insert(id)
                }
            }
            known[stream] = entry
        }
        var streams: [String: RawManifest.Stream] = [:]
        var summary: [String: RawManifest.Sync.StreamChanges] = [:]
        for spec in specs {
            let output = paths.rawFile(runId, stream: spec.name)
            guard let baseStream = baseManifest.streams[spec.name] else {
                throw ExtractError(.io, "base run \(base.runId) has no \(spec.name) stream; run with --full-refresh")
            }
            let basePath = paths.raw(base.runId) + "/" + baseStream.file.file
            var counts = RawManifest.Sync.StreamChanges()
            let written: (objects: Int, bytes: Int)
            if spec.name == "events" {
                written = try mergeEvents(basePath: basePath, new: events, output: output, oldest: nowUnix - Self.eventsKeptSeconds)
                counts.updated = events.count
            } else {
                let delta = byStream[spec.name] ?? [:]
                written = try mergeStream(
                    spec, basePath: basePath, listed: listedInBase[spec.name] ?? .max, delta: delta, output: output, counts: &counts)
            }
            summary[spec.name] = counts
            let file = try FileEntry.describe(path: output, relativeTo: directory)
            let requests = spec.name == "events" ? eventRequests : changes.filter { $0.stream == spec.name }.reduce(0) { $0 + $1.requests }
            streams[spec.name] = RawManifest.Stream(
                file: file, objects: written.objects, requests: requests, uncompressedBytes: written.bytes, windows: 1)
        }
        // 5. Customers, prices and products the facts name but no listing holds: the base's known
        //    ones carried over, newly missing ones retrieved by id.
        let retriever = ObjectRetriever(
            pipeline: pipeline, settings: settings, key: key, budget: budget, logger: logger, purpose: "referenced")
        let referenced = try ReferencedObjects(retriever: retriever, paths: paths, logger: logger).run(
            runId: runId, specs: specs, known: known)
        for (stream, added) in referenced {
            guard var entry = streams[stream] else { continue }
            entry.file = try FileEntry.describe(path: paths.rawFile(runId, stream: stream), relativeTo: directory)
            entry.objects += added.referenced.objects
            entry.requests += added.requests
            entry.uncompressedBytes += added.uncompressedBytes
            entry.referenced = added.referenced
            streams[stream] = entry
        }

        // The cursor: every event up to `newest` is applied (younger ones wait for the next run);
        // the ids applied in that very second are remembered, as `created[gte]` lists them again.
        let cursor = max(newest, base.cursor)
        var atCursor = cursor == base.cursor ? alreadySeen : []
        for event in events where event.created == cursor { atCursor.insert(event.id) }
        let changesFile = try FileEntry.describe(path: changesPath, relativeTo: directory)
        let sync = RawManifest.Sync(
            mode: "incremental", reason: nil, baseRun: base.runId, eventsCursor: cursor,
            eventsAtCursor: atCursor.sorted(), changes: changesFile, streams: summary)
        var manifest = RawManifest(
            runId: runId, pipeline: pipeline.name, stripeApiVersion: pipeline.stripe.apiVersion,
            accountId: accountId, livemode: pipeline.livemode, startedAt: startedAt,
            finishedAt: UTCDate.isoString(unixSeconds: Int64(now().timeIntervalSince1970)),
            apiBase: settings.apiBase, streams: streams)
        manifest.sync = sync
        try ManifestCoding.write(manifest, to: paths.rawManifest(runId))
        logger.info(
            "incremental extract complete",
            metadata: [
                "run.id": .string(runId), "base.run": .string(base.runId), "events": .stringConvertible(events.count),
                "objects.changed": .stringConvertible(changes.count), "requests": .stringConvertible(budget.counts.sent)
            ])
        return manifest
    }

    /// Retrieves `objects` by id; a 404 or a `deleted: true` answer is a tombstone.
    private func fetch(_ objects: [(stream: String, id: String)], specs: [StreamSpec]) throws -> [Change] {
        let retriever = ObjectRetriever(
            pipeline: pipeline, settings: settings, key: key, budget: budget, logger: logger, purpose: "incremental")
        return try retriever.retrieve(objects, specs: specs).map { retrieved in
            if case .object(let line) = retrieved.outcome {
                return Change(stream: retrieved.stream, id: retrieved.id, object: line, requests: retrieved.requests)
            }
            return Change(stream: retrieved.stream, id: retrieved.id, object: nil, requests: retrieved.requests)
        }
    }

    /// Whether `line` is a `deleted: true` stub (Stripe's answer for a deleted customer).
    static func isDeletedStub(_ line: [UInt8]) -> Bool {
        line.withUnsafeBytes { bytes in
            let document = JSONDocument(bytes)
            guard let root = try? document.root(validating: false), let value = (try? document.member(root, "deleted")) ?? nil else {
                return false
            }
            return (try? document.bool(value)) == true
        }
    }

    /// Where an object sits in a full listing of its stream: the pass that lists it, then newest
    /// first (`created` descending, then id descending).
    struct ListingKey: Comparable {
        var pass: Int
        var created: Int64
        var id: String

        static func < (a: ListingKey, b: ListingKey) -> Bool {
            if a.pass != b.pass { return a.pass < b.pass }
            if a.created != b.created { return a.created > b.created }
            return a.id > b.id
        }
    }

    static func listingKey(_ line: UnsafeRawBufferPointer, spec: StreamSpec) throws -> ListingKey {
        let document = JSONDocument(line)
        let root = try document.root(validating: false)
        let id = try document.member(root, "id").flatMap { try document.string($0) } ?? ""
        let created = try document.member(root, "created").flatMap { try document.int64($0) } ?? 0
        var pass = 0
        if spec.passes.count > 1 {
            // A pass is a filter such as active=true: the first pass whose filters the object matches.
            for (index, filters) in spec.passes.enumerated() {
                let matches = try filters.filter({ $0.0 != "expand[]" }).allSatisfy { name, value in
                    guard let member = try document.member(root, key: Array(name.utf8)) else { return false }
                    if let flag = try? document.bool(member) { return String(flag) == value }
                    return try document.string(member) == value
                }
                if matches { pass = index; break }
            }
        }
        return ListingKey(pass: pass, created: created, id: id)
    }

    /// Writes the base stream with every changed object replaced (at its place in listing order)
    /// and every tombstone removed.
    private func mergeStream(
        _ spec: StreamSpec, basePath: String, listed: Int, delta: [String: [UInt8]?], output: String,
        counts: inout RawManifest.Sync.StreamChanges
    ) throws -> (objects: Int, bytes: Int) {
        var inserts: [(key: ListingKey, line: [UInt8])] = []
        for (_, object) in delta {
            guard let object else { continue }
            inserts.append((try object.withUnsafeBytes { try Self.listingKey($0, spec: spec) }, object))
        }
        inserts.sort { $0.key < $1.key }
        var seenInBase = Set<String>()
        var next = 0
        let written = try writeLines(output) { emit in
            let reader = try ZstdLineReader(path: basePath)
            var read = 0
            while read < listed, let line = try reader.nextLine() {
                if line.isEmpty { continue }
                read += 1
                let key = try Self.listingKey(line, spec: spec)
                if let change = delta[key.id] {
                    seenInBase.insert(key.id)
                    if change == nil { counts.deleted += 1 }
                    continue
                }
                while next < inserts.count, inserts[next].key < key {
                    try emit(inserts[next].line)
                    next += 1
                }
                try emit(Array(line))
            }
            while next < inserts.count {
                try emit(inserts[next].line)
                next += 1
            }
        }
        for insert in inserts {
            if seenInBase.contains(insert.key.id) { counts.updated += 1 } else { counts.created += 1 }
        }
        return written
    }

    /// The new events (newest first) followed by the base's, each once, none older than Stripe keeps.
    private func mergeEvents(basePath: String, new: [(id: String, created: Int64, line: [UInt8])], output: String, oldest: Int64) throws
        -> (objects: Int, bytes: Int)
    {
        let sorted = new.sorted { ($0.created, $0.id) > ($1.created, $1.id) }
        let ids = Set(sorted.map(\.id))
        let spec = StreamSpec.named("events")!
        return try writeLines(output) { emit in
            var pending = sorted[...]
            let reader = try ZstdLineReader(path: basePath)
            while let line = try reader.nextLine() {
                if line.isEmpty { continue }
                let key = try Self.listingKey(line, spec: spec)
                if ids.contains(key.id) || key.created < oldest { continue }
                while let first = pending.first, ListingKey(pass: 0, created: first.created, id: first.id) < key {
                    try emit(first.line)
                    pending = pending.dropFirst()
                }
                try emit(Array(line))
            }
            for event in pending where event.created >= oldest { try emit(event.line) }
        }
    }

    /// Writes `path` atomically, one NDJSON line per `emit`, and returns the lines and bytes written.
    private func writeLines(_ path: String, _ body: (_ emit: ([UInt8]) throws -> Void) throws -> Void) throws -> (objects: Int, bytes: Int)
    {
        var objects = 0
        var bytes = 0
        try writeAtomically(path) { writer in
            try body { line in
                try writer.write(line + [10])
                objects += 1
                bytes += line.count + 1
            }
        }
        return (objects, bytes)
    }

    private func writeAtomically(_ path: String, _ body: (ZstdFileWriter) throws -> Void) throws {
        let temporary = AtomicFile.temporaryPath(for: path)
        do {
            let writer = try ZstdFileWriter(path: temporary)
            try body(writer)
            try writer.close()
            try AtomicFile.publish(temporary, as: path)
        } catch let error as ZstdError {
            try? FileManager.default.removeItem(atPath: temporary)
            throw ExtractError(.io, "cannot write \(path): \(error.message)")
        } catch let error as CoreError {
            try? FileManager.default.removeItem(atPath: temporary)
            throw ExtractError(.io, error.message)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }
}

/// JSON string quoting for ids (ids are ASCII in practice; escapes keep any byte valid).
enum JSONWriterQuote {
    static func quoted(_ text: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += Array("\\\"".utf8)
            case UInt8(ascii: "\\"): out += Array("\\\\".utf8)
            case 0..<0x20: out += Array(String(format: "\\u%04x", byte).utf8)
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return out
    }
}
