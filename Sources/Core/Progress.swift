/// One progress report from a stage: what it is working on and how far it got.
public struct ProgressEvent: Sendable {
    public var stage: String
    /// The stream or table.
    public var item: String
    public var count: Int
    /// Pages (extract) or files (load); 0 where it means nothing.
    public var pages: Int
    /// The expected count, when known, for an ETA.
    public var total: Int?
    public var finished: Bool
    /// Stage-wide figures shown after the item's own (extract: requests/s, in flight, 429s, ETA).
    public var detail: String?

    public init(stage: String, item: String, count: Int, pages: Int = 0, total: Int? = nil, finished: Bool = false, detail: String? = nil) {
        self.stage = stage
        self.item = item
        self.count = count
        self.pages = pages
        self.total = total
        self.finished = finished
        self.detail = detail
    }
}

/// Receives progress; the executables decide between a live terminal line and structured logs.
public protocol ProgressReporter: AnyObject, Sendable {
    func report(_ event: ProgressEvent)
}

/// Discards progress (tests, --quiet).
public final class SilentProgress: ProgressReporter {
    public init() {}
    public func report(_ event: ProgressEvent) {}
}
