import Foundation
import ModuleErrors
import Yams

/// A pipeline file (pipelines/<name>.yaml): everything a run needs except the key.
public struct PipelineDefinition: Sendable {
    public enum Mode: String, Sendable { case test, live }
    public enum OutputFormat: String, Sendable, CaseIterable {
        case parquet, ndjson, csv
        /// Parquet files under Delta Lake tables (`<output>/delta/<table>/_delta_log/`).
        case delta
    }
    public enum MRRDate: String, Sendable { case created, runDate = "run_date" }
    /// Which subscriptions and discounts MRR counts (see the subscriptions table's mrr column).
    public enum MRRRule: String, Sendable, CaseIterable {
        /// Stripe Billing's: active and past_due; only forever coupons reduce it; pause_collection excluded.
        case stripe
        /// ChartMogul's: also keeps pause_collection subscriptions, and repeating coupons reduce it while they run.
        case chartmogul
    }

    public struct Stripe: Sendable {
        public init() {}
        public var apiBase = "https://api.stripe.com"
        public var apiVersion = ToolInfo.defaultStripeVersion
        /// A file holding the key; else the STRIPE_API_KEY environment variable.
        public var keyFile: String?
        /// Sent as Stripe-Account, for connected accounts.
        public var account: String?
        /// Client-side request budget, a ceiling; defaults by mode just under Stripe's limits (22/s test, 90/s live).
        public var requestsPerSecond: Double?
        public var connectTimeoutSeconds = 10.0
        public var timeoutSeconds = 60.0
        public var maxRetries = 8
        public var maxBackoffSeconds = 30.0
        /// A fixed ceiling of the first backoff; doubles per attempt up to maxBackoffSeconds.
        public var initialBackoffSeconds = 0.5
    }

    public struct StreamSettings: Sendable, Equatable {
        public init() {}
        public var enabled = true
    }

    public struct Extract: Sendable {
        public init() {}
        /// Size of each initial `created` window in days; 0 (the default) starts each stream as one
        /// range that is split from the data while it is paged.
        public var windowDays = 0
        /// Send `created` filters (and so split ranges). Off for servers without them (localstripe):
        /// one unbounded listing per stream, no splits.
        public var createdFilter = true
        /// Send the catalog's `expand[]` parameters (discounts, price tiers). Off for servers without
        /// them (localstripe answers 400): discounts then stay ids and tiered prices unpriced.
        public var expand = true
        /// Requests in flight at once (worker connections), all under `stripe.requests_per_second`.
        public var maxInFlight = 16
        /// Start of the backfill (UTC date), when windows are used.
        public var start = "2011-01-01"
        /// Stream name -> settings; every known stream is present.
        public var streams: [String: StreamSettings] = Dictionary(
            uniqueKeysWithValues: PipelineDefinition.knownStreams.map { ($0, StreamSettings()) })
        /// Progress display: auto (terminal line when stderr is a TTY), or never.
        public var pageLimit = 100
        /// A full extract at least every this many days (a reconciliation of what events missed);
        /// incremental runs in between. 0: every run is full.
        public var fullRefreshDays = 7
        /// Events younger than this are left to the next run (the events list is eventually consistent).
        public var eventsLagSeconds = 60
        /// Events are listed from this long before the cursor, so none created in the cursor's second
        /// (or listed late) is missed; re-seen events only cost a re-fetch.
        public var eventsOverlapSeconds = 300
        /// Stripe keeps events 30 days; a cursor older than this many days forces a full refresh.
        public var eventsRetentionDays = 27
    }

    public struct Transform: Sendable {
        public init() {}
        /// `email`, `id` or `metadata.<field>`; falls back to the customer id.
        public var identityKey = "email"
        /// Fraction of rejected rows (per table) above which the run fails.
        public var maxRejectRatio = 0.01
        /// The MRR rule (`transform.mrr_rule`).
        public var mrrRule = MRRRule.stripe
    }

    public struct FX: Sendable {
        public init() {}
        public var reportingCurrency = "EUR"
        /// ECB history file (eurofxref-hist CSV, optionally .zst); nil = the rates store / shipped snapshot.
        public var rates: String?
        /// User CSV `date,currency,rate_per_eur` for currencies ECB does not publish.
        public var supplementary: String?
        public var maxStalenessDays = 7
        public var mrrDate = MRRDate.created
        /// Where `rates update` downloads from.
        public var updateURL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
        /// Largest relative move of a rate (day to day, or against the store it replaces) that a
        /// rates download may contain; 0.5 allows a factor of 1.5 either way.
        public var maxRateChange = 0.5
        /// Whether `stripe-etl run` downloads fresh rates into the store before transforming; nil =
        /// the default (`daily` for live pipelines without a demo section, else `never`).
        public var refresh: Refresh?
    }

    /// `fx.refresh`: when `stripe-etl run` refreshes the rates store before transforming.
    public enum Refresh: String, Sendable {
        /// When the store is older than a day (or absent): download, and on failure warn and go on.
        case daily
        /// Never: the store (or shipped snapshot) as it is; `rates update` is the only way in.
        case never
    }

    /// The effective `fx.refresh`: as set, else `daily` for a live pipeline without a demo section.
    public var rateRefresh: Refresh { fx.refresh ?? (mode == .live && demo == nil ? .daily : .never) }

    public struct Load: Sendable {
        public init() {}
        public var format = OutputFormat.parquet
        public var rowGroupRows = 131_072
        /// Table name -> partition granularity override (day, month, year).
        public var partitioning: [String: PartitionSpec.Granularity] = [:]
        public var zstdLevel = 3
        /// How long a superseded warehouse version stays readable after the next one is published,
        /// so readers that resolved it just before the switch finish (0 keeps only `keep_runs`).
        public var versionGraceSeconds = 3_600
    }

    public struct Retention: Sendable {
        public init() {}
        /// Complete runs kept: raw/, staging/ and warehouse versions of older runs are pruned.
        public var keepRuns = 7
    }

    public struct Demo: Sendable {
        public init() {}
        public var customers = 300
        public var seed: UInt64 = 42
        public var years = 4
    }

    public static let knownStreams = ["customers", "products", "prices", "coupons", "subscriptions", "invoices", "credit_notes", "events"]

    public var name: String
    public var path: String
    public var mode: Mode
    /// Output root; stage commands' --output overrides it.
    public var output = "output"
    /// Where schemas/*.json live.
    public var schemas = "schemas"
    public var stripe = Stripe()
    public var extract = Extract()
    public var transform = Transform()
    public var fx = FX()
    public var load = Load()
    public var retention = Retention()
    /// Present only in the demo pipeline: serve a generated account in-process instead of Stripe.
    public var demo: Demo?

    public var livemode: Bool { mode == .live }
    public var requestsPerSecond: Double { stripe.requestsPerSecond ?? (mode == .live ? 90 : 22) }
    public var enabledStreams: [String] { Self.knownStreams.filter { extract.streams[$0]?.enabled ?? false } }

    public init(name: String, path: String = "", mode: Mode) {
        self.name = name
        self.path = path
        self.mode = mode
    }

    /// Reads and checks a pipeline file. Paths inside it are relative to the current directory.
    public static func load(path: String) throws -> PipelineDefinition {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw CoreError(.configuration, "cannot read pipeline file \(path)", cause: error)
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> PipelineDefinition {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw CoreError(.configuration, "\(path): not valid YAML: \(error)")
        }
        guard let node else { throw CoreError(.configuration, "\(path): the file is empty; see pipelines/demo.yaml for an example") }
        let root = try YAMLSection(node, path: path, keyPath: "")
        try root.allow(["name", "mode", "output", "schemas", "stripe", "extract", "transform", "fx", "load", "retention", "demo"])
        guard let modeText = try root.string("mode") else {
            throw CoreError(
                .configuration,
                "\(path): 'mode' is required: test or live (it must agree with the key: sk_test_/rk_test_ or sk_live_/rk_live_)")
        }
        guard let mode = Mode(rawValue: modeText) else { throw root.invalid("mode", "must be test or live") }
        let defaultName = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        var pipeline = PipelineDefinition(name: try root.string("name") ?? defaultName, path: path, mode: mode)
        if let output = try root.string("output") { pipeline.output = output }
        if let schemas = try root.string("schemas") { pipeline.schemas = schemas }

        if let stripe = try root.section("stripe") {
            try stripe.allow([
                "api_base", "api_version", "key_file", "account", "requests_per_second", "connect_timeout_seconds",
                "timeout_seconds", "max_retries", "max_backoff_seconds", "initial_backoff_seconds"
            ])
            if let v = try stripe.string("api_base") { pipeline.stripe.apiBase = v }
            if let v = try stripe.string("api_version") { pipeline.stripe.apiVersion = v }
            if let v = try stripe.string("key_file") {
                guard FileManager.default.fileExists(atPath: v) else {
                    throw stripe.invalid(
                        "key_file", "names \(v), which does not exist; create it (chmod 600) or remove key_file to use STRIPE_API_KEY")
                }
                pipeline.stripe.keyFile = v
            }
            if let v = try stripe.string("account") {
                guard v.hasPrefix("acct_") else { throw stripe.invalid("account", "must be a connected account id starting with acct_") }
                pipeline.stripe.account = v
            }
            if let v = try stripe.double("requests_per_second") {
                guard v > 0 && v <= 10_000 else {
                    throw stripe.invalid(
                        "requests_per_second", "must be above 0 and at most 10000 (Stripe allows about 100/s live, 25/s test)")
                }
                pipeline.stripe.requestsPerSecond = v
            }
            if let v = try stripe.double("connect_timeout_seconds") {
                pipeline.stripe.connectTimeoutSeconds = try stripe.seconds("connect_timeout_seconds", v, atMost: 3_600)
            }
            if let v = try stripe.double("timeout_seconds") {
                pipeline.stripe.timeoutSeconds = try stripe.seconds("timeout_seconds", v, atMost: 86_400)
            }
            if let v = try stripe.int("max_retries") {
                guard v >= 0 && v <= 50 else { throw stripe.invalid("max_retries", "must be between 0 and 50") }
                pipeline.stripe.maxRetries = v
            }
            if let v = try stripe.double("max_backoff_seconds") {
                pipeline.stripe.maxBackoffSeconds = try stripe.seconds("max_backoff_seconds", v, atMost: 3_600)
            }
            if let v = try stripe.double("initial_backoff_seconds") {
                pipeline.stripe.initialBackoffSeconds = try stripe.seconds("initial_backoff_seconds", v, atMost: 3_600)
            }
        }

        if let extract = try root.section("extract") {
            try extract.allow([
                "window_days", "start", "streams", "page_limit", "created_filter", "max_in_flight", "expand",
                "full_refresh_days", "events_lag_seconds", "events_overlap_seconds", "events_retention_days"
            ])
            if let v = try extract.int("full_refresh_days") {
                guard (0...3_650).contains(v) else {
                    throw extract.invalid("full_refresh_days", "must be between 0 (every run is full) and 3650 days")
                }
                pipeline.extract.fullRefreshDays = v
            }
            if let v = try extract.int("events_lag_seconds") {
                guard (0...86_400).contains(v) else { throw extract.invalid("events_lag_seconds", "must be between 0 and 86400 seconds") }
                pipeline.extract.eventsLagSeconds = v
            }
            if let v = try extract.int("events_overlap_seconds") {
                guard (0...86_400).contains(v) else {
                    throw extract.invalid("events_overlap_seconds", "must be between 0 and 86400 seconds")
                }
                pipeline.extract.eventsOverlapSeconds = v
            }
            if let v = try extract.int("events_retention_days") {
                guard (1...30).contains(v) else {
                    throw extract.invalid(
                        "events_retention_days", "must be between 1 and 30 days (Stripe keeps events 30 days; leave a margin)")
                }
                pipeline.extract.eventsRetentionDays = v
            }
            if let v = try extract.bool("created_filter") { pipeline.extract.createdFilter = v }
            if let v = try extract.bool("expand") { pipeline.extract.expand = v }
            if let v = try extract.int("max_in_flight") {
                guard (1...256).contains(v) else {
                    throw extract.invalid("max_in_flight", "must be between 1 and 256 (about requests_per_second x latency, plus a margin)")
                }
                pipeline.extract.maxInFlight = v
            }
            if let v = try extract.int("window_days") {
                guard (0...36_500).contains(v) else {
                    throw extract.invalid("window_days", "must be 0 (one unbounded window) or a number of days up to 36500")
                }
                pipeline.extract.windowDays = v
            }
            if let v = try extract.string("start") {
                guard UTCDate.parseDay(v) != nil else { throw extract.invalid("start", "must be a date YYYY-MM-DD") }
                pipeline.extract.start = v
            }
            if let v = try extract.int("page_limit") {
                guard (1...100).contains(v) else { throw extract.invalid("page_limit", "must be between 1 and 100") }
                pipeline.extract.pageLimit = v
            }
            if let streams = try extract.section("streams") {
                try streams.allow(knownStreams)
                for stream in knownStreams {
                    guard let settings = try streams.section(stream) else { continue }
                    try settings.allow(["enabled"])
                    if let enabled = try settings.bool("enabled") { pipeline.extract.streams[stream]?.enabled = enabled }
                }
            }
        }

        if let transform = try root.section("transform") {
            try transform.allow(["identity_key", "max_reject_ratio", "mrr_rule"])
            if let v = try transform.string("mrr_rule") {
                guard let rule = MRRRule(rawValue: v) else { throw transform.invalid("mrr_rule", "must be stripe or chartmogul") }
                pipeline.transform.mrrRule = rule
            }
            if let v = try transform.string("identity_key") {
                guard v == "email" || v == "id" || (v.hasPrefix("metadata.") && v.count > "metadata.".count) else {
                    throw transform.invalid("identity_key", "must be email, id or metadata.<field>")
                }
                pipeline.transform.identityKey = v
            }
            if let v = try transform.double("max_reject_ratio") {
                guard v >= 0 && v <= 1 else { throw transform.invalid("max_reject_ratio", "must be between 0 and 1") }
                pipeline.transform.maxRejectRatio = v
            }
        }

        if let fx = try root.section("fx") {
            try fx.allow([
                "reporting_currency", "rates", "supplementary", "max_staleness_days", "mrr_date", "update_url", "max_rate_change", "refresh"
            ])
            if let v = try fx.string("reporting_currency") {
                guard v.count == 3, v.allSatisfy({ $0.isLetter && $0.isASCII }) else {
                    throw fx.invalid("reporting_currency", "must be a 3-letter ISO currency code such as EUR")
                }
                pipeline.fx.reportingCurrency = v.uppercased()
            }
            if let v = try fx.string("rates") { pipeline.fx.rates = v }
            if let v = try fx.string("supplementary") {
                guard FileManager.default.fileExists(atPath: v) else {
                    throw fx.invalid("supplementary", "names \(v), which does not exist")
                }
                pipeline.fx.supplementary = v
            }
            if let v = try fx.int("max_staleness_days") {
                guard (0...36_500).contains(v) else { throw fx.invalid("max_staleness_days", "must be between 0 and 36500 days") }
                pipeline.fx.maxStalenessDays = v
            }
            if let v = try fx.string("mrr_date") {
                guard let d = MRRDate(rawValue: v) else { throw fx.invalid("mrr_date", "must be created or run_date") }
                pipeline.fx.mrrDate = d
            }
            if let v = try fx.string("update_url") { pipeline.fx.updateURL = v }
            if let v = try fx.double("max_rate_change") {
                guard v > 0 && v <= 1_000 else {
                    throw fx.invalid("max_rate_change", "must be above 0 and at most 1000 (0.5 allows a rate to move by a factor of 1.5)")
                }
                pipeline.fx.maxRateChange = v
            }
            if let v = try fx.string("refresh") {
                guard let refresh = Refresh(rawValue: v) else { throw fx.invalid("refresh", "must be daily or never") }
                pipeline.fx.refresh = refresh
            }
        }

        if let load = try root.section("load") {
            try load.allow(["format", "row_group_rows", "partitioning", "zstd_level", "version_grace_seconds"])
            if let v = try load.string("format") {
                guard let f = OutputFormat(rawValue: v) else { throw load.invalid("format", "must be parquet, ndjson, csv or delta") }
                pipeline.load.format = f
            }
            if let v = try load.int("row_group_rows") {
                guard (1...10_000_000).contains(v) else { throw load.invalid("row_group_rows", "must be between 1 and 10000000") }
                pipeline.load.rowGroupRows = v
            }
            if let v = try load.int("zstd_level") {
                guard (1...19).contains(v) else { throw load.invalid("zstd_level", "must be between 1 and 19") }
                pipeline.load.zstdLevel = v
            }
            if let v = try load.int("version_grace_seconds") {
                guard (0...31_536_000).contains(v) else {
                    throw load.invalid("version_grace_seconds", "must be between 0 and 31536000 (a year)")
                }
                pipeline.load.versionGraceSeconds = v
            }
            if let partitioning = try load.section("partitioning") {
                try partitioning.allow(SchemaSet.tableOrder)
                for table in SchemaSet.tableOrder {
                    guard let v = try partitioning.string(table) else { continue }
                    guard let g = PartitionSpec.Granularity(rawValue: v), g != .snapshot else {
                        throw partitioning.invalid(table, "must be day, month or year")
                    }
                    pipeline.load.partitioning[table] = g
                }
            }
        }

        if let retention = try root.section("retention") {
            try retention.allow(["keep_runs"])
            if let v = try retention.int("keep_runs") {
                guard (1...100_000).contains(v) else { throw retention.invalid("keep_runs", "must be between 1 and 100000") }
                pipeline.retention.keepRuns = v
            }
        }

        if let demo = try root.section("demo") {
            try demo.allow(["customers", "seed", "years"])
            var settings = Demo()
            if let v = try demo.int("customers") {
                guard (1...1_000_000).contains(v) else { throw demo.invalid("customers", "must be between 1 and 1000000") }
                settings.customers = v
            }
            if let v = try demo.int("seed") { settings.seed = UInt64(truncatingIfNeeded: v) }
            if let v = try demo.int("years") {
                guard (1...50).contains(v) else { throw demo.invalid("years", "must be between 1 and 50") }
                settings.years = v
            }
            pipeline.demo = settings
        }
        return pipeline
    }
}

/// A YAML mapping with the file path and key path, so every error names the key and the line.
struct YAMLSection {
    let mapping: Node.Mapping
    let path: String
    let keyPath: String
    let line: Int

    init(_ node: Node, path: String, keyPath: String) throws {
        guard case .mapping(let mapping) = node else {
            let place = keyPath.isEmpty ? "the top level" : "'\(keyPath)'"
            throw CoreError(.configuration, "\(path):\(Self.line(of: node)): \(place) must be a mapping of keys to values")
        }
        self.mapping = mapping
        self.path = path
        self.keyPath = keyPath
        line = Self.line(of: node)
    }

    static func line(of node: Node) -> Int { (node.mark?.line ?? 0) }

    func full(_ key: String) -> String { keyPath.isEmpty ? key : keyPath + "." + key }

    func allow(_ keys: [String]) throws {
        for (key, _) in mapping {
            guard let name = key.string else {
                throw CoreError(.configuration, "\(path):\(Self.line(of: key)): keys must be plain strings")
            }
            if !keys.contains(name) {
                throw CoreError(
                    .configuration,
                    "\(path):\(Self.line(of: key)): unknown key '\(full(name))'; allowed here: \(keys.joined(separator: ", "))")
            }
        }
    }

    func node(_ key: String) -> (key: Node, value: Node)? {
        for (k, v) in mapping where k.string == key { return (k, v) }
        return nil
    }

    func invalid(_ key: String, _ why: String) -> CoreError {
        let line = node(key).map { Self.line(of: $0.value) } ?? self.line
        return CoreError(.configuration, "\(path):\(line): '\(full(key))' \(why)")
    }

    private func scalar(_ key: String, expecting type: String) throws -> Node.Scalar? {
        guard let (_, value) = node(key) else { return nil }
        if case .scalar(let scalar) = value {
            if scalar.tag.description == Tag.Name.null.rawValue
                || (scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string))
            {
                return nil
            }
            return scalar
        }
        throw invalid(key, "must be \(type), not a \(value.isMapping ? "mapping" : "list")")
    }

    func string(_ key: String) throws -> String? {
        try scalar(key, expecting: "a string")?.string
    }

    func int(_ key: String) throws -> Int? {
        guard let scalar = try scalar(key, expecting: "a whole number") else { return nil }
        guard let value = Int(scalar.string.replacingOccurrences(of: "_", with: "")) else {
            throw invalid(key, "must be a whole number, not '\(scalar.string)'")
        }
        return value
    }

    func double(_ key: String) throws -> Double? {
        guard let scalar = try scalar(key, expecting: "a number") else { return nil }
        guard let value = Double(scalar.string.replacingOccurrences(of: "_", with: "")), value.isFinite else {
            throw invalid(key, "must be a number, not '\(scalar.string)'")
        }
        return value
    }

    /// A duration in seconds: above 0 (at least a millisecond, what libcurl resolves) and at most `limit`.
    func seconds(_ key: String, _ value: Double, atMost limit: Double) throws -> Double {
        guard value >= 0.001 && value <= limit else { throw invalid(key, "must be between 0.001 and \(Int(limit)) seconds") }
        return value
    }

    func bool(_ key: String) throws -> Bool? {
        guard let scalar = try scalar(key, expecting: "true or false") else { return nil }
        switch scalar.string {
        case "true", "True", "TRUE", "yes", "on": return true
        case "false", "False", "FALSE", "no", "off": return false
        default: throw invalid(key, "must be true or false, not '\(scalar.string)'")
        }
    }

    func section(_ key: String) throws -> YAMLSection? {
        guard let (_, value) = node(key) else { return nil }
        if case .scalar(let scalar) = value, scalar.string.isEmpty || scalar.string == "null" || scalar.string == "~" { return nil }
        return try YAMLSection(value, path: path, keyPath: full(key))
    }
}

private extension Node {
    var isMapping: Bool { if case .mapping = self { return true } else { return false } }
}
