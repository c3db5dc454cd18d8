// Integration test against localstripe (PyPI `localstripe==1.15.10`), a stateful fake Stripe server
// that nobody on this project wrote. The test starts it on a free port with --from-scratch, seeds it
// through its HTTP API with Fixtures/seed_localstripe.py (Python stdlib only), runs the extract stage
// in-process against it and compares every stream with what was seeded. It must run in CI: when the
// `localstripe` command is missing the test FAILS (install it with `bash .ci/setup`, or
// `pip install localstripe==1.15.10`).
//
// What localstripe 1.15.10 supports, and its gaps (checked against its source and by this test):
// - Streams it serves: customers, products (`active` filter), coupons, subscriptions
//   (`status=all`), invoices (with embedded lines), events. The pipeline needs
//   `extract.streams.prices.enabled: false` and `extract.streams.credit_notes.enabled: false`:
//   GET /v1/prices and /v1/credit_notes are plain-text 404s (it has the legacy /v1/plans instead,
//   which the pipeline does not read).
// - `created[...]` filters are rejected on customers, products and coupons (400 "Unexpected
//   created") and crash on invoices and subscriptions (500); only events accept them. Use
//   `extract.window_days: 0` (one unbounded window, no `created` filter).
// - GET /v1/account is a plain-text 404: the raw manifest's account_id is null.
// - Only `sk_...` keys are accepted (any `sk_` value; `rk_` keys get 401), so the extract logs its
//   one-line secret-key warning.
// - Lists come oldest first (Stripe: newest first), except invoices, sorted by `date` newest first
//   (`date` is the period start for a subscription's first invoice but the period END for later
//   ones), so `created` is not monotone along the invoices list: a loop guard must not rely on
//   `created` order. The extract's order guard turns itself off when the first page rises; the seed
//   makes sure it does (a first page of equal timestamps would leave the decision to a later page,
//   and ties in `date` listed oldest first would then look like a restart: a flake seen once). An unknown `starting_after` silently restarts at page 1 (the extract's
//   repeated-id guard must catch that). Bodies are pretty-printed (the extract compacts them).
// - Objects are in the 2017-2019 shape whatever `Stripe-Version` says (the header is ignored):
//   `invoice.subscription`, `line.plan`, `invoice.date`, no `parent` / `pricing`, events with
//   `api_version` 2017-08-15. The transform must accept this older shape to load localstripe data.
// - Subscriptions have exactly one item (more is a 500 "Not implemented"); no `trialing` status
//   (a trial leaves the subscription `incomplete`, without an invoice). Canceling (DELETE) keeps it
//   listed with `status=all`.
// - POST /v1/invoices only works for a customer with a live subscription (otherwise 404 "No upcoming
//   invoices for customer"); every invoice therefore carries its subscription's line plus the
//   customer's pending invoice items. Paying needs a payment method on the customer.
// - GET /v1/invoices/{id}/lines rejects `starting_after` (400 "Unexpected starting_after"): an
//   invoice with more than 10 lines (embedded `has_more: true`) cannot be completed and the extract
//   stops on it with that 400. This test keeps invoices at 10 lines or fewer; child-list paging is
//   covered by the fixture-server tests.
// - Coupons can be created and listed but not applied; no discounts appear anywhere.
// - Deleting a customer removes it from the list and records a `customer.deleted` event.
// - Every write pickles the whole store to /tmp/localstripe.pickle (one path for all instances),
//   so seeding is slow (about 130 writes: 10-25 s on a loaded 2-core machine). Keep data small.

import Core
import Extract
import Foundation
import Logging
import ModuleErrors
import StripeSimulator
import TestSupport
import Testing
import Zstd

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct LocalstripeTests {
    /// Any `sk_` key passes localstripe's check; the extract accepts it with a warning.
    static let key = "sk_test_localstripeextract01"

    @Test func seededAccountIsExtractedCompletely() async throws {
        let directory = try TemporaryDirectory(prefix: "localstripe-test")
        let server = try await LocalstripeServer.start(log: directory.appending("localstripe.log"))
        // SIGKILL if the test throws; on success `stop()` below ends it gracefully first.
        defer { server.process.send(SIGKILL) }
        let seeded = try await server.seed()

        var pipeline = PipelineDefinition(name: "localstripe", path: "localstripe.yaml", mode: .test)
        pipeline.stripe.apiBase = server.baseURL
        pipeline.stripe.requestsPerSecond = 1_000
        pipeline.stripe.timeoutSeconds = 30
        pipeline.stripe.maxRetries = 3
        pipeline.stripe.initialBackoffSeconds = 0.05
        pipeline.stripe.maxBackoffSeconds = 0.5
        pipeline.extract.windowDays = 0
        pipeline.extract.createdFilter = false
        pipeline.extract.expand = false
        // Small pages, so `starting_after` paging runs on every stream with more than 7 objects.
        pipeline.extract.pageLimit = 7
        pipeline.extract.streams["prices"]?.enabled = false
        pipeline.extract.streams["credit_notes"]?.enabled = false
        let paths = RunPaths(root: directory.appending("output"))
        let logger = Logger(label: "localstripe-test", factory: { _ in SwiftLogNoOpLogHandler() })
        let stage = ExtractStage(
            pipeline: pipeline, paths: paths, key: try APIKey(Self.key, pipelineMode: .test, source: "test"),
            apiBase: server.baseURL, logger: logger)
        let manifest = try stage.run(runId: "localstripe")

        let streams = ["customers", "products", "coupons", "subscriptions", "invoices", "events"]
        #expect(Set(manifest.streams.keys) == Set(streams))
        #expect(manifest.accountId == nil, "localstripe has no /v1/account, so the account id is unknown")
        #expect(manifest.livemode == false)
        #expect(!FileManager.default.fileExists(atPath: paths.rawState("localstripe")))
        #expect(!FileManager.default.fileExists(atPath: paths.rawFile("localstripe", stream: "prices")))

        var objects: [String: [[String: Any]]] = [:]
        for stream in streams {
            let lines = try Self.lines(paths.rawFile("localstripe", stream: stream))
            var parsed: [[String: Any]] = []
            for (number, line) in lines.enumerated() {
                #expect(Self.isCompactJSON(line), "\(stream) line \(number + 1) is not one compact JSON line")
                let value = try JSONSerialization.jsonObject(with: Data(line))
                let object = try #require(value as? [String: Any], "\(stream) line \(number + 1) is not a JSON object")
                #expect(object["livemode"] as? Bool == false, "\(stream) line \(number + 1)")
                parsed.append(object)
            }
            let ids = parsed.compactMap { $0["id"] as? String }
            #expect(ids.count == parsed.count, "\(stream): objects without an id")
            #expect(Set(ids).count == ids.count, "\(stream): duplicate objects")
            #expect(manifest.streams[stream]?.objects == parsed.count, "\(stream): manifest count")
            try manifest.streams[stream]?.file.verify(in: paths.raw("localstripe"))
            objects[stream] = parsed
        }
        func ids(_ stream: String) -> [String] { (objects[stream] ?? []).compactMap { $0["id"] as? String } }
        func object(_ stream: String, _ id: String) -> [String: Any]? { objects[stream]?.first { $0["id"] as? String == id } }

        // Paging ran: more than one request for the streams with more objects than a page.
        for stream in ["customers", "subscriptions", "invoices", "events"] {
            #expect((manifest.streams[stream]?.requests ?? 0) > 1, "\(stream) fitted in one page; paging was not exercised")
        }

        // Customers: every live one, in localstripe's (oldest first) order; never the deleted one.
        #expect(ids("customers") == seeded.customers)
        #expect(!ids("customers").contains { seeded.deletedCustomers.contains($0) })
        let withMetadata = (objects["customers"] ?? []).filter { !(($0["metadata"] as? [String: Any]) ?? [:]).isEmpty }
        #expect(Set(withMetadata.compactMap { $0["id"] as? String }) == Set(seeded.customersWithMetadata))
        #expect(withMetadata.allSatisfy { (($0["metadata"] as? [String: Any])?["crm_id"] as? String)?.hasPrefix("CRM-") == true })

        // Products: active and inactive (two passes).
        #expect(Set(ids("products")) == Set(seeded.products))
        #expect(ids("products").count == seeded.products.count)
        for id in seeded.inactiveProducts { #expect(object("products", id)?["active"] as? Bool == false, "product \(id)") }

        #expect(Set(ids("coupons")) == Set(seeded.coupons))

        // Subscriptions: status=all brings the canceled ones; one complete item each.
        #expect(Set(ids("subscriptions")) == Set(seeded.subscriptions))
        let canceled = (objects["subscriptions"] ?? []).filter { $0["status"] as? String == "canceled" }
        #expect(Set(canceled.compactMap { $0["id"] as? String }) == Set(seeded.canceledSubscriptions))
        #expect(!seeded.canceledSubscriptions.isEmpty)
        for subscription in objects["subscriptions"] ?? [] {
            let items = subscription["items"] as? [String: Any]
            #expect(items?["has_more"] as? Bool == false)
            #expect((items?["data"] as? [Any])?.count == 1, "subscription \(subscription["id"] ?? "?")")
        }

        // Invoices: every one, each with all its lines (has_more false), the paid ones paid.
        #expect(Set(ids("invoices")) == Set(seeded.invoices.keys))
        for (id, lineCount) in seeded.invoices {
            guard let invoice = object("invoices", id) else { Issue.record("invoice \(id) missing"); continue }
            let lines = invoice["lines"] as? [String: Any]
            #expect(lines?["has_more"] as? Bool == false, "invoice \(id) lines are truncated")
            #expect((lines?["data"] as? [Any])?.count == lineCount, "invoice \(id) should have \(lineCount) lines")
        }
        #expect(seeded.invoices.values.contains(10), "the seed has a 10-line invoice (a full embedded page)")
        for id in seeded.paidInvoices { #expect(object("invoices", id)?["status"] as? String == "paid", "invoice \(id)") }

        // Events: exactly what localstripe lists to an independent client, in the same order.
        #expect(ids("events") == seeded.events)
        var types: [String: Int] = [:]
        for event in objects["events"] ?? [] { types[event["type"] as? String ?? "?", default: 0] += 1 }
        #expect(types == seeded.eventTypes)
        #expect(types["customer.created"] == seeded.customers.count + seeded.deletedCustomers.count)
        #expect(types["customer.subscription.created"] == seeded.subscriptions.count)

        // A second run id with created windows: localstripe rejects the filter, and the extract
        // stops with a request error naming the stream, and no manifest.
        pipeline.extract.windowDays = 30
        pipeline.extract.createdFilter = true
        pipeline.extract.start = "2024-01-01"
        let windowed = ExtractStage(
            pipeline: pipeline, paths: paths, key: try APIKey(Self.key, pipelineMode: .test, source: "test"),
            apiBase: server.baseURL, logger: logger)
        do {
            try windowed.run(runId: "windowed")
            Issue.record("localstripe accepted created[...] filters on customers; update the gap list at the top of this file")
        } catch let error as ExtractError {
            #expect(error.code == .request, "\(error)")
            // Streams run at once: whichever refused listing failed first is named.
            #expect(["customers", "products", "coupons"].contains { error.message.contains("stream \($0)") }, "\(error.message)")
            #expect(error.message.contains("400"), "\(error.message)")
        }
        #expect(!FileManager.default.fileExists(atPath: paths.rawManifest("windowed")))
        await server.stop()
    }

    // MARK: Helpers

    /// The decompressed lines of a raw stream file, as bytes.
    static func lines(_ path: String) throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        try ZstdLineReader(path: path).forEachLine { lines.append(Array($0)) }
        return lines
    }

    /// True when `line` is a JSON object with no whitespace outside strings (and no raw newline).
    static func isCompactJSON(_ line: [UInt8]) -> Bool {
        guard line.first == UInt8(ascii: "{"), line.last == UInt8(ascii: "}") else { return false }
        var inString = false
        var escaped = false
        for byte in line {
            if byte == 10 || byte == 13 { return false }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                return false
            }
        }
        return !inString
    }
}

/// What Fixtures/seed_localstripe.py created (its JSON on stdout).
struct LocalstripeSeed: Decodable {
    var customers: [String]
    var deletedCustomers: [String]
    var customersWithMetadata: [String]
    var products: [String]
    var inactiveProducts: [String]
    var plans: [String]
    var coupons: [String]
    var subscriptions: [String]
    var canceledSubscriptions: [String]
    /// Invoice id -> number of lines.
    var invoices: [String: Int]
    var paidInvoices: [String]
    var events: [String]
    var eventTypes: [String: Int]

    enum CodingKeys: String, CodingKey {
        case customers, products, plans, coupons, subscriptions, invoices, events
        case deletedCustomers = "deleted_customers", customersWithMetadata = "customers_with_metadata"
        case inactiveProducts = "inactive_products", canceledSubscriptions = "canceled_subscriptions"
        case paidInvoices = "paid_invoices", eventTypes = "event_types"
    }
}

/// A localstripe process on 127.0.0.1:<free port>, stopped (terminate, then kill) by `stop()`.
final class LocalstripeServer {
    let process: ChildProcess.Running
    let port: UInt16
    let logPath: String
    var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(process: ChildProcess.Running, port: UInt16, logPath: String) {
        self.process = process
        self.port = port
        self.logPath = logPath
    }

    /// Starts localstripe and waits (at most 30 s) until it answers an authenticated list call.
    /// Fails, never skips, when the command is missing: CI must run this test.
    static func start(log logPath: String, readyTimeout: Double = 30) async throws -> LocalstripeServer {
        guard let executable = ExecutableLocator.onPath("localstripe") else {
            throw LocatorError(
                "the `localstripe` command is not on PATH; this integration test must run, not skip: install it with `bash .ci/setup` or `python3 -m pip install localstripe==1.15.10`"
            )
        }
        var lastProblem = ""
        // A port found free can be taken by someone else before localstripe binds it: try again.
        for _ in 0..<3 {
            let port = try LoopbackSocket.unusedPort()
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            let process = try await ChildProcess.start(
                executable, ["--port", String(port), "--from-scratch"], stdout: logPath, stderr: logPath)
            let server = LocalstripeServer(process: process, port: port, logPath: logPath)
            let deadline = Date().addingTimeInterval(readyTimeout)
            while process.isRunning && Date() < deadline {
                if let response = try? LoopbackHTTPClient.get(
                    port: port, "/v1/customers?limit=1",
                    headers: [("Authorization", "Bearer \(LocalstripeTests.key)")], timeout: 2),
                    response.status == 200
                {
                    return server
                }
                usleep(100_000)
            }
            let running = process.isRunning
            await server.stop()
            lastProblem =
                running
                ? "it did not answer on port \(port) within \(Int(readyTimeout)) s"
                : "it ended (\((try? await process.wait(timeout: 5)).map { "\($0)" } ?? "?"))"
            if running { break }
        }
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        throw LocatorError("localstripe did not start: \(lastProblem); its output: \(log.suffix(2_000))")
    }

    /// Runs Fixtures/seed_localstripe.py against this server and decodes what it created.
    func seed() async throws -> LocalstripeSeed {
        guard let script = Bundle.module.url(forResource: "seed_localstripe", withExtension: "py", subdirectory: "Fixtures") else {
            throw LocatorError("Fixtures/seed_localstripe.py is missing from the ExtractTests resources")
        }
        guard let python = ExecutableLocator.onPath("python3") else {
            throw LocatorError("python3 is not on PATH (localstripe needs it anyway)")
        }
        let result = try await ChildProcess.run(python, [script.path, "--base", baseURL], timeout: 240)
        guard result.status == 0 else {
            throw LocatorError("seeding localstripe failed (exit \(result.status)): \(result.stderr.suffix(2_000))")
        }
        do {
            return try JSONDecoder().decode(LocalstripeSeed.self, from: Data(result.stdout.utf8))
        } catch {
            throw LocatorError(
                "the seed script printed something other than its JSON summary: \(error); output: \(result.stdout.prefix(500))")
        }
    }

    /// SIGTERM, then SIGKILL after 5 s; waits for the process either way. Idempotent.
    func stop() async { await process.stop(grace: 5) }
}
