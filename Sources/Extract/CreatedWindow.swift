/// A half-open `created` range [gte, lt) in Unix seconds; both nil for the single unbounded window,
/// which sends no `created` filter at all (some Stripe-compatible servers reject it).
public struct CreatedWindow: Codable, Sendable, Equatable {
    public let gte: Int64?
    public let lt: Int64?

    public init(gte: Int64?, lt: Int64?) {
        self.gte = gte
        self.lt = lt
    }

    public var query: [(String, String)] {
        var query: [(String, String)] = []
        if let gte { query.append(("created[gte]", String(gte))) }
        if let lt { query.append(("created[lt]", String(lt))) }
        return query
    }

    /// Windows covering [start, end) in steps of `days`, oldest first; one unbounded window for 0.
    public static func plan(startUnix: Int64, endUnix: Int64, days: Int) -> [CreatedWindow] {
        guard days > 0 else { return [CreatedWindow(gte: nil, lt: nil)] }
        let step = Int64(days) * 86_400
        var windows: [CreatedWindow] = []
        // The first window also takes everything before the start, so nothing older is lost.
        var low: Int64? = nil
        var edge = startUnix + step
        while edge < endUnix {
            windows.append(CreatedWindow(gte: low, lt: edge))
            low = edge
            edge += step
        }
        windows.append(CreatedWindow(gte: low, lt: endUnix))
        return windows
    }
}
