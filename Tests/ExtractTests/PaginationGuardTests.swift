import Core
import Foundation
import Logging
import ModuleErrors
import Pipeline
import StripeSimulator
import TestSupport
import Testing

@testable import Extract

/// Issue 11 items 1 and 13: a list restarted part-way is stopped, however far back it jumps;
/// `Retry-After` is honoured as an HTTP date.
@Suite(.serialized, .ownThreads) struct PaginationGuardTests {
    static let account = AccountConfig(seed: 11, customers: 40, invoices: 200, events: 20, years: 3)

    @Test func aPageWithAnObjectFromTwelvePagesEarlierStopsTheStream() throws {
        // The 14th invoices page ends with an object 12 pages newer: following its cursor would serve
        // about 12 pages again (the old guard remembered the first and the last 8 pages only).
        let plan = FaultPlan([FaultPlan.Rule(.staleLastObject(pagesBack: 12), .pathRequestNumbers([14]), pathPrefix: "/v1/invoices")])
        var harness = try ExtractHarness(Self.account, configuration: FixtureServer.Configuration(faultPlan: plan))
        defer { harness.server.stop() }
        harness.pipeline.extract.pageLimit = 10
        // One worker: the invoices list is paged as one range, as in the campaign that found it.
        harness.pipeline.extract.maxInFlight = 1
        do {
            try harness.stage().run(runId: "r1")
            Issue.record("expected a pagination-loop error")
        } catch let error as ExtractError {
            #expect(error.code == .paginationLoop, "\(error)")
            #expect(error.message.contains("stream invoices"), "\(error.message)")
            #expect(error.message.contains("cursor in_"), "\(error.message)")
            #expect(error.message.contains("newest-first"), "\(error.message)")
            #expect(ExitStatus.of(error) == .protocolError, "nothing was retried: not 'Stripe unavailable after retries'")
        }
        #expect(harness.server.requests.contains { $0.fault == .staleLastObject(pagesBack: 12) }, "the fault never fired")
        #expect(!FileManager.default.fileExists(atPath: harness.paths.rawManifest("r1")))
    }

    /// Issue 11 item 12, extract side: each extract failure class has its documented code.
    @Test func extractErrorClassesMapToTheirDocumentedExitCodes() throws {
        let harness = try ExtractHarness(Self.account)
        defer { harness.server.stop() }
        let client = try StripeClient(
            settings: StripeClient.Settings(pipeline: harness.pipeline), key: harness.key(),
            budget: RequestBudget(requestsPerSecond: 100), logger: .init(label: "test"))
        // Stripe's 404 for an unknown parent of a child list, its 400 for an unknown starting_after.
        for (path, query, status) in [
            ("/v1/invoices/in_unknown/lines", [("starting_after", "il_unknown")], 404),
            ("/v1/customers", [("starting_after", "cus_unknown")], 400)
        ] {
            do {
                _ = try client.get(path: path, query: query, context: "stream customers")
                Issue.record("expected Stripe's \(status)")
            } catch let error as ExtractError {
                #expect(error.code == .request && error.message.contains("HTTP \(status)"), "\(error)")
                #expect(ExitStatus.of(error) == .protocolError)
            }
        }
        #expect(ExitStatus.protocolError.rawValue == 76)
        for bad in ["htp://x", "api.stripe.com", "https://", "https://h/?q=1", "not a url"] {
            #expect(throws: ExtractError.self, "\(bad)") { try StripeClient.validate(apiBase: bad) }
            if let error = Result(catching: { try StripeClient.validate(apiBase: bad) }).failure as? ExtractError {
                #expect(ExitStatus.of(error) == .usage)
            }
        }
        try StripeClient.validate(apiBase: "https://api.stripe.com")
        try StripeClient.validate(apiBase: harness.server.baseURL)
        #expect(ExitStatus.of(ExtractError(.malformedResponse, "x")) == .protocolError)
        #expect(ExitStatus.of(ExtractError(.unavailable, "x")) == .unavailable)
        #expect(ExitStatus.protocolError.summary != ExitStatus.unavailable.summary)
    }

    @Test func orderGuardCatchesAnyRiseAfterANewestFirstPageAndStaysOffForOldestFirstLists() {
        var newest = LoopGuard(seen: [])
        for (i, created) in [500, 400, 400, 300].enumerated() { #expect(newest.checkOrder(id: "a\(i)", created: Int64(created)) == nil) }
        newest.endPage()
        for created in stride(from: 290, to: 10, by: -10) { #expect(newest.checkOrder(id: "b\(created)", created: Int64(created)) == nil) }
        let rise = newest.checkOrder(id: "a1", created: 400)
        #expect(rise?.created == 400 && rise?.previous == 20)

        var ties = LoopGuard(seen: [])
        for i in 0..<5 { _ = ties.checkOrder(id: "t\(i)", created: 7) }
        ties.endPage()
        #expect(ties.checkOrder(id: "t5", created: 7) == nil)
        #expect(ties.checkOrder(id: "t1", created: 7) != nil, "a restart inside equal timestamps repeats an id")

        // localstripe: oldest first, then not monotone at all: only the id guard applies.
        var oldest = LoopGuard(seen: [])
        for (i, created) in [100, 200, 150, 300].enumerated() { #expect(oldest.checkOrder(id: "o\(i)", created: Int64(created)) == nil) }
        oldest.endPage()
        #expect(oldest.checkOrder(id: "o9", created: 50) == nil)
        #expect(oldest.checkOrder(id: "o10", created: 500) == nil)
    }

    @Test func retryAfterReadsSecondsAndHTTPDates() {
        #expect(StripeClient.retryAfterSeconds("3", now: 0) == 3)
        #expect(StripeClient.httpDate("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(StripeClient.httpDate("Sunday, 06-Nov-94 08:49:37 GMT") == 784_111_777)
        #expect(StripeClient.httpDate("Sun Nov  6 08:49:37 1994") == 784_111_777)
        #expect(StripeClient.retryAfterSeconds("Sun, 06 Nov 1994 08:49:43 GMT", now: 784_111_777) == 6)
        #expect(StripeClient.retryAfterSeconds("Sun, 06 Nov 1994 08:49:30 GMT", now: 784_111_777) == 0, "a date in the past: retry now")
        #expect(StripeClient.retryAfterSeconds("soon") == nil)
        #expect(StripeClient.httpDate(FixtureServer.httpDate(unixSeconds: 1_764_547_200)) == 1_764_547_200)
    }

    @Test func retryAfterAsAnHTTPDateIsWaitedFor() throws {
        let plan = FaultPlan([FaultPlan.Rule(.rateLimitedUntil(secondsFromNow: 2), .pathRequestNumbers([1]), pathPrefix: "/v1/customers")])
        var harness = try ExtractHarness(Self.account, configuration: FixtureServer.Configuration(faultPlan: plan))
        defer { harness.server.stop() }
        for name in harness.pipeline.extract.streams.keys where name != "customers" {
            harness.pipeline.extract.streams[name]?.enabled = false
        }
        try harness.stage().run(runId: "r1")
        let customers = harness.server.requests.filter { $0.path == "/v1/customers" }
        let limited = try #require(customers.first)
        #expect(limited.status == 429)
        let retry = try #require(customers.dropFirst().first { $0.target == limited.target })
        // The header named a whole second at least 2 s out; the backoff alone would be ~0.05 s.
        #expect(retry.receivedAt - limited.receivedAt >= 1.9, "retried after \(retry.receivedAt - limited.receivedAt) s")
    }
}

extension Result {
    var failure: Failure? { if case let .failure(error) = self { return error } else { return nil } }
}
