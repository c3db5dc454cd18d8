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

    public init(
        pipeline: PipelineDefinition, paths: RunPaths, schemas: SchemaSet, ratesPath: String? = nil,
        options: Options = Options(), progress: (@Sendable (TransformProgress) -> Void)? = nil
    ) {
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
            throw TransformError(
                .input, "\(paths.rawManifest(runId)) names run \(raw.runId), not \(runId); the raw run directory was copied or renamed")
        }
        guard let snapshotDay = UTCDate.parseDay(String(raw.finishedAt.prefix(10))) else {
            throw TransformError(
                .input, "\(paths.rawManifest(runId)): finished_at '\(raw.finishedAt)' does not start with a YYYY-MM-DD date")
        }
        for (stream, entry) in raw.streams where !FileManager.default.fileExists(atPath: rawDirectory + "/" + entry.file.file) {
            throw TransformError(
                .input,
                "\(rawDirectory)/\(entry.file.file) (stream \(stream)) is listed in the raw manifest but missing; re-run extract for \(runId)"
            )
        }
        let verifier = InputVerifier(entries: raw.streams.mapValues(\.file), directory: rawDirectory)

        let staging = paths.staging(runId)
        let reporting = pipeline.fx.reportingCurrency.lowercased()
        guard let reportingExponent = Currency.exponent(of: reporting) else {
            throw TransformError(
                .rates,
                "fx.reporting_currency \(pipeline.fx.reportingCurrency) is not a currency Core knows; use an ISO code such as EUR or USD")
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
        let context = MappingContext(
            raw: raw, rawDirectory: rawDirectory, rawManifestPath: paths.rawManifest(runId),
            catalog: catalog, settings: settings, rates: rates, rejects: rejects)
        let lookups = try loadLookups(context, inputBytes: &statistics.inputBytes)
        var quality = lookups.quality
        let lookupRejectCount = lookups.rejects

        var tables: [String: StagingManifest.Table] = [:]
        var outputs: [(table: String, temporary: String, final: String)] = []
        var overRatio: [String] = []
        var tableRejects = 0
        for (schema, plan) in zip(schemas.tables, plans) {
            let tableStart = clock.now
            let mapped = try mapTable(schema, plan: plan, runId: runId, context: context)
            let counts = mapped.counts
            tableRejects += counts.rowsRejected
            statistics.inputBytes += mapped.inputBytes
            statistics.tables.append(
                .init(
                    table: schema.table, stream: schema.sourceStream, inputBytes: mapped.inputBytes,
                    rowsIn: counts.rowsIn, rowsOut: counts.rowsOut, rowsRejected: counts.rowsRejected,
                    seconds: Self.seconds(clock.now - tableStart)))
            outputs.append((schema.table, mapped.temporary, mapped.final))
            tables[schema.table] = StagingManifest.Table(
                file: FileEntry(file: "", bytes: 0, sha256: ""), schemaHash: schema.hash,
                rowsIn: counts.rowsIn, rowsOut: counts.rowsOut, rowsRejected: counts.rowsRejected)
            quality.merge(mapped.quality) { $1 }
            // Identical duplicates lose nothing (their kept copy is in the output): not counted here.
            let lost = counts.rowsRejected - counts.byCode[RejectCode.duplicate.rawValue, default: 0]
            if counts.rowsIn > 0, Double(lost) / Double(counts.rowsIn) > pipeline.transform.maxRejectRatio {
                overRatio.append("\(schema.table): \(lost) of \(counts.rowsIn) rejected")
            }
            progress?(
                TransformProgress(table: schema.table, rowsIn: counts.rowsIn, rowsOut: counts.rowsOut, rowsRejected: counts.rowsRejected))
        }
        try rejects.close()
        guard rejects.count == tableRejects + lookupRejectCount else {
            throw TransformError(
                .invariant,
                "\(rejects.temporaryPath) holds \(rejects.count) entries but the tables rejected \(tableRejects) rows and the lookups \(lookupRejectCount) lines; this is a bug in the transform, nothing was published; please report it with the raw run"
            )
        }
        quality["rejects.top"] = rejects.topReasons(limit: 5)
        quality["fx.rates"] = pinned.description
        quality["mrr.rule"] = pipeline.transform.mrrRule.rawValue

        try verifier.wait()
        try AtomicFile.publish(rejects.temporaryPath, as: paths.stagingRejects(runId))
        if !overRatio.isEmpty {
            throw TransformError(
                .tooManyRejects,
                "too many rejected rows (transform.max_reject_ratio is \(pipeline.transform.maxRejectRatio)): \(overRatio.joined(separator: "; ")); see \(paths.stagingRejects(runId)) for each reason, fix the input or raise the ratio"
            )
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

    static func incompleteStream(_ stream: String, _ entry: RawManifest.Stream, read: Int, rawDirectory: String, manifest: String)
        -> TransformError
    {
        TransformError(
            .input,
            "\(rawDirectory)/\(entry.file.file) (stream \(stream)) holds \(read) objects but \(manifest) lists \(entry.objects): the raw run is incomplete or damaged; re-extract it"
        )
    }

    static func seconds(_ duration: Duration) -> Double {
        let (s, atto) = duration.components
        return Double(s) + Double(atto) / 1e18
    }
}
