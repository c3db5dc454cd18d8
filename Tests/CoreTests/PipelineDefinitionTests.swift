import Core
import Foundation
import ModuleErrors
import Testing

/// Strict parsing of pipelines/*.yaml: every error names the file, the line and the key.
struct PipelineDefinitionTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The CoreError a pipeline text fails with (recorded as an issue if it parses).
    func failure(_ text: String, path: String = "p.yaml", sourceLocation: SourceLocation = #_sourceLocation) -> CoreError? {
        do {
            _ = try PipelineDefinition.parse(text, path: path)
            Issue.record("expected the pipeline to be rejected:\n\(text)", sourceLocation: sourceLocation)
            return nil
        } catch let error as CoreError {
            return error
        } catch {
            Issue.record("expected a CoreError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    @Test func minimalPipelineGetsTheDocumentedDefaults() throws {
        let pipeline = try PipelineDefinition.parse("mode: test\n", path: "pipelines/nightly-copy.yaml")
        #expect(pipeline.name == "nightly-copy")
        #expect(pipeline.mode == .test)
        #expect(!pipeline.livemode)
        #expect(pipeline.output == "output")
        #expect(pipeline.schemas == "schemas")
        #expect(pipeline.stripe.apiBase == "https://api.stripe.com")
        #expect(pipeline.stripe.keyFile == nil)
        #expect(pipeline.requestsPerSecond == 22)
        #expect(pipeline.extract.windowDays == 0)
        #expect(pipeline.extract.pageLimit == 100)
        #expect(pipeline.enabledStreams == PipelineDefinition.knownStreams)
        #expect(pipeline.transform.identityKey == "email")
        #expect(pipeline.transform.maxRejectRatio == 0.01)
        #expect(pipeline.fx.reportingCurrency == "EUR")
        #expect(pipeline.fx.mrrDate == .created)
        #expect(pipeline.load.format == .parquet)
        #expect(pipeline.load.partitioning.isEmpty)
        #expect(pipeline.demo == nil)

        let live = try PipelineDefinition.parse("mode: live\n", path: "x.yaml")
        #expect(live.livemode)
        #expect(live.requestsPerSecond == 90)
    }

    @Test func everyKeyIsRead() throws {
        let keyFile = try TemporaryFile(contents: "rk_test_abcdefghijklmnop\n")
        let text = """
            name: custom
            mode: live
            output: /tmp/out-x
            schemas: my-schemas
            stripe:
              api_base: http://127.0.0.1:9
              api_version: 2024-06-20
              key_file: \(keyFile.path)
              account: acct_123
              requests_per_second: 12.5
              connect_timeout_seconds: 2
              timeout_seconds: 3
              max_retries: 0
              max_backoff_seconds: 4
              initial_backoff_seconds: 0.25
            extract:
              window_days: 30
              start: 2020-02-29
              page_limit: 50
              streams:
                events: {enabled: false}
                coupons:
                  enabled: no
            transform:
              identity_key: metadata.user_id
              max_reject_ratio: 0.5
              mrr_rule: chartmogul
            fx:
              reporting_currency: usd
              rates: rates/ecb.csv
              max_staleness_days: 3
              mrr_date: run_date
              update_url: http://127.0.0.1:9/ecb.zip
            load:
              format: csv
              row_group_rows: 1_000
              zstd_level: 9
              partitioning:
                invoice_lines: day
                credit_note_lines: year
            demo:
              customers: 12
              seed: 7
              years: 2
            """
        let p = try PipelineDefinition.parse(text, path: "custom.yaml")
        #expect(p.name == "custom")
        #expect(p.transform.mrrRule == .chartmogul)
        #expect(PipelineDefinition(name: "d", path: "d.yaml", mode: .test).transform.mrrRule == .stripe)
        #expect(throws: (any Error).self) {
            try PipelineDefinition.parse("name: x\nmode: test\ntransform:\n  mrr_rule: profitwell\n", path: "bad.yaml")
        }
        #expect(p.mode == .live)
        #expect(p.output == "/tmp/out-x")
        #expect(p.schemas == "my-schemas")
        #expect(p.stripe.apiBase == "http://127.0.0.1:9")
        #expect(p.stripe.apiVersion == "2024-06-20")
        #expect(p.stripe.keyFile == keyFile.path)
        #expect(p.stripe.account == "acct_123")
        #expect(p.requestsPerSecond == 12.5)
        #expect(p.stripe.connectTimeoutSeconds == 2)
        #expect(p.stripe.timeoutSeconds == 3)
        #expect(p.stripe.maxRetries == 0)
        #expect(p.stripe.maxBackoffSeconds == 4)
        #expect(p.stripe.initialBackoffSeconds == 0.25)
        #expect(p.extract.windowDays == 30)
        #expect(p.extract.start == "2020-02-29")
        #expect(p.extract.pageLimit == 50)
        #expect(p.enabledStreams == ["customers", "products", "prices", "subscriptions", "invoices", "credit_notes"])
        #expect(p.transform.identityKey == "metadata.user_id")
        #expect(p.transform.maxRejectRatio == 0.5)
        #expect(p.fx.reportingCurrency == "USD")
        #expect(p.fx.rates == "rates/ecb.csv")
        #expect(p.fx.maxStalenessDays == 3)
        #expect(p.fx.mrrDate == .runDate)
        #expect(p.fx.updateURL == "http://127.0.0.1:9/ecb.zip")
        #expect(p.load.format == .csv)
        #expect(p.load.rowGroupRows == 1000)
        #expect(p.load.zstdLevel == 9)
        #expect(p.load.partitioning == ["invoice_lines": .day, "credit_note_lines": .year])
        #expect(p.demo?.customers == 12)
        #expect(p.demo?.seed == 7)
        #expect(p.demo?.years == 2)
    }

    @Test func shippedPipelinesParse() throws {
        // Paths inside them are relative to the package root; make them absolute for this process.
        let root = Self.packageRoot
        let demoText = try String(contentsOfFile: root + "/pipelines/demo.yaml", encoding: .utf8)
            .replacingOccurrences(of: "supplementary: pipelines/", with: "supplementary: \(root)/pipelines/")
        let demo = try PipelineDefinition.parse(demoText, path: "pipelines/demo.yaml")
        #expect(demo.name == "demo")
        #expect(demo.mode == .test)
        #expect(demo.output == "output/demo")
        #expect(demo.demo?.customers == 300)
        #expect(demo.load.partitioning["invoice_lines"] == .month)
        #expect(demo.fx.reportingCurrency == "EUR")

        let nightlyText = try String(contentsOfFile: root + "/pipelines/nightly.yaml", encoding: .utf8)
        let nightly = try PipelineDefinition.parse(nightlyText, path: "pipelines/nightly.yaml")
        #expect(nightly.name == "nightly")
        #expect(nightly.mode == .live)
        #expect(nightly.demo == nil)
        #expect(nightly.stripe.keyFile == nil)
        #expect(nightly.fx.reportingCurrency == "EUR")
        #expect(nightly.load.format == .parquet)
    }

    @Test func unknownTopLevelKeyNamesTheKeyAndLine() {
        let error = failure("mode: test\nname: x\ncolour: red\n")
        #expect(error?.code == .configuration)
        #expect(error?.message.hasPrefix("p.yaml:3: unknown key 'colour'") == true, "\(String(describing: error))")
        #expect(error?.message.contains("allowed here: name, mode, output") == true)
    }

    @Test func unknownNestedKeyNamesTheFullKeyPathAndLine() {
        let error = failure("mode: test\nstripe:\n  api_version: 2025-03-31.basil\n  api_bse: http://x\n")
        #expect(error?.message.hasPrefix("p.yaml:4: unknown key 'stripe.api_bse'") == true, "\(String(describing: error))")
        #expect(error?.message.contains("api_base") == true)

        let stream = failure("mode: test\nextract:\n  streams:\n    invoices: {enabled: true}\n    charges: {enabled: true}\n")
        #expect(stream?.message.hasPrefix("p.yaml:5: unknown key 'extract.streams.charges'") == true, "\(String(describing: stream))")

        let setting = failure("mode: test\nextract:\n  streams:\n    invoices:\n      enable: true\n")
        #expect(
            setting?.message.hasPrefix("p.yaml:5: unknown key 'extract.streams.invoices.enable'") == true, "\(String(describing: setting))")
    }

    @Test func unknownTableUnderPartitioning() {
        let error = failure("mode: test\nload:\n  partitioning:\n    invoice_lines: month\n    invoices: day\n")
        #expect(error?.message.hasPrefix("p.yaml:5: unknown key 'load.partitioning.invoices'") == true, "\(String(describing: error))")
        #expect(error?.message.contains("invoice_lines") == true)

        let snapshot = failure("mode: test\nload:\n  partitioning:\n    invoice_lines: snapshot\n")
        #expect(snapshot?.message == "p.yaml:4: 'load.partitioning.invoice_lines' must be day, month or year")
    }

    @Test func wrongTypesNameTheKeyLineAndValue() {
        let window = failure("mode: test\nextract:\n  window_days: \"abc\"\n")
        #expect(window?.message == "p.yaml:3: 'extract.window_days' must be a whole number, not 'abc'")

        let fraction = failure("mode: test\nextract:\n  window_days: 1.5\n")
        #expect(fraction?.message == "p.yaml:3: 'extract.window_days' must be a whole number, not '1.5'")

        let number = failure("mode: test\ntransform:\n  max_reject_ratio: lots\n")
        #expect(number?.message == "p.yaml:3: 'transform.max_reject_ratio' must be a number, not 'lots'")

        let bool = failure("mode: test\nextract:\n  streams:\n    events:\n      enabled: maybe\n")
        #expect(bool?.message == "p.yaml:5: 'extract.streams.events.enabled' must be true or false, not 'maybe'")

        let list = failure("mode: test\nname: [a, b]\n")
        #expect(list?.message == "p.yaml:2: 'name' must be a string, not a list")

        let mapping = failure("mode: test\nextract:\n  start:\n    year: 2020\n")
        #expect(mapping?.message == "p.yaml:4: 'extract.start' must be a string, not a mapping")

        let section = failure("mode: test\nstripe: 5\n")
        #expect(section?.message == "p.yaml:2: 'stripe' must be a mapping of keys to values")

        let top = failure("- mode: test\n")
        #expect(top?.message == "p.yaml:1: the top level must be a mapping of keys to values")
    }

    @Test func outOfRangeValuesAreRejected() {
        #expect(
            failure("mode: test\nextract:\n  window_days: -1\n")?.message.hasPrefix("p.yaml:3: 'extract.window_days' must be 0") == true)
        #expect(failure("mode: test\nextract:\n  start: 2023-02-29\n")?.message == "p.yaml:3: 'extract.start' must be a date YYYY-MM-DD")
        #expect(failure("mode: test\nextract:\n  page_limit: 101\n")?.message == "p.yaml:3: 'extract.page_limit' must be between 1 and 100")
        #expect(
            failure("mode: test\ntransform:\n  max_reject_ratio: 1.5\n")?.message
                == "p.yaml:3: 'transform.max_reject_ratio' must be between 0 and 1")
        #expect(
            failure("mode: test\ntransform:\n  identity_key: metadata.\n")?.message
                == "p.yaml:3: 'transform.identity_key' must be email, id or metadata.<field>")
        #expect(
            failure("mode: test\nfx:\n  reporting_currency: EU\n")?.message.hasPrefix(
                "p.yaml:3: 'fx.reporting_currency' must be a 3-letter") == true)
        #expect(failure("mode: test\nfx:\n  mrr_date: today\n")?.message == "p.yaml:3: 'fx.mrr_date' must be created or run_date")
        #expect(
            failure("mode: test\nload:\n  format: parquett\n")?.message == "p.yaml:3: 'load.format' must be parquet, ndjson, csv or delta")
        #expect(failure("mode: test\nload:\n  zstd_level: 0\n")?.message == "p.yaml:3: 'load.zstd_level' must be between 1 and 19")
        #expect(failure("mode: test\nstripe:\n  max_retries: 51\n")?.message == "p.yaml:3: 'stripe.max_retries' must be between 0 and 50")
        #expect(
            failure("mode: test\nstripe:\n  timeout_seconds: 0\n")?.message
                == "p.yaml:3: 'stripe.timeout_seconds' must be between 0.001 and 86400 seconds")
        #expect(
            failure("mode: test\nstripe:\n  requests_per_second: 0\n")?.message.hasPrefix(
                "p.yaml:3: 'stripe.requests_per_second' must be above 0") == true)
        #expect(
            failure("mode: test\nstripe:\n  account: 123\n")?.message.hasPrefix("p.yaml:3: 'stripe.account' must be a connected account id")
                == true)
    }

    /// Every numeric setting has a range (issue 11.10): values that crashed the extract (SIGILL) are
    /// refused naming the key and its line, and each bound is inclusive.
    @Test func everyNumericSettingHasARange() throws {
        let cases: [(section: String, key: String, bad: [String], good: [String], says: String)] = [
            ("stripe", "requests_per_second", ["0", "-1", "10001", "1e300"], ["0.1", "10000"], "at most 10000"),
            ("stripe", "connect_timeout_seconds", ["0", "1e19", "3601", "0.0001"], ["0.001", "3600"], "between 0.001 and 3600 seconds"),
            ("stripe", "timeout_seconds", ["0", "1e300", "86401", "-5"], ["0.001", "86400"], "between 0.001 and 86400 seconds"),
            ("stripe", "max_backoff_seconds", ["0", "1e300", "3601"], ["0.001", "3600"], "between 0.001 and 3600 seconds"),
            ("stripe", "initial_backoff_seconds", ["0", "1e300", "3601"], ["0.001", "3600"], "between 0.001 and 3600 seconds"),
            ("stripe", "max_retries", ["-1", "51", "9223372036854775807"], ["0", "50"], "between 0 and 50"),
            ("extract", "window_days", ["-1", "200000000000000", "36501"], ["0", "36500"], "up to 36500"),
            ("extract", "page_limit", ["0", "101"], ["1", "100"], "between 1 and 100"),
            ("transform", "max_reject_ratio", ["-0.1", "1.01", "1e300"], ["0", "1"], "between 0 and 1"),
            ("fx", "max_staleness_days", ["-1", "36501", "200000000000000"], ["0", "36500"], "between 0 and 36500"),
            ("fx", "max_rate_change", ["0", "1001", "1e300"], ["0.0001", "1000"], "at most 1000"),
            ("load", "row_group_rows", ["0", "10000001", "200000000000000"], ["1", "10000000"], "between 1 and 10000000"),
            ("load", "zstd_level", ["0", "20"], ["1", "19"], "between 1 and 19"),
            ("load", "version_grace_seconds", ["-1", "31536001", "200000000000000"], ["0", "31536000"], "between 0 and 31536000"),
            ("retention", "keep_runs", ["0", "100001", "200000000000000"], ["1", "100000"], "between 1 and 100000"),
            ("demo", "customers", ["0", "1000001", "200000000000000"], ["1", "1000000"], "between 1 and 1000000"),
            ("demo", "years", ["0", "51"], ["1", "50"], "between 1 and 50")
        ]
        for (section, key, bad, good, says) in cases {
            for value in bad {
                let error = failure("mode: test\n\(section):\n  \(key): \(value)\n")
                #expect(
                    error?.message.hasPrefix("p.yaml:3: '\(section).\(key)' must be") == true,
                    "\(key): \(value): \(error?.message ?? "accepted")")
                #expect(error?.message.contains(says) == true, "\(key): \(value): \(error?.message ?? "accepted")")
            }
            for value in good {
                #expect(throws: Never.self, "\(key): \(value)") {
                    try PipelineDefinition.parse("mode: test\n\(section):\n  \(key): \(value)\n", path: "p.yaml")
                }
            }
        }
        // Numbers too large for their type are not numbers at all.
        #expect(
            failure("mode: test\nextract:\n  window_days: 99999999999999999999999\n")?.message
                == "p.yaml:3: 'extract.window_days' must be a whole number, not '99999999999999999999999'")
        #expect(
            failure("mode: test\nstripe:\n  timeout_seconds: 1e400\n")?.message
                == "p.yaml:3: 'stripe.timeout_seconds' must be a number, not '1e400'")
    }

    @Test func warehouseSettings() throws {
        let defaults = try PipelineDefinition.parse("mode: test\n", path: "p.yaml")
        #expect(defaults.load.versionGraceSeconds == 3_600 && defaults.retention.keepRuns == 7 && defaults.load.format == .parquet)
        let set = try PipelineDefinition.parse(
            "mode: test\nload:\n  format: delta\n  version_grace_seconds: 60\nretention:\n  keep_runs: 3\n", path: "p.yaml")
        #expect(set.load.format == .delta && set.load.versionGraceSeconds == 60 && set.retention.keepRuns == 3)
        #expect(failure("mode: test\nretention:\n  keep: 3\n")?.message.contains("retention.keep") == true)
    }

    @Test func fxRefreshDefaultsToDailyOnlyForLivePipelinesWithoutDemo() throws {
        #expect(try PipelineDefinition.parse("mode: live\n", path: "p.yaml").rateRefresh == .daily)
        #expect(try PipelineDefinition.parse("mode: test\n", path: "p.yaml").rateRefresh == .never)
        #expect(try PipelineDefinition.parse("mode: live\ndemo:\n  customers: 3\n", path: "p.yaml").rateRefresh == .never)
        #expect(try PipelineDefinition.parse("mode: test\nfx:\n  refresh: daily\n", path: "p.yaml").rateRefresh == .daily)
        #expect(try PipelineDefinition.parse("mode: live\nfx:\n  refresh: never\n", path: "p.yaml").rateRefresh == .never)
        #expect(failure("mode: test\nfx:\n  refresh: hourly\n")?.message == "p.yaml:3: 'fx.refresh' must be daily or never")
    }

    @Test func modeIsRequiredAndChecked() {
        let missing = failure("name: x\noutput: out\n")
        #expect(missing?.code == .configuration)
        #expect(missing?.message.hasPrefix("p.yaml: 'mode' is required: test or live") == true, "\(String(describing: missing))")

        let null = failure("mode: ~\n")
        #expect(null?.message.hasPrefix("p.yaml: 'mode' is required") == true)

        let wrong = failure("name: x\nmode: production\n")
        #expect(wrong?.message == "p.yaml:2: 'mode' must be test or live")
    }

    @Test func missingKeyFileNamesTheFile() {
        let missing = "/nonexistent-\(UUID().uuidString)/stripe.key"
        let error = failure("mode: live\nstripe:\n  key_file: \(missing)\n")
        #expect(
            error?.message.hasPrefix("p.yaml:3: 'stripe.key_file' names \(missing), which does not exist") == true,
            "\(String(describing: error))")
    }

    @Test func missingSupplementaryRatesFileNamesTheFile() {
        let error = failure("mode: test\nfx:\n  supplementary: no-such-rates.csv\n")
        #expect(error?.message == "p.yaml:3: 'fx.supplementary' names no-such-rates.csv, which does not exist")
    }

    @Test func nullValuesMeanTheDefault() throws {
        let p = try PipelineDefinition.parse("mode: test\noutput: ~\nstripe:\nextract:\n  window_days: null\n", path: "p.yaml")
        #expect(p.output == "output")
        #expect(p.extract.windowDays == 0)
    }

    @Test func invalidAndEmptyFiles() throws {
        let broken = failure("mode: test\nstripe: [\n")
        #expect(broken?.message.hasPrefix("p.yaml: not valid YAML") == true, "\(String(describing: broken))")
        let empty = failure("")
        #expect(empty?.message.hasPrefix("p.yaml: the file is empty") == true)

        #expect(throws: CoreError.self) { try PipelineDefinition.load(path: "/nonexistent-\(UUID().uuidString).yaml") }
        let file = try TemporaryFile(contents: "mode: test\nbogus: 1\n", suffix: ".yaml")
        do {
            _ = try PipelineDefinition.load(path: file.path)
            Issue.record("a file with an unknown key loaded")
        } catch let error as CoreError {
            #expect(error.message.hasPrefix("\(file.path):2: unknown key 'bogus'"))
        }
    }
}

/// A file under the temporary directory, removed on deinit.
final class TemporaryFile {
    let path: String

    init(contents: String, suffix: String = "") throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("core-test-\(UUID().uuidString)\(suffix)").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
