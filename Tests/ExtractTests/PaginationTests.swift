import Testing

@testable import Extract

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
        var guardState = LoopGuard(seen: [])
        for page in 0..<20 {
            var fresh = true
            for i in 0..<100 { fresh = guardState.insert("in_\(page)_\(i)") && fresh }
            #expect(fresh)
            guardState.endPage()
        }
        let previousPage = guardState.insert("in_19_5")
        #expect(!previousPage, "an id from the previous page repeats")
        let firstPage = guardState.insert("in_0_42")
        #expect(!firstPage, "a server restarting at page 1 repeats a first-page id")
        let forgotten = guardState.insert("in_5_5")
        #expect(forgotten, "ids of old middle pages are forgotten, so memory stays bounded")

        var child = LoopGuard(seen: ["il_embedded"])
        let embedded = child.insert("il_embedded")
        #expect(!embedded, "a child page repeating the embedded first page")
    }
}
