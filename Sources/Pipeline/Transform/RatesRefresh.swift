public import Core
import Curl
public import Foundation
import Logging
public import Rates

/// `fx.refresh`: keeps the pipeline's rates store fresh before a transform, and the one place
/// that downloads rates for a command.
public enum RatesRefresh {
    /// How old the store may be before `fx.refresh: daily` downloads again.
    public static let maxAge: TimeInterval = 86_400

    /// Downloads the ECB history from `url` (default `fx.update_url`) into the store at `paths`,
    /// checked against the rates it replaces unless `force`. Throws `RatesError`: `.download`
    /// (exit 69) when the source fails, `.refused` (exit 65) when its data is implausible.
    public static func download(_ pipeline: PipelineDefinition, paths: RunPaths, url: String? = nil, force: Bool = false) throws
        -> RatesStore.UpdateResult
    {
        var configuration = HTTPClientConfiguration()
        configuration.userAgent = "\(ToolInfo.name)/\(ToolInfo.version) (+libcurl)"
        configuration.connectTimeoutSeconds = 10
        configuration.timeoutSeconds = 120
        let client: HTTPClient
        do { client = try HTTPClient(configuration: configuration) } catch {
            throw RatesError(.download, "cannot start an HTTP client to download rates", cause: error)
        }
        return try RatesStore(paths: paths).update(from: url ?? pipeline.fx.updateURL, maxChange: force ? nil : pipeline.fx.maxRateChange) {
            url in
            let response = try client.get(url: url)
            return (response.status, response.body)
        }
    }

    /// Before a transform: with `fx.refresh: daily` (and no fixed `fx.rates` file), downloads fresh
    /// rates when the store is absent or older than a day. Any failure is a warning: the old rates
    /// stay and the run goes on. Returns whether the store was updated.
    @discardableResult
    public static func refreshIfDue(_ context: StageContext, now: Date = Date()) -> Bool {
        let pipeline = context.pipeline
        let logger = context.logger
        guard pipeline.rateRefresh == .daily else { return false }
        guard pipeline.fx.rates == nil else {
            logger.debug("fx.refresh skipped: fx.rates names a fixed file", metadata: ["fx.rates": .string(pipeline.fx.rates ?? "")])
            return false
        }
        let store = RatesStore(paths: context.paths)
        if let attributes = try? FileManager.default.attributesOfItem(atPath: store.storePath),
            let modified = attributes[.modificationDate] as? Date, now.timeIntervalSince(modified) < maxAge
        {
            logger.debug("rates store is fresh", metadata: ["path": .string(store.storePath)])
            return false
        }
        do {
            let result = try download(pipeline, paths: context.paths)
            logger.info(
                "rates refreshed",
                metadata: [
                    "path": .string(result.path), "rates.last_day": .string(UTCDate.dayString(result.lastDay)),
                    "rates.sha256": .string(result.sha256)
                ])
            return true
        } catch {
            logger.warning(
                "rates refresh failed; going on with the rates already there",
                metadata: [
                    "error": .string("\(error)"), "rates.store": .string(store.storePath),
                    "fix": "check fx.update_url and the network, or run `stripe-etl rates update` by hand"
                ])
            return false
        }
    }
}
