public import Core
public import Extract
public import Logging
import ModuleErrors
public import StripeSimulator

/// The embedded default: the project's own Stripe-compatible fixture server on 127.0.0.1, serving a
/// deterministic generated account, so the demo needs no key and no network.
public struct DemoServer {
    public let server: FixtureServer
    public let key: APIKey
    public var baseURL: String { server.baseURL }

    public static func start(_ pipeline: PipelineDefinition, logger: Logger) throws -> DemoServer {
        guard pipeline.mode == .test else {
            throw CoreError(.configuration, "\(pipeline.path): a pipeline with a demo: section serves generated test data; set mode: test")
        }
        let settings = pipeline.demo ?? PipelineDefinition.Demo()
        var config = AccountConfig(
            seed: settings.seed, customers: settings.customers, invoices: settings.customers * 8,
            events: settings.customers * 2, years: settings.years)
        config.livemode = false
        config.apiVersion = pipeline.stripe.apiVersion
        let secret = "rk_test_demo" + String(settings.seed)
        let server = try FixtureServer.started(config, configuration: FixtureServer.Configuration(apiKey: secret, recordRequests: false))
        logger.info(
            "demo Stripe server started",
            metadata: ["http.base": .string(server.baseURL), "customers": .stringConvertible(settings.customers)])
        return DemoServer(server: server, key: try APIKey(secret, pipelineMode: .test, source: "the demo server"))
    }

    public func stop() { server.stop() }
}
