import Core
import Foundation
import Logging
import StripeSimulator
import Synchronization
import TestSupport
import Testing
import Zstd

@testable import Extract

/// Issue 10: many requests in flight give the same bytes as one at a time, under wire faults and
/// 429 storms; split ranges keep the request count near the account's floor.
@Suite(.serialized, .ownThreads) struct ConcurrentExtractTests {
    /// Small pages so that a small account has many pages, splits and child-list pages (the
    /// 250-line invoice, the 150-line credit note, the 12-item subscription).
    static let account = AccountConfig(seed: 10, customers: 80, invoices: 600, events: 120, years: 3)
    static let pageLimit = 10

    static func harness(_ config: AccountConfig = account, inFlight: Int, server: FixtureServer.Configuration = .init()) throws
        -> ExtractHarness
    {
        var harness = try ExtractHarness(config, configuration: server)
        harness.pipeline.extract.pageLimit = pageLimit
        harness.pipeline.extract.maxInFlight = inFlight
        return harness
    }

    /// The decompressed bytes of every stream file.
    static func files(_ harness: ExtractHarness, _ runId: String) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for stream in PipelineDefinition.knownStreams {
            var bytes: [UInt8] = []
            try ZstdLineReader(path: harness.paths.rawFile(runId, stream: stream)).forEachLine {
                bytes.append(contentsOf: $0); bytes.append(10)
            }
            files[stream] = bytes
        }
        return files
    }

    static func listings(_ pipeline: PipelineDefinition) -> [AccountGenerator.Listing] {
        StreamSpec.all.filter { pipeline.enabledStreams.contains($0.name) }.flatMap { spec in
            spec.passes.compactMap { pass in FixtureStream(rawValue: spec.name).map { AccountGenerator.Listing(stream: $0, filters: pass) }
            }
        }
    }

    @Test func concurrentRunIsByteIdenticalToASequentialRunUnderWireFaults() throws {
        let sequential = try Self.harness(inFlight: 1)
        defer { sequential.server.stop() }
        try sequential.stage().run(runId: "one")
        #expect(sequential.server.peakConcurrentRequests == 1)

        let faults: [FaultPlan.Fault] = [
            .serverError(status: 500), .rateLimited(retryAfter: "0"), .droppedMidBody, .malformedJSON,
            .truncatedBody, .closeWithoutResponse, .htmlErrorPage, .serverError(status: 503)
        ]
        let fixed = faults.enumerated().map { FaultPlan.Rule($1, .pathRequestNumbers([4 + 3 * $0]), pathPrefix: "/v1/invoices") }
        let plan = FaultPlan(fixed + zip(faults, [5, 7, 11, 13, 17, 19, 23, 29]).map { FaultPlan.Rule($0, .everyNthFirstAttempt($1)) })
        let concurrent = try Self.harness(inFlight: 8, server: .init(faultPlan: plan, latencySeconds: 0.002))
        defer { concurrent.server.stop() }
        let manifest = try concurrent.stage().run(runId: "many")

        let fired = Set(concurrent.server.requests.compactMap { $0.fault?.description })
        #expect(fired == Set(faults.map(\.description)), "faults that never fired: \(Set(faults.map(\.description)).subtracting(fired))")
        #expect(concurrent.server.peakConcurrentRequests > 2, "requests were not in flight together")
        #expect((manifest.streams["invoices"]?.windows ?? 0) > 1, "the invoices range was never split")
        let childPaths = concurrent.server.requests.filter { $0.path.hasSuffix("/lines") || $0.path == "/v1/subscription_items" }
        #expect(childPaths.count >= 3, "child-list pages were not fetched")
        let expected = try Self.files(sequential, "one")
        let got = try Self.files(concurrent, "many")
        for stream in PipelineDefinition.knownStreams {
            #expect(got[stream] == expected[stream], "\(stream): concurrent bytes differ from the sequential run")
        }
        // And both are exactly the generated account.
        for stream in FixtureStream.allCases {
            #expect(
                try concurrent.lines("many", stream.rawValue).sorted() == expectedLines(concurrent.server.generator, stream), "\(stream)")
        }
    }

    @Test func progressShowsRatesInFlightAnd429s() throws {
        final class Recorder: ProgressReporter, Sendable {
            let events = Mutex<[ProgressEvent]>([])
            func report(_ event: ProgressEvent) { events.withLock { $0.append(event) } }
        }
        let harness = try Self.harness(inFlight: 4, server: .init(recordRequests: false))
        defer { harness.server.stop() }
        let recorder = Recorder()
        let stage = ExtractStage(
            pipeline: harness.pipeline, paths: harness.paths, key: try harness.key(), apiBase: harness.server.baseURL,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), progress: recorder,
            now: { Date(timeIntervalSince1970: 1_748_736_000 + 3600) })
        try stage.run(runId: "progress")
        let details = recorder.events.withLock { $0 }.compactMap(\.detail)
        let last = try #require(details.last)
        for part in ["objects/s", "req/s", "in flight", "429s"] { #expect(last.contains(part), "\(last)") }
        let finished = Set(recorder.events.withLock { $0 }.filter(\.finished).map(\.item))
        #expect(finished == Set(PipelineDefinition.knownStreams))
        // Connection reuse: one keep-alive connection per worker, plus the account lookup's, plus
        // one per worker of the referenced pass (at most one per id it retrieves).
        let referenced = min(4, harness.server.generator.unlistedReferenceCount)
        #expect(
            harness.server.connectionsAccepted <= 4 + 1 + referenced,
            "\(harness.server.connectionsAccepted) connections for \(harness.server.requestCount) requests")
    }

    @Test(arguments: [Optional("1"), nil])
    func rateLimitStormCompletesWithIdenticalOutputAndBounded429s(_ retryAfter: String?) throws {
        let small = AccountConfig(seed: 12, customers: 30, invoices: 200, events: 40, years: 2)
        let clean = try Self.harness(small, inFlight: 1)
        defer { clean.server.stop() }
        try clean.stage().run(runId: "clean")

        // The server allows 40 requests a second; the pipeline's budget says 400.
        var storm = try Self.harness(
            small, inFlight: 8,
            server: .init(
                recordRequests: false, latencySeconds: 0.002,
                rateLimit: FixtureServer.RateLimit(requestsPerSecond: 40, burst: 4, retryAfter: retryAfter)))
        defer { storm.server.stop() }
        storm.pipeline.stripe.requestsPerSecond = 400
        storm.pipeline.stripe.maxRetries = 20
        try storm.stage().run(runId: "storm")
        let expected = try Self.files(clean, "clean")
        let got = try Self.files(storm, "storm")
        for stream in PipelineDefinition.knownStreams { #expect(got[stream] == expected[stream], "\(stream) after a 429 storm") }
        let limited = storm.server.rateLimitedCount
        let served = storm.server.requestCount - limited
        #expect(limited > 0, "the storm never happened")
        // The budget backs off: fewer 429s than answers (a fixed 400/s pace gets ~9 in 10 refused).
        #expect(limited <= served, "\(limited) 429s for \(served) answered requests")
    }

    /// A burst of invoices on one day, years with nothing, a quiet tail: the request count stays
    /// near the floor computed from the data, and ranges known to be empty are never requested.
    @Test func unevenDensityStaysNearTheRequestFloor() throws {
        var config = AccountConfig(seed: 77, customers: 40, invoices: 1_500, events: 40, years: 6)
        config.burst = AccountConfig.Burst(fraction: 0.8, day: 1_000)
        let harness = try Self.harness(config, inFlight: 8)
        defer { harness.server.stop() }
        let manifest = try harness.stage().run(runId: "uneven")
        let generator = harness.server.generator
        for stream in FixtureStream.allCases {
            #expect(try harness.lines("uneven", stream.rawValue).sorted() == expectedLines(generator, stream), "\(stream)")
        }
        let floor = generator.requestFloor(listings: Self.listings(harness.pipeline), limit: Self.pageLimit)
        let requests = harness.server.requestCount
        #expect(Double(requests) <= Double(floor) * 1.3, "\(requests) requests for a floor of \(floor)")
        #expect((manifest.streams["invoices"]?.windows ?? 0) > 1)
        // A range is requested again only with a cursor: no unit's first page was asked twice.
        let firstPages = harness.server.requests.filter {
            $0.path.hasPrefix("/v1/") && !$0.target.contains("starting_after") && $0.attempt == 1
        }
        #expect(Set(firstPages.map(\.target)).count == firstPages.count)
    }
}
