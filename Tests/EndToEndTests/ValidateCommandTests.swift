import Foundation
import TestSupport
import Testing

/// `stripe-etl validate PIPELINE`: exit 64 with one `error: <file>:<line>: ...` line naming the key.
struct ValidateCommandTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "e2e-validate") }

    /// Writes `text` as a pipeline, validates it, and checks it failed with exit 64 and one error line.
    func rejected(_ text: String, name: String = "broken.yaml", sourceLocation: SourceLocation = #_sourceLocation) async throws -> (
        path: String, error: String
    ) {
        let path = try TestPipelines.write(text, to: directory.appending(name))
        let result = try await E2E.etl(["validate", path], timeout: 30)
        #expect(result.status == 64, "\(result)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, "nothing on stdout when invalid: \(result.stdout)", sourceLocation: sourceLocation)
        #expect(result.stderrLines.count == 1, "one error line: \(result.stderr)", sourceLocation: sourceLocation)
        return (path, result.stderr.trimmingCharacters(in: .newlines))
    }

    @Test func unknownKeyNamesTheKeyAndItsLine() async throws {
        let (path, error) = try await rejected(
            """
            name: broken
            mode: test
            stripe:
              api_version: 2025-03-31.basil
              api_bse: http://127.0.0.1:9
            """)
        #expect(error.hasPrefix("error: \(path):5: unknown key 'stripe.api_bse'; allowed here: api_base, api_version"), "\(error)")

        let (topPath, topError) = try await rejected("mode: test\nextrakt:\n  window_days: 1\n", name: "top.yaml")
        #expect(topError.hasPrefix("error: \(topPath):2: unknown key 'extrakt'"), "\(topError)")
    }

    @Test func wrongTypeNamesTheKeyLineAndValue() async throws {
        let (path, error) = try await rejected(
            """
            mode: test
            extract:
              start: 2021-01-01
              window_days: "abc"
            """)
        #expect(error == "error: \(path):4: 'extract.window_days' must be a whole number, not 'abc'")

        let (ratioPath, ratioError) = try await rejected("mode: test\ntransform:\n  max_reject_ratio: [0.1]\n", name: "ratio.yaml")
        #expect(ratioError == "error: \(ratioPath):3: 'transform.max_reject_ratio' must be a number, not a list")
    }

    @Test func missingKeyFileNamesTheFile() async throws {
        let missing = directory.appending("secrets/stripe.key")
        let (path, error) = try await rejected("mode: live\nstripe:\n  key_file: \(missing)\n")
        #expect(error.hasPrefix("error: \(path):3: 'stripe.key_file' names \(missing), which does not exist"), "\(error)")

        // The same pipeline validates once the file exists; the key's content is not read.
        try FileManager.default.createDirectory(atPath: directory.appending("secrets"), withIntermediateDirectories: true)
        try "rk_live_not_a_real_key_000000\n".write(toFile: missing, atomically: true, encoding: .utf8)
        let ok = try await E2E.etl(["validate", path], timeout: 30)
        #expect(ok.status == 0, "\(ok)")
        #expect(!ok.stdout.contains("not_a_real_key") && !ok.stderr.contains("not_a_real_key"))
    }

    @Test func unknownTableUnderPartitioning() async throws {
        let (path, error) = try await rejected(
            """
            mode: test
            load:
              format: parquet
              partitioning:
                invoice_lines: month
                refunds: day
            """)
        #expect(
            error.hasPrefix(
                "error: \(path):6: unknown key 'load.partitioning.refunds'; allowed here: customers, prices, subscriptions, invoice_lines, credit_note_lines"
            ), "\(error)")
    }

    @Test func missingModeIsAnError() async throws {
        let (path, error) = try await rejected("name: nameless\noutput: output/x\n")
        #expect(error.hasPrefix("error: \(path): 'mode' is required: test or live"), "\(error)")
    }

    @Test func missingRatesFileAndSchemasDirectory() async throws {
        let (path, error) = try await rejected("mode: test\nfx:\n  rates: rates/nowhere.csv\n")
        #expect(error.hasPrefix("error: \(path): fx.rates names rates/nowhere.csv, which does not exist"), "\(error)")

        let schemas = directory.appending("no-schemas")
        let (_, schemaError) = try await rejected("mode: test\nschemas: \(schemas)\n", name: "schemas.yaml")
        #expect(schemaError.hasPrefix("error: cannot list schema directory \(schemas)"), "\(schemaError)")

        let result = try await E2E.etl(["validate", directory.appending("absent.yaml")], timeout: 30)
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("error: cannot read pipeline file \(directory.appending("absent.yaml"))"), "\(result)")
    }

    @Test(arguments: [("pipelines/demo.yaml", "test"), ("pipelines/nightly.yaml", "live")])
    func shippedPipelinesAreValid(pipeline: String, mode: String) async throws {
        let result = try await E2E.etl(["validate", pipeline], timeout: 30)
        #expect(result.status == 0, "\(result)")
        #expect(
            result.stdout.hasPrefix(
                "\(pipeline): ok (\(mode) mode, streams: customers, products, prices, coupons, subscriptions, invoices, credit_notes, events; 5 schemas in schemas"
            ), "\(result.stdout)")
        #expect(result.stderr.isEmpty)
    }

    @Test func aGoodCustomPipelineIsValid() async throws {
        let path = try TestPipelines.write(
            TestPipelines.smallDemo(extra: "output: \(directory.appending("out"))"), to: directory.appending("good.yaml"))
        let result = try await E2E.etl(["validate", path], timeout: 30)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("ok (test mode"))
        #expect(result.stdout.contains("output \(directory.appending("out"))"))
        // validate creates nothing.
        #expect(!FileManager.default.fileExists(atPath: directory.appending("out")))
    }
}
