import Core
import Curl
import Digest
import Extract
import Foundation
import JSON
import Load
import ModuleErrors
import Parquet
import Pipeline
import Rates
import StripeSimulator
import TestSupport
import Testing
import Transform
import Zlib
import Zstd

#if canImport(Glibc)
import Glibc
#endif

/// Exit codes per error class, numeric ranges, leftovers, and rates refresh (issues 11.10-11.12, 14.7).
struct RunReliabilityTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "e2e-reliability") }

    // MARK: 11.12: every error type maps to its documented code

    @Test func everyErrorClassMapsToItsDocumentedCode() {
        struct Unknown: Error {}
        let cases: [(any Error, Pipeline.ExitStatus)] = [
            (CoreError(.configuration, ""), .usage), (CoreError(.schema, ""), .usage), (CoreError(.incompleteRun, ""), .io),
            (CoreError(.io, ""), .io), (CoreError(.locked, ""), .locked),
            (ExtractError(.authentication, ""), .authentication), (ExtractError(.permission, ""), .authentication),
            (ExtractError(.unavailable, ""), .unavailable), (ExtractError(.livemodeMismatch, ""), .dataRejected),
            (ExtractError(.io, ""), .io),
            (ExtractError(.request, ""), .protocolError), (ExtractError(.malformedResponse, ""), .protocolError),
            (ExtractError(.paginationLoop, ""), .protocolError), (ExtractError(.configuration, ""), .usage),
            (TransformError(.input, ""), .io), (TransformError(.output, ""), .io), (TransformError(.tooManyRejects, ""), .dataRejected),
            (TransformError(.rates, ""), .usage), (TransformError(.rates, "", cause: RatesError(.invalidFile, "")), .usage),
            (TransformError(.rates, "", cause: RatesError(.io, "")), .io), (TransformError(.rates, "", cause: CoreError(.io, "")), .io),
            (LoadError(.staging, ""), .io), (LoadError(.io, ""), .io), (LoadError(.badRow, ""), .dataRejected),
            (LoadError(.configuration, ""), .usage),
            (RatesError(.download, ""), .unavailable), (RatesError(.refused, ""), .dataRejected), (RatesError(.invalidFile, ""), .usage),
            (RatesError(.conflict, ""), .usage), (RatesError(.unknownCurrency, ""), .usage), (RatesError(.missingRate, ""), .usage),
            (RatesError(.staleRate, ""), .usage), (RatesError(.amountOutOfRange, ""), .dataRejected), (RatesError(.io, ""), .io),
            (TransformError(.invariant, ""), .failure),
            (ZlibError(.corrupt, ""), .io), (ZlibError(.truncated, ""), .io), (ZlibError(.sizeMismatch, ""), .io),
            (ZlibError(.library, ""), .failure),
            (ZstdError(.io, ""), .io), (ZstdError(.truncated, ""), .io), (ZstdError(.corrupt, ""), .io),
            (ZstdError(.library, ""), .failure),
            (JSONError(.unexpectedEnd, "", offset: 0), .io),
            (DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "")), .io),
            (ParquetError(.io, ""), .io), (ParquetError(.compression, ""), .io), (ParquetError(.invalidValue, ""), .failure),
            (ParquetError(.invalidSchema, ""), .failure), (ParquetError(.incompleteRow, ""), .failure),
            (ParquetError(.closed, ""), .failure),
            (CurlError(.network, ""), .unavailable), (CurlError(.timeout, ""), .unavailable), (CurlError(.tls, ""), .unavailable),
            (CurlError(.usage, ""), .usage), (CurlError(.library, ""), .failure),
            (LoopbackSocketError(.socket, ""), .unavailable), (LoopbackSocketError(.bind, ""), .unavailable),
            (LoopbackSocketError(.name, ""), .unavailable),
            (POSIXError(.ENOSPC), .io), (CocoaError(.fileWriteOutOfSpace), .io),
            (NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC)), .io),
            (StageFailure(.dataRejected, ""), .dataRejected), (Unknown(), .failure)
        ]
        for (error, expected) in cases {
            #expect(Pipeline.ExitStatus.of(error) == expected, "\(type(of: error)) \(error)")
        }
    }

    /// A complete small run to damage, made once per test that needs it.
    func completeRun(_ name: String) async throws -> (pipeline: String, out: String) {
        let pipeline = try TestPipelines.write(TestPipelines.smallDemo(customers: 12), to: directory.appending("\(name).yaml"))
        let out = directory.appending(name)
        let result = try await E2E.etl(["run", pipeline, "--output", out, "--run-id", "base", "--quiet"], timeout: 100)
        try #require(result.status == 0, "\(result)")
        return (pipeline, out)
    }

    /// Replaces a raw stream file and records its new checksum in the manifest (a run damaged
    /// before it was sealed), so only the content is wrong.
    static func damage(_ out: String, stream: String, _ change: ([UInt8]) -> [UInt8]) throws {
        let path = "\(out)/raw/base/\(stream).ndjson.zst"
        let bytes = change([UInt8](try #require(FileManager.default.contents(atPath: path))))
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let manifestPath = "\(out)/raw/base/_manifest.json"
        var manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifestPath))) as? [String: Any])
        var streams = try #require(manifest["streams"] as? [String: Any])
        var entry = try #require(streams[stream] as? [String: Any])
        entry["file"] = ["file": "\(stream).ndjson.zst", "bytes": bytes.count, "sha256": SHA256.hex(bytes)] as [String: Any]
        streams[stream] = entry
        manifest["streams"] = streams
        try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: manifestPath))
    }

    @Test(.timeLimit(.minutes(3)))
    func truncatedCorruptOrEmptyRawFilesAndAFullDiskExit74() async throws {
        let (pipeline, out) = try await completeRun("damaged")
        let pristine = directory.appending("pristine-raw")
        try FileManager.default.copyItem(atPath: out + "/raw/base", toPath: pristine)
        let damages: [(String, ([UInt8]) -> [UInt8], String)] = [
            ("truncated", { Array($0.prefix($0.count / 2)) }, "truncated"),
            ("garbage", { _ in Array(String(repeating: "not zstd\n", count: 20).utf8) }, "not valid zstd"),
            ("empty", { _ in [] }, "is empty")
        ]
        for (name, change, says) in damages {
            try? FileManager.default.removeItem(atPath: out + "/raw/base")
            try FileManager.default.copyItem(atPath: pristine, toPath: out + "/raw/base")
            try Self.damage(out, stream: "invoices", change)
            let result = try await E2E.etl(["transform", pipeline, "--output", out, "--run-id", "base"], timeout: 60)
            #expect(result.status == 74, "\(name): \(result)")
            #expect(result.stderr.contains("raw/base/invoices.ndjson.zst") && result.stderr.contains(says), "\(name): \(result.stderr)")
            #expect(result.stderr.contains("the file is damaged: move its run directory aside"), "\(name): \(result.stderr)")
        }

        // A full disk: the file size limit makes every write past 100 KiB fail with EFBIG, as ENOSPC would.
        try? FileManager.default.removeItem(atPath: out + "/raw/base")
        try FileManager.default.copyItem(atPath: pristine, toPath: out + "/raw/base")
        let etl = try E2E.executable("stripe-etl")
        let full = try await E2E.run(
            "/bin/bash",
            ["-c", "trap '' XFSZ; ulimit -f 100; exec \"$0\" \"$@\"", etl, "transform", pipeline, "--output", out, "--run-id", "base"],
            timeout: 60)
        #expect(full.status == 74, "\(full)")
        #expect(!FileManager.default.fileExists(atPath: out + "/staging/base/_manifest.json"), "a failed transform writes no manifest")

        // The same while writing a staging table: with two-line rates files, the first file above
        // 4 KiB is a table's.
        try? FileManager.default.removeItem(atPath: out + "/staging/base")
        let ecb = try TestPipelines.write(
            "Date,USD,JPY,GBP,KRW,\n2020-01-02,1.1193,121.75,0.84828,1300.6,\n", to: directory.appending("tiny-ecb.csv"))
        let supplementary = try TestPipelines.write(
            "date,currency,rate_per_eur\n2020-01-02,BHD,0.420857\n", to: directory.appending("tiny-bhd.csv"))
        let tiny = try TestPipelines.write(
            TestPipelines.smallDemo(customers: 12, supplementary: false)
                .replacingOccurrences(
                    of: "  max_staleness_days: 7", with: "  rates: \(ecb)\n  supplementary: \(supplementary)\n  max_staleness_days: 36500"),
            to: directory.appending("tiny-rates.yaml"))
        let tables = try await E2E.run(
            "/bin/bash",
            ["-c", "trap '' XFSZ; ulimit -f 4; exec \"$0\" \"$@\"", etl, "transform", tiny, "--output", out, "--run-id", "base"],
            timeout: 60)
        #expect(tables.status == 74, "\(tables)")
        #expect(tables.stderr.contains("cannot write") && tables.stderr.contains("/staging/base/.tmp-"), "\(tables.stderr)")
    }

    // MARK: 11.10: values that crashed the extract are refused, the largest allowed ones do not crash

    @Test(.timeLimit(.minutes(2)))
    func valuesThatCrashedTheExtractAreRefusedNamingKeyAndLine() async throws {
        let port = try E2E.closedPort()
        let base = TestPipelines.api(base: "http://127.0.0.1:\(port)", maxRetries: 0)
        let crashing: [(String, String, String)] = [
            ("extract", "window_days", "200000000000000"),
            ("stripe", "timeout_seconds", "1e300"),
            ("stripe", "connect_timeout_seconds", "1e19")
        ]
        for (section, key, value) in crashing {
            var lines = base.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                .filter { !$0.hasPrefix("  \(key):") }
            let at = try #require(lines.firstIndex(of: "\(section):"))
            lines.insert("  \(key): \(value)", at: at + 1)
            let path = try TestPipelines.write(lines.joined(separator: "\n"), to: directory.appending("\(key).yaml"))
            for command in [
                ["validate", path], ["extract", path, "--output", directory.appending("out")],
                ["run", path, "--output", directory.appending("out")]
            ] {
                let result = try await E2E.etl(command, environment: ["STRIPE_API_KEY": "rk_test_e2eKey000000000003"], timeout: 30)
                #expect(result.status == 64 && !result.signalled, "\(command[0]) \(key): \(result)")
                #expect(result.stderr.contains("\(path):\(at + 2): '\(section).\(key)' must be"), "\(command[0]) \(key): \(result.stderr)")
            }
        }
        // The largest allowed values run (and fail for the closed port) without crashing.
        let largest =
            base.replacingOccurrences(of: "  connect_timeout_seconds: 2", with: "  connect_timeout_seconds: 3600")
            .replacingOccurrences(of: "  timeout_seconds: 5", with: "  timeout_seconds: 86400")
            .replacingOccurrences(of: "  requests_per_second: 1000", with: "  requests_per_second: 10000")
            .replacingOccurrences(of: "  max_backoff_seconds: 0.02", with: "  max_backoff_seconds: 3600")
            .replacingOccurrences(of: "  window_days: 0", with: "  window_days: 36500\n  start: 1970-01-01")
            + "\nfx:\n  max_staleness_days: 36500\n  max_rate_change: 1000\nload:\n  row_group_rows: 10000000\n"
        let path = try TestPipelines.write(largest, to: directory.appending("largest.yaml"))
        let result = try await E2E.etl(
            ["extract", path, "--output", directory.appending("largest")], environment: ["STRIPE_API_KEY": "rk_test_e2eKey000000000003"],
            timeout: 30)
        #expect(result.status == 69 && !result.signalled, "\(result)")
    }

    // MARK: 11.11: every command removes what a killed predecessor left

    @Test(.timeLimit(.minutes(3)))
    func everyCommandRemovesLeftoversOfKilledRuns() async throws {
        let (pipeline, out) = try await completeRun("leftovers")
        func plant() async throws -> [String] {
            let paths = [
                out + "/raw/base/.parts/invoices/0-0.ndjson.zst", out + "/raw/base/_state.json",
                out + "/raw/base/.parts/invoices/.tmp-0-1.ndjson.zst", out + "/raw/base/.tmp-invoices.ndjson.zst",
                out + "/staging/base/.tmp-invoice_lines.ndjson.zst", out + "/rates/.tmp-eurofxref-hist.csv.zst",
                out + "/.warehouse-versions/interrupted/invoice_lines/document_month=2024-01/part-00000.parquet",
                out + "/sql/.base-duckdb.tmp/ddl.sql"
            ]
            for path in paths {
                try FileManager.default.createDirectory(
                    atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Data("left by a killed process".utf8).write(to: URL(fileURLWithPath: path))
            }
            try? FileManager.default.removeItem(atPath: out + "/.warehouse-link.tmp")
            try FileManager.default.createSymbolicLink(
                atPath: out + "/.warehouse-link.tmp", withDestinationPath: ".warehouse-versions/interrupted")
            return paths + [out + "/.warehouse-versions/interrupted", out + "/.warehouse-link.tmp", out + "/sql/.base-duckdb.tmp"]
        }
        let commands: [[String]] = [
            ["extract", pipeline, "--output", out, "--run-id", "base"],
            ["transform", pipeline, "--output", out],
            ["load", pipeline, "--output", out],
            ["run", pipeline, "--output", out, "--run-id", "base"],
            ["rates", "update", pipeline, "--output", out, "--url", "http://127.0.0.1:\(try E2E.closedPort())/h.csv"]
        ]
        for command in commands {
            let planted = try await plant()
            let result = try await E2E.etl(command, timeout: 60)
            #expect(result.status == (command[0] == "rates" ? 69 : 0), "\(command[0]): \(result)")
            for path in planted {
                var info = stat()
                #expect(lstat(path, &info) != 0, "\(command[0]) left \(path)")
            }
            #expect(
                FileManager.default.fileExists(atPath: out + "/warehouse/_runs/base.json"), "\(command[0]) removed the published version")
            #expect(!FileManager.default.fileExists(atPath: out + "/raw/base/.parts"), "\(command[0])")
        }
        #expect(FileManager.default.fileExists(atPath: out + "/raw/base/_manifest.json"))
    }

    @Test(.timeLimit(.minutes(3)))
    func aRunWithoutRunIdResumesTheNewestUnfinishedRunAndNeverLoadsARejectedOne() async throws {
        // With schemas that require subscription_id on invoice lines every one-off line is rejected
        // (exit 65); a re-run without --run-id resumes that run, transforms it again (never loading
        // the rejected staging), and once the configuration is fixed it completes the same run.
        let strict = try TestPipelines.strictSchemas(in: directory.path)
        let broken = try TestPipelines.write(
            TestPipelines.smallDemo(customers: 12, extra: "schemas: \(strict)"), to: directory.appending("broken.yaml"))
        let out = directory.appending("resume")
        let first = try await E2E.etl(["run", broken, "--output", out], timeout: 100)
        #expect(first.status == 65, "\(first)")
        let runs = try FileManager.default.contentsOfDirectory(atPath: out + "/raw")
        try #require(runs.count == 1, "\(runs)")
        let again = try await E2E.etl(["run", broken, "--output", out], timeout: 100)
        #expect(again.status == 65, "\(again)")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: out + "/raw") == runs,
            "the unfinished run is resumed, not a new one started")
        #expect(!FileManager.default.fileExists(atPath: out + "/warehouse"), "a rejected run is never loaded")

        let fixed = try TestPipelines.write(TestPipelines.smallDemo(customers: 12), to: directory.appending("fixed.yaml"))
        let done = try await E2E.etl(["run", fixed, "--output", out], timeout: 100)
        #expect(done.status == 0, "\(done)")
        #expect(done.stdout.contains("Run \(runs[0]) complete."), "\(done.stdout.prefix(200))")
        // Once published, the next run is a new one.
        let next = try await E2E.etl(["run", fixed, "--output", out, "--quiet"], timeout: 100)
        #expect(next.status == 0, "\(next)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out + "/raw").count == 2)
    }

    // MARK: 14.7: fx.refresh, and rates update's exit codes

    /// Serves files from argv[1] on 127.0.0.1 (port written to argv[2]); a missing file is an HTTP
    /// 500; each request's path is appended to argv[3].
    static let ratesServer = #"""
        import http.server, os, sys
        root, portfile, log = sys.argv[1], sys.argv[2], sys.argv[3]
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                with open(log, "a") as f: f.write(self.path + "\n")
                p = os.path.join(root, self.path.lstrip("/"))
                if not os.path.isfile(p):
                    self.send_response(500); self.send_header("Content-Length", "0"); self.end_headers(); return
                body = open(p, "rb").read()
                self.send_response(200); self.send_header("Content-Type", "text/csv"); self.send_header("Content-Length", str(len(body))); self.end_headers()
                self.wfile.write(body)
            def log_message(self, *a): pass
        s = http.server.HTTPServer(("127.0.0.1", 0), H)
        open(portfile + ".tmp", "w").write(str(s.server_address[1])); os.rename(portfile + ".tmp", portfile)
        s.serve_forever()
        """#

    @Test(.timeLimit(.minutes(4)))
    func fxRefreshDownloadsDueRatesAndAFailureWarnsAndGoesOn() async throws {
        let files = directory.appending("rates-files")
        try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: true)
        // The shipped history plus one newer, plausible day.
        let snapshot = String(decoding: try RatesData.readFile(RatesStore.shippedSnapshotPath()), as: UTF8.self)
        var lines = snapshot.split(separator: "\n").map(String.init)
        lines.insert(lines[1].replacingOccurrences(of: "2026-10-30,", with: "2026-11-02,"), at: 1)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: files + "/history.csv"))
        try Data((lines.prefix(11).joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: files + "/newest-10.csv"))
        let portFile = directory.appending("rates-port")
        let log = directory.appending("rates-requests")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let server = try await E2E.start(
            "/usr/bin/env", ["python3", "-c", Self.ratesServer, files, portFile, log], logs: directory.appending("rates-server"))
        defer { server.send(SIGKILL) }
        try #require(E2E.waitFor(20) { FileManager.default.fileExists(atPath: portFile) }, "the rates server never started")
        let base = "http://127.0.0.1:" + (try String(contentsOfFile: portFile, encoding: .utf8))
        func requests() -> [String] { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }
        func pipeline(_ name: String, url: String) throws -> String {
            let text = TestPipelines.smallDemo(customers: 12).replacingOccurrences(
                of: "fx:\n", with: "fx:\n  refresh: daily\n  update_url: \(url)\n")
            return try TestPipelines.write(text, to: directory.appending(name))
        }

        // A failing source: a warning, the shipped snapshot, and the run goes on.
        let failing = try pipeline("failing.yaml", url: base + "/missing.csv")
        let out = directory.appending("refresh")
        let warned = try await E2E.etl(["run", failing, "--output", out, "--log-format", "json"], timeout: 100)
        #expect(warned.status == 0, "\(warned)")
        #expect(
            warned.stderr.contains("rates refresh failed; going on with the rates already there") && warned.stderr.contains("HTTP 500"),
            "\(warned.stderr)")
        #expect(requests() == ["/missing.csv"])
        #expect(!FileManager.default.fileExists(atPath: out + "/rates/eurofxref-hist.csv.zst"))

        // A good source: downloaded into the store before the transform, which uses it.
        let good = try pipeline("good.yaml", url: base + "/history.csv")
        let refreshed = try await E2E.etl(["run", good, "--output", out, "--log-format", "json"], timeout: 100)
        #expect(refreshed.status == 0, "\(refreshed)")
        #expect(refreshed.stderr.contains("rates refreshed"), "\(refreshed.stderr)")
        #expect(requests() == ["/missing.csv", "/history.csv"])
        let stored = try RatesTable(ecbPath: out + "/rates/eurofxref-hist.csv.zst")
        #expect(UTCDate.dayString(stored.ecbLastDay) == "2026-11-02")
        let runId = try #require(try FileManager.default.contentsOfDirectory(atPath: out + "/staging").sorted().last)
        let manifest = try String(contentsOfFile: out + "/staging/\(runId)/_manifest.json", encoding: .utf8)
        let used = try RatesTable(
            ecbPath: out + "/rates/eurofxref-hist.csv.zst", supplementaryPath: E2E.packageRoot + "/pipelines/demo-supplementary-rates.csv")
        #expect(manifest.contains("\"rates_sha256\" : \"\(used.sha256)\""), "the transform used the refreshed rates")

        // Within a day the store is fresh: no download.
        let fresh = try await E2E.etl(["run", good, "--output", out, "--quiet"], timeout: 100)
        #expect(fresh.status == 0, "\(fresh)")
        #expect(requests().count == 2)

        // Explicit downloads: a failing source exits 69, implausible data 65; the store stays.
        let installed = try SHA256.hexOfFile(atPath: out + "/rates/eurofxref-hist.csv.zst")
        let unavailable = try await E2E.etl(["rates", "update", good, "--output", out, "--url", base + "/missing.csv"], timeout: 60)
        #expect(unavailable.status == 69, "\(unavailable)")
        #expect(
            unavailable.stderr.contains("rates source unavailable: downloading rates from \(base)/missing.csv returned HTTP 500"),
            "\(unavailable.stderr)")
        #expect(!unavailable.stderr.contains("Stripe"), "a rates download is not Stripe: \(unavailable.stderr)")
        let closed = try await E2E.etl(
            ["rates", "update", good, "--output", out, "--url", "http://127.0.0.1:\(try E2E.closedPort())/h.csv"], timeout: 60)
        #expect(closed.status == 69, "\(closed)")
        let refused = try await E2E.etl(["rates", "update", good, "--output", out, "--url", base + "/newest-10.csv"], timeout: 60)
        #expect(refused.status == 65, "\(refused)")
        #expect(refused.stderr.contains("downloaded rates refused: refusing the rates from \(base)/newest-10.csv"), "\(refused.stderr)")
        #expect(try SHA256.hexOfFile(atPath: out + "/rates/eurofxref-hist.csv.zst") == installed)
        let forced = try await E2E.etl(["rates", "update", good, "--output", out, "--url", base + "/newest-10.csv", "--force"], timeout: 60)
        #expect(forced.status == 0, "\(forced)")
        #expect(try SHA256.hexOfFile(atPath: out + "/rates/eurofxref-hist.csv.zst") != installed, "--force installs what the checks refuse")
    }
}
