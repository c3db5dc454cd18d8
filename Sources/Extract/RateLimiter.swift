import Foundation

/// A token bucket shared by every request of a run: one global request budget per second.
public final class RateLimiter: @unchecked Sendable {
    private let lock = NSLock()
    private let interval: Double
    private var next: Double = 0

    public init(requestsPerSecond: Double) {
        interval = 1.0 / max(requestsPerSecond, 0.001)
    }

    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Blocks until the caller may send one request.
    public func acquire() {
        lock.lock()
        let now = Self.now()
        let slot = max(next, now)
        next = slot + interval
        lock.unlock()
        let wait = slot - now
        if wait > 0 { Thread.sleep(forTimeInterval: wait) }
    }

    /// Pushes every caller back, e.g. after a 429 that asked for a pause.
    public func pause(seconds: Double) {
        lock.lock()
        next = max(next, Self.now() + seconds)
        lock.unlock()
    }
}
