public import Core
import Extract
import Foundation
import JSON
public import Load
import Transform
import Zstd

/// What a finished run prints: tables, rows, partitions, MRR, data quality and where the files are.
public struct RunSummary {
    public struct Table {
        public var name: String
        public var rows: Int
        public var rejected: Int
        public var partitions: Int
        /// Against the base run: partitions written, carried over unchanged, and gone.
        public var changes: WarehouseManifest.PartitionChanges?
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
            let rescaled =
                d.scale <= scale
                ? WideInt(d.units) * WideInt.pow10(scale - d.scale)
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
            return Table(
                name: schema.table, rows: staged?.rowsOut ?? 0, rejected: staged?.rowsRejected ?? 0,
                partitions: loaded?.partitions.count ?? 0,
                // Dimension tables are a new snapshot every run: nothing to carry over.
                changes: loaded?.partitionBy == "snapshot" ? nil : loaded?.partitionChanges)
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
        var parser = JSONParser()
        try ZstdLineReader(path: path).forEachLine { line in
            try parser.parse(line) { document, root in
                let status = try document.member(root, "mrr_status").flatMap { try document.string($0) } ?? "unknown"
                var group = groups[status] ?? MRRGroup(status: status)
                group.items += 1
                defer { groups[status] = group }
                guard let currencyValue = try document.member(root, "currency"), let currency = try document.string(currencyValue),
                    let mrrValue = try document.member(root, "mrr"), let mrrText = try document.string(mrrValue)
                else { return }
                if status == "counted" { byCurrency[currency, default: WideSum(scale: 6)].add(mrrText) }
                if let value = try document.member(root, "mrr_reporting"), let text = try document.string(value) {
                    group.reporting.add(text)
                    if reporting == nil { reporting = WideSum(scale: 3) }
                    reporting?.add(text)
                } else {
                    group.unconverted += 1
                }
            }
        }
        let sorted = byCurrency.keys.sorted().map { (currency: $0, mrr: byCurrency[$0]!) }
        let order = ["counted", "trialing", "paused", "churned", "incomplete", "metered", "unknown"]
        let sortedGroups = groups.values.sorted {
            (order.firstIndex(of: $0.status) ?? 99, $0.status) < (order.firstIndex(of: $1.status) ?? 99, $1.status)
        }
        return (sorted, sortedGroups, reporting)
    }

    /// The text printed at the end of a run.
    public var text: String {
        var out = "Run \(runId) complete.\n"
        if let sync {
            if sync.mode == "incremental" {
                out +=
                    "Incremental run on top of \(sync.baseRun ?? "?") (events up to \(UTCDate.isoString(unixSeconds: sync.eventsCursor))); objects created/updated/deleted:\n"
                for stream in sync.streams.keys.sorted() where stream != "events" {
                    let c = sync.streams[stream]!
                    out += "  \(stream.padding(toLength: 18, withPad: " ", startingAt: 0)) \(c.created) / \(c.updated) / \(c.deleted)\n"
                }
            } else {
                let loud =
                    (sync.reason ?? "").contains("older than the events retention") || (sync.reason ?? "").contains("no complete raw files")
                out += (loud ? "WARNING: FULL REFRESH: " : "Full extract: ") + (sync.reason ?? "") + "\n"
            }
        }
        out += "\nTables (rows, rejected, partitions):\n"
        for table in tables {
            out +=
                "  \(table.name.padding(toLength: 18, withPad: " ", startingAt: 0)) \(String(table.rows).leftPad(9)) rows  \(String(table.rejected).leftPad(6)) rejected  \(String(table.partitions).leftPad(4)) partitions"
            if let changes = table.changes, changes.carriedOver > 0 || !changes.removed.isEmpty {
                // Only the partitions with changed rows were written; the others' files are the base run's.
                out +=
                    ": \(changes.rewritten) rewritten, \(changes.carriedOver) carried over"
                    + (changes.removed.isEmpty ? "" : ", \(changes.removed.count) removed")
            }
            out += "\n"
        }
        if !mrrGroups.isEmpty {
            let rule = quality["mrr.rule"] ?? "stripe"
            out +=
                "\nMRR (transform.mrr_rule: \(rule); counted = active and past_due licensed items\(rule == "stripe" ? " without pause_collection, net of forever discounts" : ", pause_collection included, net of forever and running repeating discounts")):\n"
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
                    out +=
                        "    \(group.status.padding(toLength: 11, withPad: " ", startingAt: 0)) \(String(group.items).leftPad(7)) \(group.reporting.description.leftPad(16))\(note)\n"
                }
                if let mrrReporting {
                    out += "  total in \(reportingCurrency): \(mrrReporting) (the sum of the groups)\n"
                }
            }
        }
        out += "\nReconciliation (sum of amounts in major units: raw Stripe objects vs output rows):\n"
        out +=
            "  " + "table".padding(toLength: 18, withPad: " ", startingAt: 0) + " ccy " + "raw".leftPad(16) + "output".leftPad(16)
            + "rejected".leftPad(14) + "\n"
        for key in quality.keys.sorted() where key.hasSuffix(".raw") && key.contains(".amount_sum.") {
            let base = String(key.dropLast(".raw".count))
            let parts = base.components(separatedBy: ".amount_sum.")
            guard parts.count == 2 else { continue }
            out +=
                "  " + parts[0].padding(toLength: 18, withPad: " ", startingAt: 0) + " " + parts[1].uppercased()
                + quality[key]!.leftPad(16) + (quality[base + ".staged"] ?? "?").leftPad(16)
                + (quality[base + ".rejected"] ?? "?").leftPad(14) + "\n"
        }
        for key in quality.keys.sorted() where key.hasSuffix(".amount_unreadable_rows") {
            out +=
                "  \(key.dropLast(".amount_unreadable_rows".count)): \(quality[key]!) rows of damaged documents have no readable amount (not in the raw column)\n"
        }
        out += "\nRejects: \(tables.reduce(0) { $0 + $1.rejected }) rows; top reasons: \(quality["rejects.top"] ?? "none")\n"
        if let rates = quality["fx.rates"] { out += "Exchange rates: \(rates)\n" }
        var unconverted: [String] = []
        for key in quality.keys.sorted() where key.contains(".fx_status.") && !key.hasSuffix(".converted") {
            if let n = Int(quality[key] ?? ""), n > 0 {
                unconverted.append("\(key.replacingOccurrences(of: ".fx_status.", with: " ")) \(n)")
            }
        }
        if !unconverted.isEmpty {
            out += "  rows kept without a rate (fx_status; _reporting columns null): \(unconverted.joined(separator: ", "))\n"
        }
        out += "  rejected rows and their reasons: \(rejectsFile)\n"
        if isDelta {
            out += "\nDelta Lake tables: \(warehouse)/<table>/ (one version per run; _delta_log/ holds the commits)\n"
            out +=
                "Query them:\n  python3 -c \"from deltalake import DeltaTable; print(DeltaTable('\(warehouse)/invoice_lines').to_pyarrow_table().num_rows)\"\n"
            return out
        }
        out += "\nFiles: \(warehouse)/<table>/<partition>=<value>/part-*.parquet\n"
        out +=
            "Query them (billed revenue per currency: drafts and voids excluded, net of discounts, without tax; README has finance's queries):\n  python3 -c \"import duckdb; print(duckdb.sql(\\\"SELECT currency, count(*), sum(amount_excluding_tax_major - discount_amount_major) FROM read_parquet('\(warehouse)/invoice_lines/*/*.parquet', hive_partitioning=true) WHERE invoice_status NOT IN ('draft', 'void') GROUP BY 1 ORDER BY 1\\\"))\"\n"
        return out
    }
}

private extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
