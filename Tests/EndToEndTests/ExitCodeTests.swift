import Core
import Foundation
import Pipeline
import StripeSimulator
import TestSupport
import Testing

/// One exit code per failure class (Sources/Pipeline/Reporting/ExitStatus.swift, documented in the README).
/// The key only ever travels in the environment (STRIPE_API_KEY), never in argv.
struct ExitCodeTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "e2e-exit") }

    func pipeline(_ text: String, _ name: String) throws -> String {
        try TestPipelines.write(text, to: directory.appending(name))
    }

    @Test func documentedCodesAreTheBSDOnes() {
        #expect(ExitStatus.usage.rawValue == 64)
        #expect(ExitStatus.dataRejected.rawValue == 65)
        #expect(ExitStatus.unavailable.rawValue == 69)
        #expect(ExitStatus.io.rawValue == 74)
        #expect(ExitStatus.locked.rawValue == 75)
        #expect(ExitStatus.authentication.rawValue == 77)
    }

    @Test func usageAndConfigurationErrorsExit64() async throws {
        let bad = try pipeline("mode: test\nload:\n  formatt: parquet\n", "bad.yaml")
        let result = try await E2E.etl(["run", bad, "--output", directory.appending("out")])
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains("\(bad):3: unknown key 'load.formatt'"))
        #expect(!FileManager.default.fileExists(atPath: directory.appending("out/raw")))

        let missing = try await E2E.etl(["run", directory.appending("missing.yaml")])
        #expect(missing.status == 64, "\(missing)")

        let flag = try await E2E.etl(["run", "pipelines/demo.yaml", "--log-format", "xml"])
        #expect(flag.status == 64, "\(flag)")
        #expect(flag.stderr.contains("'xml' is invalid for '--log-format"), "\(flag)")
        #expect(flag.stderr.contains("'auto', 'human' or 'json'"), "\(flag)")

        for tool in ["stripe-etl", "stripe-extract", "stripe-transform", "stripe-load"] {
            let version = try await ChildProcess.run(try E2E.executable(tool), ["--version"], timeout: 30)
            #expect(version.status == 0, "\(tool): \(version)")
            #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == ToolInfo.version, "\(tool): \(version)")
        }

        let runId = try await E2E.etl(["run", "pipelines/demo.yaml", "--output", directory.appending("out"), "--run-id", "../escape"])
        #expect(runId.status == 64, "\(runId)")
        #expect(runId.stderr.contains("run id '../escape'"))
    }

    @Test func keyOfTheWrongModeOrNoKeyExits77BeforeAnyRequest() async throws {
        let port = try E2E.closedPort()
        let api = try pipeline(TestPipelines.api(base: "http://127.0.0.1:\(port)"), "api.yaml")
        let secret = "rk_live_e2eLiveKey0000000001"
        let live = try await E2E.etl(["extract", api, "--output", directory.appending("out")], environment: ["STRIPE_API_KEY": secret])
        #expect(live.status == 77, "\(live)")
        #expect(live.stderr.contains("the pipeline reads test data but the key from STRIPE_API_KEY is a live key"))
        #expect(!live.stderr.contains(secret) && !live.stdout.contains(secret))

        let none = try await E2E.etl(["extract", api, "--output", directory.appending("out")])
        #expect(none.status == 77, "\(none)")
        #expect(none.stderr.contains("no Stripe key: set STRIPE_API_KEY"))

        let publishable = try await E2E.etl(
            ["extract", api, "--output", directory.appending("out")], environment: ["STRIPE_API_KEY": "pk_test_abcdefghijklmnop"])
        #expect(publishable.status == 77, "\(publishable)")
    }

    @Test func keyRefusedByTheServerExits77() async throws {
        let config = AccountConfig(seed: 11, customers: 6, invoices: 12, events: 6, years: 1)
        let server = FixtureServer(generator: AccountGenerator(config), configuration: .init(apiKey: "rk_test_e2eRightKey00000001"))
        try server.start()
        defer { server.stop() }
        let api = try pipeline(TestPipelines.api(base: server.baseURL), "fixture.yaml")

        let wrong = "rk_test_e2eWrongKey00000002"
        let refused = try await E2E.etl(
            ["extract", api, "--output", directory.appending("out"), "--run-id", "wrong-key"],
            environment: ["STRIPE_API_KEY": wrong])
        #expect(refused.status == 77, "\(refused)")
        #expect(!refused.stderr.contains(wrong) && !refused.stdout.contains(wrong), "the key leaked into the output")
        #expect(server.requests.contains { $0.status == 401 }, "the server never refused a request")
        #expect(server.requests.allSatisfy { !$0.target.contains("WrongKey") })
        #expect(!FileManager.default.fileExists(atPath: directory.appending("out/raw/wrong-key/_manifest.json")))

        // The right key, restricted without credit note access: refused with 403, also 77, naming it.
        let restricted = FixtureServer(
            generator: AccountGenerator(config),
            configuration: .init(apiKey: "rk_test_e2eRightKey00000001", restrictedPaths: ["/v1/credit_notes": "rak_credit_note_read"]))
        try restricted.start()
        defer { restricted.stop() }
        let restrictedApi = try pipeline(TestPipelines.api(base: restricted.baseURL), "restricted.yaml")
        let forbidden = try await E2E.etl(
            ["extract", restrictedApi, "--output", directory.appending("out"), "--run-id", "no-permission"],
            environment: ["STRIPE_API_KEY": "rk_test_e2eRightKey00000001"])
        #expect(forbidden.status == 77, "\(forbidden)")
        #expect(forbidden.stderr.contains("rak_credit_note_read"), "\(forbidden.stderr)")
        #expect(!forbidden.stderr.contains("e2eRightKey"))
    }

    @Test func stripeUnreachableExits69() async throws {
        let port = try E2E.closedPort()
        let api = try pipeline(TestPipelines.api(base: "http://127.0.0.1:\(port)", maxRetries: 1), "closed.yaml")
        let result = try await E2E.etl(
            ["extract", api, "--output", directory.appending("out")],
            environment: ["STRIPE_API_KEY": "rk_test_e2eKey000000000003"], timeout: 60)
        #expect(result.status == 69, "\(result)")
        #expect(result.stderr.contains("still failing after 2 attempts"), "\(result.stderr)")
        #expect(result.seconds < 30, "max_retries 1 with a tiny backoff must fail fast")

        // The same through `run`: it stops at the failed extract, nothing after it runs.
        let run = try await E2E.etl(
            ["run", api, "--output", directory.appending("out2"), "--run-id", "unreachable"],
            environment: ["STRIPE_API_KEY": "rk_test_e2eKey000000000003"], timeout: 60)
        #expect(run.status == 69, "\(run)")
        #expect(!FileManager.default.fileExists(atPath: directory.appending("out2/staging/unreachable")))
    }

    @Test func malformedAPIBaseExits64BeforeAnyFile() async throws {
        let api = try pipeline(TestPipelines.api(base: "http://127.0.0.1:9"), "base.yaml")
        let out = directory.appending("out")
        let result = try await E2E.etl(
            ["extract", api, "--output", out, "--api-base", "htp:/nowhere"],
            environment: ["STRIPE_API_KEY": "rk_test_e2eKey000000000003"])
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains("the api base 'htp:/nowhere'"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out + "/raw"))
    }

    /// The commands without logging options (`stripe-load ddl`, `stripe-etl docs`, `validate`) exit
    /// with their error's class too, not the argument parser's 1.
    @Test func commandsWithoutLoggingOptionsExitWithTheirErrorsCode() async throws {
        let missingPipeline = directory.appending("missing.yaml")
        let ddl = try await E2E.run(try E2E.executable("stripe-load"), ["ddl", "--dialect", "duckdb", "--pipeline", missingPipeline])
        #expect(ddl.status == 64, "\(ddl)")
        #expect(ddl.stderr.contains("cannot read pipeline file \(missingPipeline)"), "\(ddl)")

        let missingSchemas = directory.appending("no-schemas")
        let docs = try await E2E.etl(["docs", "--schemas", missingSchemas])
        #expect(docs.status == 64, "\(docs)")
        #expect(docs.stderr.contains("cannot list schema directory \(missingSchemas)"), "\(docs)")

        let validate = try await E2E.etl(["validate", missingPipeline])
        #expect(validate.status == 64, "\(validate)")
        #expect(validate.stderr.contains("cannot read pipeline file \(missingPipeline)"), "\(validate)")
    }

    @Test func missingOrIncompleteInputRunExits74() async throws {
        let api = try pipeline(TestPipelines.api(base: "http://127.0.0.1:9"), "io.yaml")
        let out = directory.appending("out")
        let transform = try await E2E.etl(["transform", api, "--output", out, "--run-id", "never-extracted"])
        #expect(transform.status == 74, "\(transform)")
        #expect(transform.stderr.contains("\(out)/raw/never-extracted/_manifest.json is missing"))

        let load = try await E2E.etl(["load", api, "--output", out, "--run-id", "never-transformed"])
        #expect(load.status == 74, "\(load)")
        #expect(load.stderr.contains("\(out)/staging/never-transformed/_manifest.json is missing"))

        let latest = try await E2E.etl(["transform", api, "--output", out])
        #expect(latest.status == 74, "\(latest)")
        #expect(latest.stderr.contains("no runs under \(out)/raw"))
    }

    @Test(.timeLimit(.minutes(2)))
    func rowsRejectedAboveTheThresholdExit65() async throws {
        // A schema copy that requires subscription_id on invoice lines: every one-off line is rejected,
        // far above 1%. (A missing exchange rate no longer rejects: such rows are kept with fx_status.)
        let schemas = try TestPipelines.strictSchemas(in: directory.path)
        let small = try pipeline(TestPipelines.smallDemo(extra: "schemas: \(schemas)"), "strict.yaml")
        let out = directory.appending("out")
        let result = try await E2E.etl(["run", small, "--output", out, "--run-id", "rejects"], timeout: 100)
        #expect(result.status == 65, "\(result)")
        #expect(result.stderr.contains("transform.max_reject_ratio"), "\(result.stderr)")
        #expect(result.stderr.contains("\(out)/staging/rejects/rejects.ndjson"))
        #expect(
            !FileManager.default.fileExists(atPath: out + "/warehouse/_runs/rejects.json"), "nothing is loaded after a failed transform")
        let rejects = (try? String(contentsOfFile: out + "/staging/rejects/rejects.ndjson", encoding: .utf8)) ?? ""
        #expect(rejects.contains("missing required field"), "each rejected row has its reason")

        // The transform publishes no table and no manifest above the ratio: a stand-alone load (of the
        // newest staging run, or by id) finds an incomplete run and publishes nothing.
        for arguments in [["load", small, "--output", out], ["load", small, "--output", out, "--run-id", "rejects"]] {
            let load = try await E2E.etl(arguments, timeout: 60)
            #expect(load.status == 74, "\(load)")
            #expect(load.stderr.contains("staging/rejects/_manifest.json is missing"), "\(load.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: out + "/warehouse"), "nothing is published from a run that failed its reject check")
    }

    @Test(.timeLimit(.minutes(2)))
    func missingRatesKeepRowsWithFXStatus() async throws {
        // Without the supplementary file there is no BHD rate: the rows are kept, not rejected.
        let small = try pipeline(TestPipelines.smallDemo(supplementary: false), "no-bhd-rates.yaml")
        let out = directory.appending("out-fx")
        let result = try await E2E.etl(["run", small, "--output", out, "--run-id", "fx"], timeout: 100)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("rows kept without a rate"), "\(result.stdout)")
        let rejects = (try? String(contentsOfFile: out + "/staging/fx/rejects.ndjson", encoding: .utf8)) ?? ""
        #expect(!rejects.contains("has no rate"))
    }
}
