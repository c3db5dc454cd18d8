import Core
import Extract
import Foundation
import ModuleErrors
import StripeSimulator
import TestSupport
import Testing
import Zstd

@Suite(.serialized, .ownThreads) struct ExtractStageTests {
    static let small = AccountConfig(seed: 7, customers: 60, invoices: 120, events: 80, years: 3)
    /// A slow fault holds its answer `slowSeconds`, past `slowFaultTimeout`, the client's timeout
    /// in the tests that inject slow faults, so every slow fault is a client timeout and a retry.
    /// The timeout is not shorter because up to 16 page requests are served at once on two shared
    /// cores: at 0.3 s a 100-invoice page timed out nine times in a row in a loaded full run, and at
    /// 1 s on a machine about three times slower.
    static let slowSeconds = 4.0
    static let slowFaultTimeout = 3.0

    /// The clean run of `small` the fault scenarios compare with (the same for every scenario, so it
    /// runs once): each stream's lines in file order, and the requests it took.
    static let cleanSmallRun = Result { () throws -> (lines: [String: [String]], requests: Int) in
        let clean = try ExtractHarness(small)
        defer { clean.server.stop() }
        try clean.stage().run(runId: "clean")
        var lines: [String: [String]] = [:]
        for stream in FixtureStream.allCases { lines[stream.rawValue] = try clean.lines("clean", stream.rawValue) }
        return (lines, clean.server.requestCount)
    }

    @Test func cleanRunWritesEveryObjectCompleteExactlyOnce() throws {
        let harness = try ExtractHarness(Self.small)
        defer { harness.server.stop() }
        let manifest = try harness.stage().run(runId: "r1")
        let generator = harness.server.generator
        for stream in FixtureStream.allCases {
            let got = try harness.lines("r1", stream.rawValue)
            #expect(Set(got).count == got.count, "duplicates in \(stream)")
            #expect(got.sorted() == expectedLines(generator, stream), "stream \(stream) differs from the generated account")
            #expect(manifest.streams[stream.rawValue]?.objects == got.count)
            #expect(!got.contains { $0.contains("\n") || $0.contains("  ") && $0.hasPrefix("{ ") })
        }
        // Child lists are complete: the 250-line invoice and the 150-line credit note.
        let invoices = try harness.lines("r1", "invoices")
        let big = try #require(
            invoices.first { $0.contains("\"id\":\"\(generator.id(.invoices, AccountGenerator.Special.manyLineInvoice))\"") })
        #expect(big.components(separatedBy: "\"object\":\"line_item\"").count - 1 == 250)
        #expect(!big.contains("\"has_more\":true"))
        let notes = try harness.lines("r1", "credit_notes")
        #expect(!notes.joined().contains("\"has_more\":true"))
        // Canceled subscriptions (status=all) and inactive prices (active=false) are present.
        #expect(try harness.lines("r1", "subscriptions").contains { $0.contains("\"status\":\"canceled\"") })
        #expect(try harness.lines("r1", "prices").contains { $0.contains("\"active\":false") })
        // The manifest is complete and the checksums hold.
        #expect(manifest.accountId == Self.small.accountID)
        #expect(manifest.stripeApiVersion == ToolInfo.defaultStripeVersion)
        for (_, stream) in manifest.streams { try stream.file.verify(in: harness.paths.raw("r1")) }
        #expect(!FileManager.default.fileExists(atPath: harness.paths.rawState("r1")))
    }

    @Test func onlyGetWithVersionAgentAndNoKeyInOutput() throws {
        let harness = try ExtractHarness(Self.small)
        defer { harness.server.stop() }
        try harness.stage().run(runId: "r1")
        let requests = harness.server.requests
        #expect(!requests.isEmpty)
        for request in requests {
            #expect(request.method == "GET")
            #expect(request.header("Stripe-Version") == ToolInfo.defaultStripeVersion)
            #expect(request.header("User-Agent")?.hasPrefix("stripe-warehouse/") == true)
            #expect(request.header("Authorization") == "Bearer \(harness.server.configuration.apiKey)")
            #expect(!request.target.contains(harness.server.configuration.apiKey))
        }
        #expect(requests.contains { $0.target.contains("status=all") })
        #expect(requests.contains { $0.target.contains("active=false") })
        // The key is nowhere in the run directory.
        let key = harness.server.configuration.apiKey
        let enumerator = FileManager.default.enumerator(atPath: harness.paths.raw("r1"))!
        while let file = enumerator.nextObject() as? String {
            let path = harness.paths.raw("r1") + "/" + file
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            var text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            if file.hasSuffix(".zst") { text = try harness.lines("r1", String(file.dropLast(".ndjson.zst".count))).joined() }
            #expect(!text.contains(key), "key leaked into \(file)")
        }
    }

    @Test(arguments: FaultPlan.Fault.allScenarios(slowSeconds: slowSeconds))
    func everyFaultScenarioEndsWithTheSameObjects(_ fault: FaultPlan.Fault) throws {
        let clean = try Self.cleanSmallRun.get()
        // First attempts only: with many requests in flight, a retry's server-wide number is anyone's.
        var faulty = try ExtractHarness(
            Self.small, configuration: FixtureServer.Configuration(faultPlan: FaultPlan([FaultPlan.Rule(fault, .everyNthFirstAttempt(3))])))
        defer { faulty.server.stop() }
        if case .slow = fault { faulty.pipeline.stripe.timeoutSeconds = Self.slowFaultTimeout }
        let manifest = try faulty.stage().run(runId: "faulty")
        #expect(faulty.server.requests.contains { $0.fault == fault }, "the fault never fired")
        for stream in FixtureStream.allCases {
            #expect(try faulty.lines("faulty", stream.rawValue) == clean.lines[stream.rawValue], "\(stream) under \(fault)")
        }
        // libcurl itself retries a reused connection that dies before any response, so count on the server.
        #expect(faulty.server.requestCount > clean.requests)
        let generator = faulty.server.generator
        #expect(
            manifest.streams.values.reduce(0) { $0 + $1.objects }
                == FixtureStream.allCases.reduce(0) { total, stream in
                    total + (0..<generator.count(stream)).filter { generator.isListed(stream, $0) }.count
                        + generator.referencedLines(stream).count
                })
    }

    @Test func windowedRunMatchesTheUnboundedRun() throws {
        var unbounded = try ExtractHarness(Self.small)
        unbounded.pipeline.extract.createdFilter = false
        defer { unbounded.server.stop() }
        try unbounded.stage().run(runId: "one")
        let windowed = try ExtractHarness(Self.small, windowDays: 90)
        defer { windowed.server.stop() }
        let manifest = try windowed.stage().run(runId: "many")
        #expect(manifest.streams["invoices"]!.windows > 5)
        #expect(windowed.server.requests.contains { $0.target.contains("created%5Bgte%5D=") && $0.target.contains("created%5Blt%5D=") })
        #expect(!unbounded.server.requests.contains { $0.target.contains("created") })
        for stream in FixtureStream.allCases {
            #expect(try windowed.lines("many", stream.rawValue).sorted() == unbounded.lines("one", stream.rawValue).sorted(), "\(stream)")
        }
    }

    @Test func wrongKeyIsAnAuthenticationErrorWithoutTheKey() throws {
        let harness = try ExtractHarness(Self.small)
        defer { harness.server.stop() }
        let wrong = "rk_test_wrongwrongwrong123"
        do {
            try harness.stage(key: harness.key(wrong)).run(runId: "r1")
            Issue.record("expected a 401 failure")
        } catch let error as ExtractError {
            #expect(error.code == .authentication)
            #expect(error.message.contains("401"))
            #expect(error.message.contains("revoked"))
            #expect(!error.message.contains(wrong))
        }
        #expect(!FileManager.default.fileExists(atPath: harness.paths.rawManifest("r1")))
    }

    @Test func missingPermissionNamesIt() throws {
        let harness = try ExtractHarness(
            Self.small, configuration: FixtureServer.Configuration(restrictedPaths: ["/v1/credit_notes": "rak_credit_note_read"]))
        defer { harness.server.stop() }
        do {
            try harness.stage().run(runId: "r1")
            Issue.record("expected a 403 failure")
        } catch let error as ExtractError {
            #expect(error.code == .permission)
            #expect(error.message.contains("rak_credit_note_read"))
            #expect(error.message.contains("credit_notes"))
        }
    }

    @Test func disabledStreamIsNotRequested() throws {
        var harness = try ExtractHarness(Self.small)
        defer { harness.server.stop() }
        harness.pipeline.extract.streams["credit_notes"]?.enabled = false
        let manifest = try harness.stage().run(runId: "r1")
        #expect(manifest.streams["credit_notes"] == nil)
        #expect(!harness.server.requests.contains { $0.path.hasPrefix("/v1/credit_notes") })
    }

    @Test func liveObjectsInATestPipelineStopTheRun() throws {
        var config = Self.small
        config.livemode = true
        let harness = try ExtractHarness(config)
        defer { harness.server.stop() }
        do {
            try harness.stage().run(runId: "r1")
            Issue.record("expected a livemode mismatch")
        } catch let error as ExtractError {
            #expect(error.code == .livemodeMismatch)
            #expect(error.message.contains("livemode true"))
        }
    }

    /// Issue 2's acceptance: 2,000 customers and their invoices, every object and every line present,
    /// with every fault kind firing during the same run.
    @Test func twoThousandCustomersCompleteUnderEveryFault() throws {
        let config = AccountConfig(seed: 2000, customers: 2_000, invoices: 4_000, events: 300, years: 3)
        let moduli = [5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41]
        let faults = FaultPlan.Fault.allScenarios(slowSeconds: Self.slowSeconds)
        // First attempts only: with many requests in flight a retry's number is anyone's.
        // Each kind also on a fixed request of the invoices list, so each fires whatever the scheduling.
        let fixed = faults.enumerated().map { FaultPlan.Rule($1, .pathRequestNumbers([3 + 2 * $0]), pathPrefix: "/v1/invoices") }
        let plan = FaultPlan(fixed + zip(faults, moduli).map { FaultPlan.Rule($0, .everyNthFirstAttempt($1)) })
        var harness = try ExtractHarness(config, configuration: FixtureServer.Configuration(faultPlan: plan))
        defer { harness.server.stop() }
        harness.pipeline.stripe.timeoutSeconds = Self.slowFaultTimeout
        let manifest = try harness.stage().run(runId: "acceptance")
        let fired = Set(harness.server.requests.compactMap { $0.fault?.description })
        #expect(fired == Set(faults.map(\.description)), "faults that never fired: \(Set(faults.map(\.description)).subtracting(fired))")
        let generator = harness.server.generator
        for stream in FixtureStream.allCases {
            let got = try harness.lines("acceptance", stream.rawValue)
            #expect(got.sorted() == expectedLines(generator, stream), "stream \(stream)")
            #expect(manifest.streams[stream.rawValue]?.objects == got.count)
        }
        let lineCount = try harness.lines("acceptance", "invoices").reduce(0) {
            $0 + $1.components(separatedBy: "\"object\":\"line_item\"").count - 1
        }
        #expect(lineCount == (0..<generator.invoiceCount).reduce(0) { $0 + generator.invoiceLineCount($1) })
    }

    /// Issue 13: customers, prices and products that facts name but no listing returns are
    /// retrieved by id once each, written after the listed objects sorted by id; a 404 writes
    /// nothing, is recorded, and does not fail the run.
    @Test func unlistedReferencesAreRetrievedOnceEach() throws {
        var config = AccountConfig(seed: 31, customers: 120, invoices: 150, events: 60, years: 2)
        config.unlistedReferences = true
        let harness = try ExtractHarness(config)
        defer { harness.server.stop() }
        let manifest = try harness.stage().run(runId: "refs")
        let generator = harness.server.generator
        let unlisted = generator.unlistedReferences()
        // The account holds what the pass is for: deleted customers named by facts, one inline price
        // (answered) and one deleted product (404).
        #expect((unlisted[.customers] ?? []).count >= 2)
        #expect(unlisted[.prices]?.count == 1)
        #expect(unlisted[.products]?.count == 1)
        for stream in [FixtureStream.customers, .prices, .products] {
            let got = try harness.lines("refs", stream.rawValue)
            let referenced = generator.referencedLines(stream).map { String(decoding: $0, as: UTF8.self) }
            // After the listed objects, sorted by id.
            #expect(Array(got.suffix(referenced.count)) == referenced, "\(stream)")
            #expect(got.sorted() == expectedLines(generator, stream), "\(stream)")
            let entry = try #require(manifest.streams[stream.rawValue]?.referenced)
            #expect(entry.objects == referenced.count)
            #expect(entry.fetched == referenced.count)
            let missing = (unlisted[stream] ?? []).filter { id in !referenced.contains { $0.contains("\"id\":\"\(id)\"") } }
            #expect(entry.notFound == missing, "\(stream)")
            // One retrieval per id, none for a listed object.
            let retrievals = harness.server.requests.filter { $0.path.hasPrefix(stream.path + "/") && $0.attempt == 1 }
            #expect(Set(retrievals.map(\.path)) == Set((unlisted[stream] ?? []).map { stream.path + "/" + $0 }), "\(stream)")
            #expect(retrievals.count == (unlisted[stream] ?? []).count)
        }
        #expect(manifest.streams["products"]?.referenced?.notFound == [generator.id(.products, try #require(generator.deletedProduct))])
        // The floor counts them: the run stays within its usual margin of it.
        let floor = generator.requestFloor(
            listings: ConcurrentExtractTests.listings(harness.pipeline), limit: harness.pipeline.extract.pageLimit)
        #expect(harness.server.requestCount >= floor)
    }

    /// A server that answers a price's retrieval with a `deleted: true` stub (Stripe answers 404):
    /// the stub is no price row (no product, currency or type), so it is recorded like a 404 and
    /// not written; the run does not fail.
    @Test func aDeletedStubOfAPriceIsRecordedLikeA404() throws {
        var config = AccountConfig(seed: 31, customers: 20, invoices: 30, events: 20, years: 2)
        config.unlistedReferences = true
        let generator = AccountGenerator(config)
        let price = generator.id(.prices, try #require(generator.inlinePrice))
        let router = FixtureRouter(generator: generator)
        let harness = try ExtractHarness(
            config,
            responder: { target in
                if target.hasPrefix("/v1/prices/" + price) {
                    return FixtureResponse(
                        status: 200, headers: [("Content-Type", "application/json")],
                        body: Array(#"{"id":"\#(price)","object":"price","deleted":true}"#.utf8))
                }
                return router.respond(target: target)
            })
        defer { harness.server.stop() }
        let manifest = try harness.stage().run(runId: "stub")
        #expect(manifest.streams["prices"]?.referenced == RawManifest.Referenced(objects: 0, fetched: 0, notFound: [price]))
        #expect(try !harness.lines("stub", "prices").contains { $0.contains(price) })
        #expect(try harness.lines("stub", "prices").count == manifest.streams["prices"]?.objects)
    }
}
