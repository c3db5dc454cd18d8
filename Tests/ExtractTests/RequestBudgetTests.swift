import Core
import Foundation
import Synchronization
import Testing

@testable import Extract

/// A clock the budget's sleeps advance, so rates are checked exactly and instantly.
final class FakeClock: Sendable {
    private let time = Mutex(1_000.0)
    var now: Double { time.withLock { $0 } }
    func advance(_ seconds: Double) { time.withLock { $0 += seconds } }
}

@Suite struct RequestBudgetTests {
    static func budget(_ rate: Double, burst: Double? = nil, clock: FakeClock) -> RequestBudget {
        RequestBudget(requestsPerSecond: rate, burst: burst, clock: { clock.now }, sleep: { clock.advance($0) })
    }

    @Test func aSecondNeverCarriesMoreThanTheRatePlusTheBurst() {
        let clock = FakeClock()
        let budget = Self.budget(50, clock: clock)
        #expect(budget.burst == 5)
        clock.advance(10) // idle for long: the bucket holds the burst, not 10 seconds' worth
        let start = clock.now
        var sent: [Double] = []
        for _ in 0..<200 {
            budget.acquire()
            budget.release()
            sent.append(clock.now - start)
        }
        for second in 0..<4 {
            let inWindow = sent.filter { $0 >= Double(second) && $0 < Double(second + 1) }.count
            #expect(inWindow <= 50 + 5, "second \(second): \(inWindow) requests")
        }
        #expect(abs(sent.last! - (195.0 / 50)) < 0.05, "200 requests take (200 - burst) / rate seconds")
    }

    @Test func a429HalvesTheRatePausesForRetryAfterAndRecoversGradually() {
        let clock = FakeClock()
        let budget = Self.budget(90, clock: clock)
        budget.acquire()
        budget.release()
        budget.throttled(retryAfter: 6)
        #expect(budget.currentRate == 45)
        budget.throttled(retryAfter: nil)
        #expect(budget.currentRate == 45, "429s already in flight do not halve it again at once")
        let before = clock.now
        budget.acquire()
        #expect(clock.now - before >= 6, "nobody sends before Retry-After")
        // Recovery: a fiftieth of the ceiling per second, capped at the ceiling.
        clock.advance(10)
        budget.acquire()
        #expect(abs(budget.currentRate - (45 + 16 * 1.8)) < 0.5, "\(budget.currentRate)")
        clock.advance(100)
        budget.acquire()
        #expect(budget.currentRate == 90)
        #expect(budget.counts.throttles == 2)
    }
}
