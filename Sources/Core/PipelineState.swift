import Foundation

/// `<output>/_pipeline_state.json`: what the next `stripe-etl run` builds on. Written atomically,
/// only after a run is published, so a killed or failed run never moves it.
public struct PipelineState: Codable, Sendable, Equatable {
    /// The last published run: the state an incremental run applies its changes to.
    public var baseRun: String
    /// Events created up to this time (unix seconds) are applied in `baseRun`.
    public var eventsCursor: Int64
    /// Ids of the events in the cursor's second already applied (`created[gte]` lists them again).
    public var eventsAtCursor: [String]
    /// The last full run and when it was published (unix seconds).
    public var lastFullRun: String
    public var lastFullRefreshAt: Int64

    public init(baseRun: String, eventsCursor: Int64, eventsAtCursor: [String], lastFullRun: String, lastFullRefreshAt: Int64) {
        self.baseRun = baseRun
        self.eventsCursor = eventsCursor
        self.eventsAtCursor = eventsAtCursor
        self.lastFullRun = lastFullRun
        self.lastFullRefreshAt = lastFullRefreshAt
    }

    enum CodingKeys: String, CodingKey {
        case baseRun = "base_run", eventsCursor = "events_cursor", eventsAtCursor = "events_at_cursor"
        case lastFullRun = "last_full_run", lastFullRefreshAt = "last_full_refresh_at"
    }

    public static func path(_ paths: RunPaths) -> String { paths.root + "/_pipeline_state.json" }

    /// The state, or nil before the first published run.
    public static func load(_ paths: RunPaths) throws -> PipelineState? {
        let path = path(paths)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try ManifestCoding.read(PipelineState.self, from: path, stage: "pipeline state")
    }

    public func save(_ paths: RunPaths) throws { try ManifestCoding.write(self, to: Self.path(paths)) }

    /// Why objects extracted for `base` cannot stand beside objects this pipeline extracts, if they cannot.
    static func incompatibility(of base: RawManifest, with pipeline: PipelineDefinition) -> String? {
        if base.stripeApiVersion != pipeline.stripe.apiVersion {
            return "was extracted at API version \(base.stripeApiVersion), this pipeline pins \(pipeline.stripe.apiVersion)"
        }
        if base.livemode != pipeline.livemode {
            return "holds \(base.livemode ? "live" : "test")-mode data, this pipeline is in \(pipeline.livemode ? "live" : "test") mode"
        }
        let missing = pipeline.enabledStreams.filter { base.streams[$0] == nil }.sorted()
        if !missing.isEmpty { return "has no \(missing.joined(separator: ", ")) stream (enabled since)" }
        return nil
    }

    /// The next run's kind.
    public enum Decision: Sendable, Equatable {
        case full(reason: String, loud: Bool)
        case incremental(baseRun: String, cursor: Int64, eventsAtCursor: [String])
    }

    /// Full on the first run, on request, when events are not extracted, when the base run's raw
    /// files are gone or were extracted differently (another API version, livemode, or without a
    /// stream this run extracts), when the cursor is older than the events retention (Stripe keeps
    /// events 30 days: changes may have been lost, so this one is loud) and every
    /// `full_refresh_days`; incremental otherwise. `base` reads a run's raw manifest (nil: none).
    public static func decide(
        _ state: PipelineState?, pipeline: PipelineDefinition, fullRefresh: Bool, now: Int64,
        base: (String) -> RawManifest?
    ) -> Decision {
        guard let state else { return .full(reason: "first run", loud: false) }
        if fullRefresh { return .full(reason: "--full-refresh requested", loud: false) }
        guard pipeline.enabledStreams.contains("events") else {
            return .full(reason: "the events stream is disabled, so changes cannot be followed", loud: false)
        }
        guard pipeline.extract.createdFilter else {
            return .full(reason: "extract.created_filter is false: events cannot be listed from a cursor", loud: false)
        }
        if pipeline.extract.fullRefreshDays == 0 { return .full(reason: "extract.full_refresh_days is 0", loud: false) }
        let retention = Int64(pipeline.extract.eventsRetentionDays) * 86_400
        if state.eventsCursor < now - retention {
            return .full(
                reason:
                    "the events cursor (\(UTCDate.isoString(unixSeconds: state.eventsCursor))) is older than the events retention (extract.events_retention_days = \(pipeline.extract.eventsRetentionDays)): Stripe may have dropped events since, so this run re-reads everything",
                loud: true)
        }
        if state.lastFullRefreshAt <= now - Int64(pipeline.extract.fullRefreshDays) * 86_400 {
            return .full(
                reason:
                    "periodic full refresh (extract.full_refresh_days = \(pipeline.extract.fullRefreshDays); the last was \(state.lastFullRun))",
                loud: false)
        }
        guard let baseManifest = base(state.baseRun) else {
            return .full(reason: "the base run \(state.baseRun) has no complete raw files any more", loud: true)
        }
        if let difference = incompatibility(of: baseManifest, with: pipeline) {
            return .full(reason: "the base run \(state.baseRun) \(difference): its objects cannot be merged with this run's", loud: true)
        }
        return .incremental(baseRun: state.baseRun, cursor: state.eventsCursor, eventsAtCursor: state.eventsAtCursor)
    }
}
