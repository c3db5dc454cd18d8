@testable import Extract
import Testing

@Suite struct PaginationTests {
    @Test func windowsCoverTheRangeWithoutGapsOrOverlap() {
        let end: Int64 = 1_000_000 + 10 * 86_400 + 5
        let windows = CreatedWindow.plan(startUnix: 1_000_000, endUnix: end, days: 3)
        #expect(windows.count == 4)
        #expect(windows.first?.gte == nil)
        #expect(windows.last?.lt == .some(end))
        for (a, b) in zip(windows, windows.dropFirst()) { #expect(a.lt == b.gte) }
        #expect(CreatedWindow.plan(startUnix: 0, endUnix: 100, days: 0) == [CreatedWindow(gte: nil, lt: nil)])
        #expect(CreatedWindow(gte: nil, lt: nil).query.isEmpty)
    }

    @Test func backoffIsCappedJitteredAndHonoursRetryAfter() {
        #expect(StripeClient.backoff(attempt: 1, initial: 0.5, cap: 30, retryAfter: nil, random: 1) == 0.5)
        #expect(StripeClient.backoff(attempt: 1, initial: 0.5, cap: 30, retryAfter: nil, random: 0) == 0.25)
        #expect(StripeClient.backoff(attempt: 20, initial: 0.5, cap: 30, retryAfter: nil, random: 1) == 30)
        #expect(StripeClient.backoff(attempt: 1, initial: 0.5, cap: 30, retryAfter: 4, random: 0.3) == 4)
    }

    @Test func queryComponentsAreEncodedForStripe() {
        #expect(StripeClient.encode("created[gte]") == "created%5Bgte%5D")
        #expect(StripeClient.encode("sub_123") == "sub_123")
    }

    @Test func loopGuardCatchesRepeatsAndRestartsWithBoundedMemory() {
        var guardState = LoopGuard(seen: ["in_embedded"])
        #expect(!guardState.insert("in_embedded"))
        for page in 0..<20 {
            for i in 0..<100 {
                let id = "in_\(page)_\(i)"
                #expect(guardState.insert(id))
                #expect(guardState.follows(created: Int64(10_000 - page * 100 - i)))
            }
            guardState.endPage()
        }
        #expect(!guardState.insert("in_19_5"), "an id from the previous page repeats")
        #expect(!guardState.follows(created: 50_000), "newest-first list jumping back to the newest object")
        var ascending = LoopGuard(seen: [])
        #expect(ascending.follows(created: 1))
        #expect(ascending.follows(created: 2))
        #expect(ascending.follows(created: 2))
        #expect(!ascending.follows(created: 1), "oldest-first list (localstripe) restarting at page 1")
    }
}
