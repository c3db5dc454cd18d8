import Core
import Extract
import Foundation
import Logging
import StripeSimulator
import TestSupport
import Zstd

/// Shared set-up for extract tests: a pipeline pointed at a fixture server, run into a temp dir.
struct ExtractHarness {
    let server: FixtureServer
    let directory: TemporaryDirectory
    var pipeline: PipelineDefinition

    init(
        _ config: AccountConfig, configuration: FixtureServer.Configuration = FixtureServer.Configuration(), windowDays: Int = 0,
        responder: (@Sendable (String) -> FixtureResponse)? = nil
    ) throws {
        server = FixtureServer(generator: AccountGenerator(config), configuration: configuration, responder: responder)
        try server.start()
        directory = try TemporaryDirectory(prefix: "extract-test")
        pipeline = PipelineDefinition(name: "test", path: "test.yaml", mode: .test)
        pipeline.stripe.apiBase = server.baseURL
        pipeline.stripe.requestsPerSecond = 10_000
        pipeline.stripe.initialBackoffSeconds = 0.01
        pipeline.stripe.maxBackoffSeconds = 0.05
        // Generous: on a loaded 2-core machine a page can take over a second to be served, and a
        // test that did not ask for a timeout must not meet one (at 1 s, nine attempts in a row
        // timed out in a full run on a slower machine). Slow-fault tests set their own, shorter one.
        pipeline.stripe.timeoutSeconds = 10
        pipeline.stripe.connectTimeoutSeconds = 5
        pipeline.extract.windowDays = windowDays
        pipeline.extract.start = "2021-01-01"
    }

    var paths: RunPaths { RunPaths(root: directory.path) }

    func key(_ secret: String? = nil) throws -> APIKey {
        try APIKey(secret ?? server.configuration.apiKey, pipelineMode: .test, source: "test")
    }

    func stage(key: APIKey? = nil, now: Date = Date(timeIntervalSince1970: 1_748_736_000 + 3600)) throws -> ExtractStage {
        ExtractStage(
            pipeline: pipeline, paths: paths, key: try key ?? self.key(), apiBase: server.baseURL,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), now: { now })
    }

    /// Decompressed lines of a stream file.
    func lines(_ runId: String, _ stream: String) throws -> [String] {
        var lines: [String] = []
        try ZstdLineReader(path: paths.rawFile(runId, stream: stream)).forEachLine { lines.append(String(decoding: $0, as: UTF8.self)) }
        return lines
    }
}

extension FixtureStream {
    static func named(_ name: String) -> FixtureStream? { FixtureStream(rawValue: name) }
}

/// The complete objects a clean extract must produce for `stream`, as compact lines, sorted: the
/// listed ones and the referenced pass's (deleted customers' stubs, the inline price).
func expectedLines(_ generator: AccountGenerator, _ stream: FixtureStream) -> [String] {
    ((0..<generator.count(stream)).filter { generator.isListed(stream, $0) }.map { generator.completeLine(stream, $0) }
        + generator.referencedLines(stream))
        .map { String(decoding: $0, as: UTF8.self) }
        .sorted()
}
