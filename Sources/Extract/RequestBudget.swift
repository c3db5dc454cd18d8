public import Foundation
import Synchronization

/// The run's one request budget, shared by every worker: a token bucket refilled at the current
/// rate, holding at most `burst` tokens (it starts with one), so that no second ever carries more
/// than the rate plus the burst. A caller that finds it empty reserves a token ahead (the balance
/// goes negative) and sleeps until the refill covers it. The rate starts at the ceiling
/// (`stripe.requests_per_second`); a 429 halves it (at most once per `decreaseInterval`, about the
/// time the requests already sent take to answer; never below a twentieth of the ceiling) and
/// pauses every caller for the server's Retry-After; it then climbs back by a fiftieth of the
/// ceiling per second (90/s live: from 45 back to 90 in 25 s), so an account whose production
/// traffic takes part of the limit is not hammered.
public final class RequestBudget: Sendable {
    struct State {
        var rate: Double
        var tokens: Double
        var refilledAt: Double
        var pausedUntil: Double = 0
        var lastDecrease: Double = -.infinity
        var throttles = 0
        var sent = 0
        var inFlight = 0
    }

    public let ceiling: Double
    public let burst: Double
    let floorRate: Double
    let decreaseInterval: Double
    private let state: Mutex<State>
    private let clock: @Sendable () -> Double
    private let sleep: @Sendable (Double) -> Void

    /// `burst` defaults to a tenth of a second's worth (at least one request).
    public init(
        requestsPerSecond: Double, burst: Double? = nil,
        clock: @escaping @Sendable () -> Double = RequestBudget.monotonicNow,
        sleep: @escaping @Sendable (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }
    ) {
        let ceiling = max(requestsPerSecond, 0.001)
        self.ceiling = ceiling
        self.burst = max(1, burst ?? ceiling / 10)
        floorRate = max(ceiling / 20, 0.001)
        decreaseInterval = 0.25
        self.clock = clock
        self.sleep = sleep
        state = Mutex(State(rate: ceiling, tokens: 1, refilledAt: clock()))
    }

    @Sendable public static func monotonicNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// The rate the budget allows now (requests per second).
    public var currentRate: Double { state.withLock { $0.rate } }

    /// 429s reported so far.
    public var throttles: Int { state.withLock { $0.throttles } }

    /// Requests sent so far (retries included) and requests waiting for their answer now.
    public var counts: (sent: Int, inFlight: Int, throttles: Int) { state.withLock { ($0.sent, $0.inFlight, $0.throttles) } }

    /// The answer to a request that `acquire` let through has arrived (or it failed).
    public func release() { state.withLock { $0.inFlight -= 1 } }

    /// Blocks until the caller may send one request; call `release` once it is answered. Each caller reserves its token (the balance
    /// may go below zero) and sleeps until the refill covers it: callers are spaced exactly, with
    /// no thundering herd after a pause.
    public func acquire() {
        let wait: Double = state.withLock { s in
            let now = clock()
            Self.refill(&s, now: now, ceiling: ceiling, burst: burst)
            let start = max(now, s.pausedUntil)
            // Tokens are counted from `start`: a pause earns nothing.
            if start > now { s.tokens = min(s.tokens, 0) }
            s.tokens -= 1
            s.sent += 1
            s.inFlight += 1
            let debt = max(0, -s.tokens)
            return (start - now) + debt / s.rate
        }
        if wait > 0 { sleep(wait) }
    }

    private static func refill(_ s: inout State, now: Double, ceiling: Double, burst: Double) {
        let elapsed = max(0, now - s.refilledAt)
        s.tokens = min(burst, s.tokens + elapsed * s.rate)
        // Gradual recovery after a 429: a fiftieth of the ceiling per second.
        s.rate = min(ceiling, s.rate + elapsed * ceiling / 50)
        s.refilledAt = now
    }

    /// A 429: slow down, and let nobody send before `retryAfter` seconds have passed.
    public func throttled(retryAfter: Double?) {
        state.withLock { s in
            let now = clock()
            Self.refill(&s, now: now, ceiling: ceiling, burst: burst)
            s.throttles += 1
            if now - s.lastDecrease >= decreaseInterval {
                s.rate = max(floorRate, s.rate / 2)
                s.lastDecrease = now
            }
            let pause = retryAfter ?? 0
            if pause > 0 { s.pausedUntil = max(s.pausedUntil, now + pause) }
        }
    }
}
