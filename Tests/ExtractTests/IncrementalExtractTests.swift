import Core
import Extract
import Foundation
import Logging
import ModuleErrors
import StripeSimulator
import Synchronization
import TestSupport
import Testing
import Zstd

/// Issue 13: the incremental extract re-fetches what events name, never uses the payload, and
/// turns a 404 on re-fetch into a tombstone.
struct IncrementalExtractTests {
    @Test
    func changedObjectsAreRefetchedCompleteAndA404IsATombstone() throws {
        let now = Int64(Date().timeIntervalSince1970)
        var config = AccountConfig(seed: 5, customers: 20, invoices: 30, events: 10, years: 1)
        config.endTime = now - 2 * 86_400
        let account = EvolvingAccount(generator: AccountGenerator(config))
        let gone = Mutex<Set<String>>([])
        let server = FixtureServer(
            generator: account.generator,
            responder: { target in
                let path = String(target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
                if gone.withLock({ $0.contains(path) }) {
                    return FixtureResponse(
                        status: 404, headers: [("Content-Type", "application/json")],
                        body: Array(
                            #"{"error":{"code":"resource_missing","message":"No such invoice","type":"invalid_request_error"}}"#.utf8))
                }
                return account.respond(target: target)
            })
        try server.start()
        defer { server.stop() }
        let directory = try TemporaryDirectory(prefix: "incremental-extract")
        var pipeline = PipelineDefinition(name: "test", path: "test.yaml", mode: .test)
        pipeline.stripe.apiBase = server.baseURL
        pipeline.stripe.requestsPerSecond = 10_000
        pipeline.extract.eventsLagSeconds = 0
        pipeline.extract.eventsOverlapSeconds = 0
        let paths = RunPaths(root: directory.path)
        let key = try APIKey(server.configuration.apiKey, pipelineMode: .test, source: "test")
        func stage() -> ExtractStage {
            ExtractStage(
                pipeline: pipeline, paths: paths, key: key, apiBase: server.baseURL,
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        }
        func lines(_ runId: String, _ file: String) throws -> [String] {
            var out: [String] = []
            try ZstdLineReader(path: paths.raw(runId) + "/" + file).forEachLine { out.append(String(decoding: $0, as: UTF8.self)) }
            return out
        }

        let full = try stage().run(runId: "a", mode: .full(reason: "test"))
        let fullSync = try #require(full.sync)
        #expect(fullSync.mode == "full" && fullSync.reason == "test")

        let changes = account.evolve(night: 2)
        // An invoice the events name as updated is gone by the time it is re-fetched.
        let updatedInvoices = (changes.changed[.invoices] ?? []).filter { id in
            try! lines("a", "invoices.ndjson.zst").contains { $0.contains("\"id\":\"\(id)\"") }
        }
        let vanished = try #require(updatedInvoices.sorted().first)
        gone.withLock { _ = $0.insert("/v1/invoices/" + vanished) }
        let changedAt = Int64(Date().timeIntervalSince1970)
        while Int64(Date().timeIntervalSince1970) <= changedAt { usleep(20_000) }

        let manifest = try stage().run(runId: "b", mode: .incremental(.init(runId: "a", cursor: fullSync.eventsCursor, eventsAtCursor: [])))
        let sync = try #require(manifest.sync)
        #expect(sync.mode == "incremental" && sync.baseRun == "a" && sync.eventsCursor >= fullSync.eventsCursor)
        #expect(sync.streams["invoices"]?.deleted == 1)

        let invoices = try lines("b", "invoices.ndjson.zst")
        #expect(!invoices.contains { $0.contains("\"id\":\"\(vanished)\"") })
        #expect(try lines("b", "_changes.ndjson.zst").contains("{\"stream\":\"invoices\",\"id\":\"\(vanished)\",\"deleted\":true}"))

        // The 12-item subscription was upgraded: re-fetched with every item (the event has 10).
        let manyItems = account.generator.id(.subscriptions, AccountGenerator.Special.manyItemSubscription)
        let subscription = try #require(try lines("b", "subscriptions.ndjson.zst").first { $0.contains("\"id\":\"\(manyItems)\"") })
        #expect(subscription.components(separatedBy: "\"object\":\"subscription_item\"").count - 1 == 12)
        #expect(subscription.contains("\"has_more\":false"))
        let before = try #require(try lines("a", "subscriptions.ndjson.zst").first { $0.contains("\"id\":\"\(manyItems)\"") })
        #expect(before != subscription)
        let event = try #require(
            try lines("b", "events.ndjson.zst").first { $0.contains("customer.subscription.updated") && $0.contains(manyItems) })
        #expect(event.contains("\"api_version\":\"\(EvolvingAccount.eventAPIVersion)\""))
        #expect(event.components(separatedBy: "\"object\":\"subscription_item\"").count - 1 == 10)

        // Every other object of the base is still there, once.
        for stream in ["customers", "prices", "subscriptions", "invoices", "credit_notes"] {
            let ids = try lines("b", "\(stream).ndjson.zst").map { $0.prefix(40) }
            #expect(ids.count == Set(ids).count, "\(stream): an object twice")
        }
    }
}

/// A key of another Stripe account than the base run's: refused before anything is merged.
struct IncrementalAccountTests {
    @Test func aBaseRunOfAnotherAccountIsRefused() throws {
        var config = AccountConfig(seed: 6, customers: 5, invoices: 5, events: 5, years: 1)
        config.endTime = Int64(Date().timeIntervalSince1970) - 2 * 86_400
        let server = try FixtureServer.started(config)
        defer { server.stop() }
        let directory = try TemporaryDirectory(prefix: "incremental-account")
        var pipeline = PipelineDefinition(name: "test", path: "test.yaml", mode: .test)
        pipeline.stripe.apiBase = server.baseURL
        pipeline.stripe.requestsPerSecond = 10_000
        pipeline.extract.eventsLagSeconds = 0
        let paths = RunPaths(root: directory.path)
        let key = try APIKey(server.configuration.apiKey, pipelineMode: .test, source: "test")
        func stage() -> ExtractStage {
            ExtractStage(
                pipeline: pipeline, paths: paths, key: key, apiBase: server.baseURL,
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        }
        let full = try stage().run(runId: "a", mode: .full(reason: "test"))
        let ours = try #require(full.accountId)
        var other = try RawManifest.read(paths: paths, runId: "a")
        other.accountId = "acct_someone_else"
        try ManifestCoding.write(other, to: paths.rawManifest("a"))
        let sync = try #require(full.sync)
        do {
            _ = try stage().run(runId: "b", mode: .incremental(.init(runId: "a", cursor: sync.eventsCursor, eventsAtCursor: [])))
            Issue.record("an incremental run merged account \(ours) into a base of acct_someone_else")
        } catch let error as ExtractError {
            #expect(error.code == .configuration, "\(error)")
            #expect(error.message.contains(ours) && error.message.contains("acct_someone_else"), "\(error.message)")
        }
        #expect(!FileManager.default.fileExists(atPath: paths.rawManifest("b")))
    }
}
