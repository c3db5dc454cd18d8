public import Core
import Digest
import Foundation
import JSON
import ModuleErrors
import Rates
import Zstd

/// The transform stage: one complete raw run in, staging rows + rejects + manifest out.
///
/// Reads `raw/<run_id>/` (refusing a run without `_manifest.json`, and verifying every input's
/// sha256 against it), maps each stream through the table schemas (schemas/*.json are the only
/// column list), and writes `staging/<run_id>/<table>.ndjson.zst`, `rejects.ndjson` and, last,
/// `_manifest.json`. Same raw input and same rates give byte-identical files.
///
/// Rates are pinned per run: the first transform of a run id copies the rates files it used into
/// `staging/<run_id>/rates/`; a re-run of that run id reuses the pinned copies (same bytes, same
/// sha256) unless `Options.refreshRates` asks for the current ones.
public struct TransformStage {
    public struct Options: Sendable {
        /// Validate each raw line's full JSON grammar (and that no object repeats a key) before mapping it. Off (the default), every line
        /// is still checked for balanced structure along the paths the mapping walks, and every value
        /// that reaches the output is validated (strings, numbers, JSON columns), so the output is
        /// always valid; only damage inside fields the mapping never reads goes unnoticed. On, such
        /// lines are rejected too, at about 10% of throughput.
        public var validateInput = false
        /// zstd level of the staging files.
        public var zstdLevel: Int32 = 1
        /// zstd worker threads for the staging files (0 = compress on the mapping thread). Output is
        /// identical for every value >= 1.
        public var compressionWorkers: Int32 = 1
        /// Use the pipeline's current rates even when the run id has pinned rates.
        public var refreshRates = false
        /// Threads mapping rows of one table (1 = on the reading thread). Tables whose mapping is
        /// independent per document (invoice and credit-note lines, prices) are cut into batches of
        /// lines mapped in parallel and written back in input order, so the files are byte-identical
        /// for every value. Customers and subscriptions (which share per-run lookups) use one thread.
        public var mappingThreads = min(2, max(1, ProcessInfo.processInfo.activeProcessorCount))

        public init() {}
    }

    public let pipeline: PipelineDefinition
    public let paths: RunPaths
    public let schemas: SchemaSet
    /// The ECB history to use when the run has no pinned rates (else `pipeline.fx.rates`).
    public let ratesPath: String?
    public let options: Options
    public let progress: (@Sendable (TransformProgress) -> Void)?

    public init(pipeline: PipelineDefinition, paths: RunPaths, schemas: SchemaSet, ratesPath: String? = nil,
                options: Options = Options(), progress: (@Sendable (TransformProgress) -> Void)? = nil) {
        self.pipeline = pipeline
        self.paths = paths
        self.schemas = schemas
        self.ratesPath = ratesPath
        self.options = options
        self.progress = progress
    }

    /// Transforms raw run `runId`; returns the manifest written and the run's figures.
    public func run(runId: String) throws -> TransformReport {
        try RunPaths.validate(runId: runId)
        let clock = ContinuousClock()
        let started = clock.now
        let rawDirectory = paths.raw(runId)
        let raw = try RawManifest.read(paths: paths, runId: runId)
        let rawManifestSha256 = try SHA256.hexOfFile(atPath: paths.rawManifest(runId))
        guard raw.runId == runId else {
            throw TransformError(.input, "\(paths.rawManifest(runId)) names run \(raw.runId), not \(runId); the raw run directory was copied or renamed")
        }
        guard let snapshotDay = UTCDate.parseDay(String(raw.finishedAt.prefix(10))) else {
            throw TransformError(.input, "\(paths.rawManifest(runId)): finished_at '\(raw.finishedAt)' does not start with a YYYY-MM-DD date")
        }
        for (stream, entry) in raw.streams where !FileManager.default.fileExists(atPath: rawDirectory + "/" + entry.file.file) {
            throw TransformError(.input, "\(rawDirectory)/\(entry.file.file) (stream \(stream)) is listed in the raw manifest but missing; re-run extract for \(runId)")
        }
        let verifier = InputVerifier(entries: raw.streams.mapValues(\.file), directory: rawDirectory)

        let staging = paths.staging(runId)
        let reporting = pipeline.fx.reportingCurrency.lowercased()
        guard let reportingExponent = Currency.exponent(of: reporting) else {
            throw TransformError(.rates, "fx.reporting_currency \(pipeline.fx.reportingCurrency) is not a currency Core knows; use an ISO code such as EUR or USD")
        }
        let pinned = try RatesPinning.resolve(stage: self, runId: runId)
        let rates = pinned.table
        do { try rates.validate(reporting: reporting) } catch {
            throw TransformError(.rates, "cannot convert into \(pipeline.fx.reportingCurrency) with \(pinned.description)", cause: error)
        }
        let settings = MappingSettings(
            identityKey: pipeline.transform.identityKey, livemode: pipeline.livemode,
            reportingCurrency: reporting, reportingExponent: reportingExponent,
            mrrDate: pipeline.fx.mrrDate, runDay: snapshotDay, mrrRule: pipeline.transform.mrrRule)
        var plans: [TablePlan] = []
        for schema in schemas.tables {
            do { plans.append(try TablePlan(schema: schema, settings: settings)) } catch {
                throw TransformError(.input, "cannot compile schema \(schema.path)", cause: error)
            }
        }

        // Everything above only reads: a configuration that fails its checks leaves a finished run
        // untouched. From here a re-run replaces the run: its old manifest goes first so no reader
        // trusts a half-new run.
        try AtomicFile.createDirectory(staging)
        if FileManager.default.fileExists(atPath: paths.stagingManifest(runId)) {
            try FileManager.default.removeItem(atPath: paths.stagingManifest(runId))
            AtomicFile.syncDirectory(of: paths.stagingManifest(runId))
        }
        let rejects = try RejectsFile(path: paths.stagingRejects(runId))

        var statistics = TransformStatistics()
        let catalog = TransformCatalog()
        var quality: [String: String] = [:]
        func rawPath(_ stream: String) -> String? {
            raw.streams[stream].map { rawDirectory + "/" + $0.file.file }
        }
        // Lookup streams feed no table: their unusable lines are rejects too (table null).
        var lookupRejects: [String: Int] = [:]
        func rejectLookup(_ stream: String) -> (Int, String?, RowReject) throws -> Void {
            { line, objectId, reject in
                lookupRejects["rejects.lookup.\(stream).\(reject.code.rawValue)", default: 0] += 1
                try rejects.add(table: nil, stream: stream, objectId: objectId, itemId: nil, line: line, code: reject.code.rawValue, reason: reject.message)
            }
        }
        var lookupObjects: [String: Int] = [:]
        if let path = rawPath("products") {
            let counts = try CatalogLoader.loadProducts(path: path, into: catalog, bytes: &statistics.inputBytes, reject: rejectLookup("products"))
            if counts.malformed > 0 { quality["lookup.products.unusable"] = String(counts.malformed) }
            lookupObjects["products"] = counts.objects
        }
        if let path = rawPath("coupons") {
            let counts = try CatalogLoader.loadCoupons(path: path, into: catalog, bytes: &statistics.inputBytes, reject: rejectLookup("coupons"))
            if counts.malformed > 0 { quality["lookup.coupons.unusable"] = String(counts.malformed) }
            lookupObjects["coupons"] = counts.objects
        }
        if let path = rawPath("prices") { try CatalogLoader.loadPriceTiers(path: path, into: catalog) }
        if let path = rawPath("invoices") { try CatalogLoader.loadInvoiceDiscounts(path: path, into: catalog) }
        if let path = rawPath("events") {
            let counts = try CatalogLoader.loadDeletedCustomers(path: path, into: catalog, bytes: &statistics.inputBytes, reject: rejectLookup("events"))
            if counts.malformed > 0 { quality["lookup.events.unusable"] = String(counts.malformed) }
            lookupObjects["events"] = counts.objects
        }
        for (key, n) in lookupRejects { quality[key] = String(n) }
        for (stream, read) in lookupObjects {
            if let entry = raw.streams[stream], read != entry.objects {
                throw Self.incompleteStream(stream, entry, read: read, rawDirectory: rawDirectory, manifest: paths.rawManifest(runId))
            }
        }
        let lookupRejectCount = lookupRejects.values.reduce(0, +)

        var tables: [String: StagingManifest.Table] = [:]
        var outputs: [(table: String, temporary: String, final: String)] = []
        var overRatio: [String] = []
        var tableRejects = 0
        for (schema, plan) in zip(schemas.tables, plans) {
            let final = paths.stagingFile(runId, table: schema.table)
            let temporary = AtomicFile.temporaryPath(for: final)
            let tableStart = clock.now
            // Lines rejected whole before mapping so that every primary key is written once (earlier
            // copies of a document, documents re-using a row id): found while mapping, so a table with
            // any is mapped a second time with them rejected (its first output is discarded).
            var losers: [Int: RowReject] = [:]
            var evaluator: RowEvaluator
            var extraEvaluators: [RowEvaluator] = []
            var counts = TableCounts()
            var tableBytes = 0
            while true {
                let mark = try rejects.checkpoint()
                evaluator = RowEvaluator(plan: plan, catalog: catalog, settings: settings, rates: rates, validateInput: options.validateInput)
                extraEvaluators = []
                counts = TableCounts()
                tableBytes = 0
                var keys = UniqueKeys(stream: schema.sourceStream, unit: plan.rowIdIsPrimaryKey ? plan.unit : nil)
                let writer = try ZstdFileWriter(path: temporary, level: options.zstdLevel, workers: options.compressionWorkers)
                let parallel = options.mappingThreads > 1 && schema.table != "customers" && evaluator.isDocumentIndependent
                if parallel, let path = rawPath(schema.sourceStream) {
                    extraEvaluators = (1..<options.mappingThreads).map { _ in
                        RowEvaluator(plan: plan, catalog: catalog, settings: settings, rates: rates, validateInput: options.validateInput)
                    }
                    tableBytes = try mapInParallel(path: path, evaluators: [evaluator] + extraEvaluators, table: schema.table,
                                                   stream: schema.sourceStream, losers: losers, keys: &keys, writer: writer, rejects: rejects, counts: &counts)
                } else if let path = rawPath(schema.sourceStream) {
                    let reader = try ZstdLineReader(path: path)
                    var deletedSeen = Set<String>()
                    let isCustomers = schema.table == "customers"
                    while let line = try reader.nextLine() {
                        tableBytes += line.count + 1
                        if line.isEmpty { continue }
                        counts.lines += 1
                        // A deleted stub retrieved for the facts that name it, when a customer.deleted
                        // event of the run holds the customer as it was: the event's copy (with its
                        // name, email, ...) is mapped below instead, once.
                        if isCustomers, !catalog.deletedCustomers.isEmpty, let id = Self.deletedStubId(line), catalog.deletedCustomers[id] != nil {
                            continue
                        }
                        evaluator.map(line: line, override: losers.isEmpty ? nil : losers[reader.lineNumber])
                        if isCustomers, !catalog.deletedCustomers.isEmpty, let id = evaluator.objectId(), catalog.deletedCustomers[id] != nil {
                            deletedSeen.insert(id)
                        }
                        if let key = evaluator.documentKey {
                            keys.add(line: reader.lineNumber, document: key, lineHash: evaluator.documentHash, rowKeys: evaluator.rowKeys[...], text: line)
                        }
                        try collect(evaluator, table: schema.table, stream: schema.sourceStream, line: reader.lineNumber,
                                    writer: writer, rejects: rejects, counts: &counts)
                    }
                    if isCustomers {
                        for id in catalog.deletedCustomerOrder where !deletedSeen.contains(id) {
                            guard let (line, object) = catalog.deletedCustomers[id] else { continue }
                            try object.withUnsafeBytes { bytes in
                                let document = JSONDocument(bytes)
                                evaluator.forceDeleted = true
                                evaluator.map(object: try document.root(), in: document)
                                evaluator.forceDeleted = false
                                try collect(evaluator, table: schema.table, stream: "events", line: line,
                                            writer: writer, rejects: rejects, counts: &counts)
                            }
                        }
                    }
                }
                if evaluator.out.count > 0 { try writer.write(evaluator.out.bytes); evaluator.out.removeAll() }
                try writer.close()
                let found = keys.losers()
                if found.isEmpty { break }
                guard losers.isEmpty else {
                    throw TransformError(.invariant, "table \(schema.table): mapped again without the \(losers.count) documents that repeated a key, it still repeats \(found.count); this is a bug in the transform, nothing was published; please report it with the raw run")
                }
                losers = found
                try rejects.rollback(to: mark)
            }
            // The raw side, independent of mapping: every object the raw manifest lists was read.
            if let entry = raw.streams[schema.sourceStream], counts.lines != entry.objects {
                throw Self.incompleteStream(schema.sourceStream, entry, read: counts.lines, rawDirectory: rawDirectory, manifest: paths.rawManifest(runId))
            }
            guard counts.rowsIn == counts.rowsOut + counts.rowsRejected else {
                throw TransformError(.invariant, "table \(schema.table): rows in \(counts.rowsIn) != rows out \(counts.rowsOut) + rows rejected \(counts.rowsRejected); this is a bug in the transform, nothing was published; please report it with the raw run")
            }
            tableRejects += counts.rowsRejected
            statistics.inputBytes += tableBytes
            statistics.tables.append(.init(table: schema.table, stream: schema.sourceStream, inputBytes: tableBytes,
                                           rowsIn: counts.rowsIn, rowsOut: counts.rowsOut, rowsRejected: counts.rowsRejected,
                                           seconds: Self.seconds(clock.now - tableStart)))
            outputs.append((schema.table, temporary, final))
            tables[schema.table] = StagingManifest.Table(
                file: FileEntry(file: "", bytes: 0, sha256: ""), schemaHash: schema.hash,
                rowsIn: counts.rowsIn, rowsOut: counts.rowsOut, rowsRejected: counts.rowsRejected)
            for (code, n) in counts.byCode { quality["rejects.\(schema.table).\(code)"] = String(n) }
            if plan.amountColumn != nil {
                // Per currency code, summed over every evaluator that mapped rows of the table.
                var sums: [String: (exponent: Int, raw: Int128, staged: Int128)] = [:]
                for e in [evaluator] + extraEvaluators {
                    for info in e.currencies {
                        var entry = sums[info.code] ?? (info.exponent, 0, 0)
                        entry.raw += e.rawAmountSums[info.serial]
                        entry.staged += e.stagedAmountSums[info.serial]
                        sums[info.code] = entry
                    }
                }
                for (code, entry) in sums {
                    let prefix = "\(schema.table).amount_sum.\(code)"
                    quality[prefix + ".raw"] = ExactDecimal(units: entry.raw, scale: entry.exponent).description
                    quality[prefix + ".staged"] = ExactDecimal(units: entry.staged, scale: entry.exponent).description
                    quality[prefix + ".rejected"] = ExactDecimal(units: entry.raw - entry.staged, scale: entry.exponent).description
                }
                // Rows of damaged documents whose amount cannot be read: the raw side above lacks them.
                let unreadable = ([evaluator] + extraEvaluators).reduce(0) { $0 + $1.unreadableAmountRows }
                if unreadable > 0 { quality["\(schema.table).amount_unreadable_rows"] = String(unreadable) }
            }
            if plan.fxArguments != nil {
                // Rows kept per conversion outcome (a missing rate never rejects a row).
                for outcome in RowEvaluator.FXOutcome.allCases {
                    let n = ([evaluator] + extraEvaluators).reduce(0) { $0 + $1.fxOutcomeCounts[outcome.rawValue] }
                    quality["\(schema.table).fx_status.\(outcome.text)"] = String(n)
                }
            }
            // Identical duplicates lose nothing (their kept copy is in the output): not counted here.
            let lost = counts.rowsRejected - counts.byCode[RejectCode.duplicate.rawValue, default: 0]
            if counts.rowsIn > 0, Double(lost) / Double(counts.rowsIn) > pipeline.transform.maxRejectRatio {
                overRatio.append("\(schema.table): \(lost) of \(counts.rowsIn) rejected")
            }
            progress?(TransformProgress(table: schema.table, rowsIn: counts.rowsIn, rowsOut: counts.rowsOut, rowsRejected: counts.rowsRejected))
        }
        try rejects.close()
        guard rejects.count == tableRejects + lookupRejectCount else {
            throw TransformError(.invariant, "\(rejects.temporaryPath) holds \(rejects.count) entries but the tables rejected \(tableRejects) rows and the lookups \(lookupRejectCount) lines; this is a bug in the transform, nothing was published; please report it with the raw run")
        }
        quality["rejects.top"] = rejects.topReasons(limit: 5)
        quality["fx.rates"] = pinned.description
        quality["mrr.rule"] = pipeline.transform.mrrRule.rawValue

        try verifier.wait()
        try AtomicFile.publish(rejects.temporaryPath, as: paths.stagingRejects(runId))
        if !overRatio.isEmpty {
            throw TransformError(.tooManyRejects, "too many rejected rows (transform.max_reject_ratio is \(pipeline.transform.maxRejectRatio)): \(overRatio.joined(separator: "; ")); see \(paths.stagingRejects(runId)) for each reason, fix the input or raise the ratio")
        }
        for output in outputs {
            try AtomicFile.publish(output.temporary, as: output.final)
            tables[output.table]?.file = try FileEntry.describe(path: output.final, relativeTo: staging)
        }
        try pinned.pin(into: staging)
        let manifest = StagingManifest(
            runId: runId, pipeline: pipeline.name, snapshotDate: UTCDate.dayString(snapshotDay),
            rawManifestSha256: rawManifestSha256, inputs: raw.streams.mapValues(\.file), tables: tables,
            rejects: try FileEntry.describe(path: paths.stagingRejects(runId), relativeTo: staging),
            reportingCurrency: pipeline.fx.reportingCurrency, ratesSha256: pinned.sha256, quality: quality)
        try ManifestCoding.write(manifest, to: paths.stagingManifest(runId))
        statistics.seconds = Self.seconds(clock.now - started)
        return TransformReport(manifest: manifest, statistics: statistics)
    }

    struct TableCounts {
        /// Non-empty raw lines read (objects of the stream).
        var lines = 0
        var rowsIn = 0
        var rowsOut = 0
        var rowsRejected = 0
        var byCode: [String: Int] = [:]
    }

    /// The id of a `{"id": ..., "deleted": true}` customer stub (any other line: nil).
    static func deletedStubId(_ line: UnsafeRawBufferPointer) -> String? {
        let document = JSONDocument(line)
        guard let root = try? document.root(validating: false), root.kind == .object,
              let deleted = (try? document.member(root, "deleted")) ?? nil, (try? document.bool(deleted)) == true,
              (try? document.member(root, "created")) ?? nil == nil,
              let id = (try? document.member(root, "id")) ?? nil, id.kind == .string else { return nil }
        return (try? document.string(id)) ?? nil
    }

    private func collect(_ evaluator: RowEvaluator, table: String, stream: String, line: Int,
                         writer: ZstdFileWriter, rejects: RejectsFile, counts: inout TableCounts) throws {
        counts.rowsIn += evaluator.unitsIn
        counts.rowsOut += evaluator.rowsOut
        if !evaluator.rejected.isEmpty {
            counts.rowsRejected += evaluator.rejected.count
            for r in evaluator.rejected {
                counts.byCode[r.reject.code.rawValue, default: 0] += 1
                try rejects.add(table: table, stream: stream, objectId: r.objectId, itemId: r.unitId, line: line, code: r.reject.code.rawValue, reason: r.reject.message)
            }
        }
        if evaluator.out.count >= 1 << 20 {
            try writer.write(evaluator.out.bytes)
            evaluator.out.removeAll()
        }
    }

    /// One batch of consecutive raw lines and, once mapped, its rows and rejects: a value that
    /// moves to a worker and back (its arrays keep their capacity from batch to batch).
    struct MapBatch: Sendable {
        var input: [UInt8] = []
        var lineEnds: [Int] = []
        var lineNumbers: [Int] = []
        /// Lines rejected whole before mapping (earlier copies of duplicated documents), by index.
        var overrides: [Int: RowReject] = [:]
        /// Documents whose rows were written: line index, id, text hash and the end of their row keys.
        var written: [(index: Int, key: UniqueKeys.Key, hash: UInt64, keysEnd: Int)] = []
        var rowKeys: [UInt64] = []
        var out: [UInt8] = []
        var rejected: [(line: Int, reject: RowEvaluator.Rejected)] = []
        var rowsIn = 0
        var rowsOut = 0

        static let targetBytes = 1 << 20

        init() {
            input.reserveCapacity(MapBatch.targetBytes + (1 << 16))
            out.reserveCapacity(1 << 16)
        }

        mutating func reset() {
            input.removeAll(keepingCapacity: true)
            lineEnds.removeAll(keepingCapacity: true)
            lineNumbers.removeAll(keepingCapacity: true)
            overrides.removeAll()
            written.removeAll(keepingCapacity: true)
            rowKeys.removeAll(keepingCapacity: true)
            out.removeAll(keepingCapacity: true)
            rejected.removeAll(keepingCapacity: true)
            rowsIn = 0
            rowsOut = 0
        }

        /// The text of line `index` of the batch.
        func withLine<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            let start = index == 0 ? 0 : lineEnds[index - 1]
            return try input.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<lineEnds[index]])) }
        }

        /// Maps every line with `evaluator` (on the worker that owns it).
        mutating func map(with evaluator: RowEvaluator) {
            evaluator.out.removeAll()
            input.withUnsafeBytes { input in
                var start = 0
                for (i, end) in lineEnds.enumerated() {
                    evaluator.map(line: UnsafeRawBufferPointer(rebasing: input[start..<end]),
                                  override: overrides.isEmpty ? nil : overrides[i])
                    start = end
                    rowsIn += evaluator.unitsIn
                    rowsOut += evaluator.rowsOut
                    for r in evaluator.rejected { rejected.append((lineNumbers[i], r)) }
                    if let key = evaluator.documentKey {
                        rowKeys.append(contentsOf: evaluator.rowKeys)
                        written.append((i, key, evaluator.documentHash, rowKeys.count))
                    }
                    // Between documents: the evaluator's buffer stays small (one copy lives in the batch).
                    if evaluator.out.count >= 1 << 16 {
                        out.appendBytes(evaluator.out.bytes)
                        evaluator.out.removeAll()
                    }
                }
            }
            out.appendBytes(evaluator.out.bytes)
            evaluator.out.removeAll()
        }
    }

    /// Maps a stream on `evaluators.count` worker threads (`OrderedWorkers`, each owning one
    /// evaluator): the calling thread reads and decompresses lines into batches, batch k goes to
    /// worker k mod n, and batches are written and their rejects recorded strictly in input order.
    /// At most 2n batches are in flight, so memory stays flat. Returns the stream's uncompressed
    /// bytes; the evaluators are back with the caller (their sums complete) when it returns.
    private func mapInParallel(path: String, evaluators: [RowEvaluator], table: String, stream: String,
                               losers: [Int: RowReject], keys: inout UniqueKeys, writer: ZstdFileWriter, rejects: RejectsFile, counts: inout TableCounts) throws -> Int {
        let workers = OrderedWorkers<RowEvaluator, MapBatch>(states: evaluators) { evaluator, batch in
            batch.map(with: evaluator)
        }
        // Every submitted batch is mapped, also after a failure, before the evaluators are used again.
        defer { _ = workers.finish() }
        var free: [MapBatch] = (0..<(2 * evaluators.count)).map { _ in MapBatch() }
        var inFlight = 0
        var bytes = 0
        var failure: (any Error)?

        func drainOldest() throws {
            inFlight -= 1
            var batch = try workers.next()
            defer { batch.reset(); free.append(batch) }
            if failure != nil { return }
            counts.rowsIn += batch.rowsIn
            counts.rowsOut += batch.rowsOut
            counts.rowsRejected += batch.rejected.count
            for (line, r) in batch.rejected {
                counts.byCode[r.reject.code.rawValue, default: 0] += 1
                try rejects.add(table: table, stream: stream, objectId: r.objectId, itemId: r.unitId, line: line,
                                code: r.reject.code.rawValue, reason: r.reject.message)
            }
            if !batch.out.isEmpty { try batch.out.withUnsafeBytes { try writer.write($0) } }
            var keysStart = 0
            for w in batch.written {
                batch.withLine(w.index) { text in
                    keys.add(line: batch.lineNumbers[w.index], document: w.key, lineHash: w.hash, rowKeys: batch.rowKeys[keysStart..<w.keysEnd], text: text)
                }
                keysStart = w.keysEnd
            }
        }
        func next() throws -> MapBatch {
            if free.isEmpty { try drainOldest() }
            return free.removeLast()
        }

        do {
            let reader = try ZstdLineReader(path: path)
            var batch = try next()
            while let line = try reader.nextLine() {
                bytes += line.count + 1
                if line.isEmpty { continue }
                counts.lines += 1
                batch.input.appendBytes(line)
                batch.lineEnds.append(batch.input.count)
                batch.lineNumbers.append(reader.lineNumber)
                if !losers.isEmpty, let reject = losers[reader.lineNumber] { batch.overrides[batch.lineEnds.count - 1] = reject }
                if batch.input.count >= MapBatch.targetBytes {
                    var full = try next()
                    swap(&full, &batch)
                    workers.submit(full)
                    inFlight += 1
                }
            }
            if !batch.lineEnds.isEmpty {
                workers.submit(batch)
                inFlight += 1
            }
        } catch {
            failure = error
        }
        while inFlight > 0 {
            do { try drainOldest() } catch { if failure == nil { failure = error } }
        }
        if let failure { throw failure }
        return bytes
    }

    static func incompleteStream(_ stream: String, _ entry: RawManifest.Stream, read: Int, rawDirectory: String, manifest: String) -> TransformError {
        TransformError(.input, "\(rawDirectory)/\(entry.file.file) (stream \(stream)) holds \(read) objects but \(manifest) lists \(entry.objects): the raw run is incomplete or damaged; re-extract it")
    }

    static func seconds(_ duration: Duration) -> Double {
        let (s, atto) = duration.components
        return Double(s) + Double(atto) / 1e18
    }
}

/// Rows of one table so far; reported after each table.
public struct TransformProgress: Sendable {
    public let table: String
    public let rowsIn: Int
    public let rowsOut: Int
    public let rowsRejected: Int
}

/// The manifest written and the figures of the run.
public struct TransformReport: Sendable {
    public let manifest: StagingManifest
    public let statistics: TransformStatistics
}

public struct TransformStatistics: Sendable {
    public struct Table: Sendable {
        public let table: String
        public let stream: String
        /// Uncompressed NDJSON bytes of the source stream.
        public let inputBytes: Int
        public let rowsIn: Int
        public let rowsOut: Int
        public let rowsRejected: Int
        /// Wall time of the table.
        public let seconds: Double

        public var megabytesPerSecond: Double { seconds > 0 ? Double(inputBytes) / 1e6 / seconds : 0 }
        public var rowsPerSecond: Double { seconds > 0 ? Double(rowsOut) / seconds : 0 }
    }

    /// Uncompressed raw bytes read, all streams.
    public var inputBytes = 0
    public var tables: [Table] = []
    /// Wall time of the whole run, including checksums and publishing.
    public var seconds = 0.0
}
