public import Foundation
public import Core
import Extract
import JSON
import Load
import Logging
import Transform
import Zstd

/// `stripe-etl run`: extract, transform and load for one run id, under the output's lock, each as
/// its own step with its own manifest; stops at the first failed stage.
public struct PipelineRunner {
    public let context: StageContext

    public init(context: StageContext) { self.context = context }

    /// Runs (or resumes) every stage. A stage whose manifest exists is kept unless `redo` is set
    /// (extract is never redone: a finished raw run is the record of what Stripe returned).
    public func run(runId given: String?, apiBase: String?, redo: Bool = false, fullRefresh: Bool = false,
                    now: @Sendable () -> Date = { Date() }) throws -> RunSummary {
        let lock = try context.lockOutput("stripe-etl run")
        defer { withExtendedLifetime(lock) {} }
        let paths = context.paths
        let runId = try context.resumeOrNewRunId(given) { paths.isPublished($0) }
        lock.note("stripe-etl run \(context.pipeline.name) \(runId)")
        let logger = context.logger
        logger.info("run started", metadata: ["run.id": .string(runId), "pipeline": .string(context.pipeline.name)])

        let mode = try chooseMode(runId: runId, fullRefresh: fullRefresh, now: Int64(now().timeIntervalSince1970))
        let raw = try Stages.extract(context, runId: runId, apiBase: apiBase, mode: mode)
        logger.info("stage finished", metadata: ["run.id": .string(runId), "stage": "extract", "objects": .stringConvertible(raw.streams.values.reduce(0) { $0 + $1.objects })])

        // A finished transform is kept only if it passes today's reject check: a run that failed it
        // (exit 65) is transformed again when resumed, so a fixed configuration takes effect and
        // rejected data is never loaded.
        var kept: StagingManifest? = nil
        if !redo, FileManager.default.fileExists(atPath: context.paths.stagingManifest(runId)) {
            let existing = try StagingManifest.read(paths: context.paths, runId: runId)
            if (try? Stages.checkRejectRatio(context, runId: runId, existing)) != nil {
                kept = existing
                logger.info("transform already complete", metadata: ["run.id": .string(runId)])
            }
        }
        let staging: StagingManifest
        if let kept {
            staging = kept
        } else {
            RatesRefresh.refreshIfDue(context)
            staging = try Stages.transform(context, runId: runId).manifest
        }
        logger.info("stage finished", metadata: ["run.id": .string(runId), "stage": "transform", "rows": .stringConvertible(staging.tables.values.reduce(0) { $0 + $1.rowsOut })])

        let loaded = try Stages.load(context, runId: runId)
        logger.info("stage finished", metadata: ["run.id": .string(runId), "stage": "load", "manifest": .string(loaded.manifestPath)])
        try advanceState(runId: runId, raw: raw, now: Int64(now().timeIntervalSince1970))
        var summary = try RunSummary(context: context, runId: runId, staging: staging, warehouse: loaded.manifest)
        summary.sync = raw.sync
        return summary
    }

    /// Full or incremental, from the pipeline state (see `PipelineState.decide`); a forced full
    /// refresh because the cursor is too old is a warning, in the log and in the summary.
    private func chooseMode(runId: String, fullRefresh: Bool, now: Int64) throws -> ExtractStage.Mode {
        let paths = context.paths
        if FileManager.default.fileExists(atPath: paths.rawManifest(runId)) { return .full(reason: "extract already complete") }
        let state = try PipelineState.load(paths)
        let decision = PipelineState.decide(state, pipeline: context.pipeline, fullRefresh: fullRefresh, now: now) { base in
            guard base != runId, FileManager.default.fileExists(atPath: paths.rawManifest(base)) else { return nil }
            return try? RawManifest.read(paths: paths, runId: base)
        }
        switch decision {
        case .full(let reason, let loud):
            if loud {
                context.logger.warning("FULL REFRESH: \(reason)", metadata: ["run.id": .string(runId)])
            } else {
                context.logger.info("full extract", metadata: ["run.id": .string(runId), "reason": .string(reason)])
            }
            return .full(reason: reason)
        case .incremental(let base, let cursor, let atCursor):
            return .incremental(IncrementalExtract.Base(runId: base, cursor: cursor, eventsAtCursor: atCursor))
        }
    }

    /// After a publish: this run is the base of the next one.
    private func advanceState(runId: String, raw: RawManifest, now: Int64) throws {
        guard let sync = raw.sync else { return }
        let previous = try PipelineState.load(context.paths)
        let full = sync.mode == "full"
        let state = PipelineState(baseRun: runId, eventsCursor: sync.eventsCursor, eventsAtCursor: sync.eventsAtCursor,
                                  lastFullRun: full ? runId : previous?.lastFullRun ?? runId,
                                  // When the full run read the account (its events cursor: the extract's start less
                                  // the lag), not when it was published: a re-published old run keeps its age.
                                  lastFullRefreshAt: full ? min(sync.eventsCursor, now) : previous?.lastFullRefreshAt ?? now)
        try state.save(context.paths)
    }
}

/// What a finished run prints: tables, rows, partitions, MRR, data quality and where the files are.
public struct RunSummary {
    public struct Table {
        public var name: String
        public var rows: Int
        public var rejected: Int
        public var partitions: Int
        public var files: Int
    }

    public var runId: String
    public var tables: [Table]
    /// An exact sum too large for 128 bits: units at `scale` decimals.
    public struct WideSum: CustomStringConvertible {
        public var units = WideInt.zero
        public var scale: Int
        public var description: String {
            let digits = units.description
            let negative = digits.hasPrefix("-")
            var body = negative ? String(digits.dropFirst()) : digits
            if scale > 0 {
                if body.count <= scale { body = String(repeating: "0", count: scale - body.count + 1) + body }
                body.insert(".", at: body.index(body.endIndex, offsetBy: -scale))
            }
            return negative ? "-" + body : body
        }
        mutating func add(_ text: String) {
            guard let d = ExactDecimal(parsing: text) else { return }
            let rescaled = d.scale <= scale ? WideInt(d.units) * WideInt.pow10(scale - d.scale)
                                            : WideInt.divideHalfEven(WideInt(d.units), WideInt.pow10(d.scale - scale))
            units = units + rescaled
        }
    }

    /// MRR items of one mrr_status: how many, their MRR in the reporting currency, and how many had
    /// no conversion (fx_status) or no MRR (null).
    public struct MRRGroup {
        public var status: String
        public var items = 0
        public var reporting = WideSum(scale: 3)
        public var unconverted = 0
    }

    /// Currency -> MRR of counted items in that currency (major units).
    public var mrrByCurrency: [(currency: String, mrr: WideSum)]
    public var mrrGroups: [MRRGroup]
    public var mrrReporting: WideSum?
    public var reportingCurrency: String?
    public var quality: [String: String]
    public var warehouse: String
    /// `load.format: delta`: the tables are Delta Lake tables under `warehouse`.
    public var isDelta = false
    public var rejectsFile: String
    /// Full or incremental, and what changed (nil for raw runs written before incremental runs).
    public var sync: RawManifest.Sync?

    init(context: StageContext, runId: String, staging: StagingManifest, warehouse: WarehouseManifest) throws {
        self.runId = runId
        tables = context.schemas.tables.map { schema in
            let staged = staging.tables[schema.table]
            let loaded = warehouse.tables[schema.table]
            return Table(name: schema.table, rows: staged?.rowsOut ?? 0, rejected: staged?.rowsRejected ?? 0,
                         partitions: loaded?.partitions.count ?? 0, files: loaded?.partitions.count ?? 0)
        }
        reportingCurrency = staging.reportingCurrency
        quality = staging.quality
        isDelta = warehouse.format == PipelineDefinition.OutputFormat.delta.rawValue
        self.warehouse = isDelta ? context.paths.root + "/delta" : context.paths.warehouse
        rejectsFile = context.paths.stagingRejects(runId)
        (mrrByCurrency, mrrGroups, mrrReporting) = try Self.sumMRR(context.paths.stagingFile(runId, table: "subscriptions"))
    }

    /// Sums the subscriptions table's `mrr` per `currency` and its `mrr_reporting` per `mrr_status`,
    /// exactly (wide sums: an MRR column holds up to 38 digits).
    static func sumMRR(_ path: String) throws -> ([(currency: String, mrr: WideSum)], [MRRGroup], WideSum?) {
        guard FileManager.default.fileExists(atPath: path) else { return ([], [], nil) }
        var byCurrency: [String: WideSum] = [:]
        var groups: [String: MRRGroup] = [:]
        var reporting: WideSum? = nil
        let parser = JSONParser()
        try ZstdLineReader(path: path).forEachLine { line in
            let (document, root) = try parser.parse(line)
            let status = try document.member(root, "mrr_status").flatMap { try document.string($0) } ?? "unknown"
            var group = groups[status] ?? MRRGroup(status: status)
            group.items += 1
            defer { groups[status] = group }
            guard let currencyValue = try document.member(root, "currency"), let currency = try document.string(currencyValue),
                  let mrrValue = try document.member(root, "mrr"), let mrrText = try document.string(mrrValue) else { return }
            if status == "counted" { byCurrency[currency, default: WideSum(scale: 6)].add(mrrText) }
            if let value = try document.member(root, "mrr_reporting"), let text = try document.string(value) {
                group.reporting.add(text)
                if reporting == nil { reporting = WideSum(scale: 3) }
                reporting?.add(text)
            } else {
                group.unconverted += 1
            }
        }
        let sorted = byCurrency.keys.sorted().map { (currency: $0, mrr: byCurrency[$0]!) }
        let order = ["counted", "trialing", "paused", "churned", "incomplete", "metered", "unknown"]
        let sortedGroups = groups.values.sorted { (order.firstIndex(of: $0.status) ?? 99, $0.status) < (order.firstIndex(of: $1.status) ?? 99, $1.status) }
        return (sorted, sortedGroups, reporting)
    }

    /// The text printed at the end of a run.
    public var text: String {
        var out = "Run \(runId) complete.\n"
        if let sync {
            if sync.mode == "incremental" {
                out += "Incremental run on top of \(sync.baseRun ?? "?") (events up to \(UTCDate.isoString(unixSeconds: sync.eventsCursor))); objects created/updated/deleted:\n"
                for stream in sync.streams.keys.sorted() where stream != "events" {
                    let c = sync.streams[stream]!
                    out += "  \(stream.padding(toLength: 18, withPad: " ", startingAt: 0)) \(c.created) / \(c.updated) / \(c.deleted)\n"
                }
            } else {
                let loud = (sync.reason ?? "").contains("older than the events retention") || (sync.reason ?? "").contains("no complete raw files")
                out += (loud ? "WARNING: FULL REFRESH: " : "Full extract: ") + (sync.reason ?? "") + "\n"
            }
        }
        out += "\nTables (rows, rejected, partitions):\n"
        for table in tables {
            out += "  \(table.name.padding(toLength: 18, withPad: " ", startingAt: 0)) \(String(table.rows).leftPad(9)) rows  \(String(table.rejected).leftPad(6)) rejected  \(String(table.partitions).leftPad(4)) partitions\n"
        }
        if !mrrGroups.isEmpty {
            let rule = quality["mrr.rule"] ?? "stripe"
            out += "\nMRR (transform.mrr_rule: \(rule); counted = active and past_due licensed items\(rule == "stripe" ? " without pause_collection, net of forever discounts" : ", pause_collection included, net of forever and running repeating discounts")):\n"
            for (currency, mrr) in mrrByCurrency {
                let exponent = Currency.exponent(of: currency) ?? 2
                var rounded = mrr
                rounded.units = WideInt.divideHalfEven(mrr.units, WideInt.pow10(mrr.scale - exponent))
                rounded.scale = exponent
                out += "  \(currency.uppercased())  \(rounded.description.leftPad(16))\n"
            }
            if let reportingCurrency {
                out += "  by mrr_status (items, MRR in \(reportingCurrency)):\n"
                for group in mrrGroups {
                    let note = group.unconverted > 0 ? "  (\(group.unconverted) without mrr_reporting: mrr unknown or no rate)" : ""
                    out += "    \(group.status.padding(toLength: 11, withPad: " ", startingAt: 0)) \(String(group.items).leftPad(7)) \(group.reporting.description.leftPad(16))\(note)\n"
                }
                if let mrrReporting {
                    out += "  total in \(reportingCurrency): \(mrrReporting) (the sum of the groups)\n"
                }
            }
        }
        out += "\nReconciliation (sum of amounts in major units: raw Stripe objects vs output rows):\n"
        out += "  " + "table".padding(toLength: 18, withPad: " ", startingAt: 0) + " ccy " + "raw".leftPad(16) + "output".leftPad(16) + "rejected".leftPad(14) + "\n"
        for key in quality.keys.sorted() where key.hasSuffix(".raw") && key.contains(".amount_sum.") {
            let base = String(key.dropLast(".raw".count))
            let parts = base.components(separatedBy: ".amount_sum.")
            guard parts.count == 2 else { continue }
            out += "  " + parts[0].padding(toLength: 18, withPad: " ", startingAt: 0) + " " + parts[1].uppercased()
                + quality[key]!.leftPad(16) + (quality[base + ".staged"] ?? "?").leftPad(16) + (quality[base + ".rejected"] ?? "?").leftPad(14) + "\n"
        }
        for key in quality.keys.sorted() where key.hasSuffix(".amount_unreadable_rows") {
            out += "  \(key.dropLast(".amount_unreadable_rows".count)): \(quality[key]!) rows of damaged documents have no readable amount (not in the raw column)\n"
        }
        out += "\nRejects: \(tables.reduce(0) { $0 + $1.rejected }) rows; top reasons: \(quality["rejects.top"] ?? "none")\n"
        if let rates = quality["fx.rates"] { out += "Exchange rates: \(rates)\n" }
        var unconverted: [String] = []
        for key in quality.keys.sorted() where key.contains(".fx_status.") && !key.hasSuffix(".converted") {
            if let n = Int(quality[key] ?? ""), n > 0 { unconverted.append("\(key.replacingOccurrences(of: ".fx_status.", with: " ")) \(n)") }
        }
        if !unconverted.isEmpty {
            out += "  rows kept without a rate (fx_status; _reporting columns null): \(unconverted.joined(separator: ", "))\n"
        }
        out += "  rejected rows and their reasons: \(rejectsFile)\n"
        if isDelta {
            out += "\nDelta Lake tables: \(warehouse)/<table>/ (one version per run; _delta_log/ holds the commits)\n"
            out += "Query them:\n  python3 -c \"from deltalake import DeltaTable; print(DeltaTable('\(warehouse)/invoice_lines').to_pyarrow_table().num_rows)\"\n"
            return out
        }
        out += "\nFiles: \(warehouse)/<table>/<partition>=<value>/part-*.parquet\n"
        out += "Query them (billed revenue per currency: drafts and voids excluded, net of discounts, without tax; README has finance's queries):\n  python3 -c \"import duckdb; print(duckdb.sql(\\\"SELECT currency, count(*), sum(amount_excluding_tax_major - discount_amount_major) FROM read_parquet('\(warehouse)/invoice_lines/*/*.parquet', hive_partitioning=true) WHERE invoice_status NOT IN ('draft', 'void') GROUP BY 1 ORDER BY 1\\\"))\"\n"
        return out
    }
}

private extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
