import Core
import Foundation
import StripeSimulator
import Synchronization
import Testing
import Zstd

@testable import TestSupport

/// Tests of the test-support library itself: the account generator, the fixture server, the
/// raw-run writer and temporary directories.
@Suite struct TestSupportTests {
    static let small = AccountConfig(seed: 7, customers: 60, invoices: 120, events: 80)

    // MARK: Generator

    @Test func sameSeedSameBytesDifferentSeedDiffers() {
        let a = AccountGenerator(Self.small)
        let b = AccountGenerator(Self.small)
        var other = Self.small
        other.seed = 8
        let c = AccountGenerator(other)
        var differing = 0
        for stream in FixtureStream.allCases {
            #expect(a.expectedIDs(stream) == b.expectedIDs(stream))
            for index in stride(from: 0, to: a.count(stream), by: max(1, a.count(stream) / 15)) {
                #expect(a.completeLine(stream, index) == b.completeLine(stream, index), "\(stream) \(index)")
                if a.completeLine(stream, index) != c.completeLine(stream, index) { differing += 1 }
            }
        }
        #expect(differing > 20)
    }

    @Test func idsEncodeIndexAndOrderIsNewestFirst() {
        let g = AccountGenerator(Self.small)
        for stream in FixtureStream.allCases {
            let count = g.count(stream)
            #expect(count > 0, "\(stream)")
            for index in 0..<count {
                #expect(g.index(stream, fromID: g.id(stream, index)) == index)
                if index > 0 {
                    #expect(g.created(stream, index) >= g.created(stream, index - 1), "\(stream) \(index)")
                    #expect(g.id(stream, index) > g.id(stream, index - 1))
                }
                #expect(g.object(stream, index)["created"]?.intValue == g.created(stream, index))
            }
            #expect(g.index(stream, fromID: g.id(stream, count)) == nil)
            let expected = g.expectedIDs(stream)
            #expect(Set(expected).count == expected.count)
            #expect(expected == expected.sorted(by: >))
        }
        #expect(g.index(.invoices, fromID: "cus_T00000001") == nil)
        #expect(g.index(.invoices, fromID: "in_T1") == nil)
    }

    @Test func specialCasesExist() throws {
        let g = AccountGenerator(Self.small)
        typealias S = AccountGenerator.Special
        #expect(g.invoiceLineCount(S.emptyDraftInvoice) == 0)
        #expect(g.invoiceStatus(S.emptyDraftInvoice) == "draft")
        #expect(g.invoice(S.emptyDraftInvoice).value(atPath: "status_transitions.finalized_at") == .null)
        #expect(g.invoiceLineCount(S.tenLineInvoice) == 10)
        #expect(g.invoiceLineCount(S.elevenLineInvoice) == 11)
        #expect(g.invoiceLineCount(S.manyLineInvoice) == 250)
        #expect(g.creditNoteLineCount(S.manyLineCreditNote) == 150)
        #expect(g.subscriptionItemCount(S.manyItemSubscription) == 12)

        let subscriptions = (0..<g.subscriptionCount).map { g.subscription($0, itemLimit: nil) }
        let statuses = Set(subscriptions.compactMap { $0["status"]?.stringValue })
        #expect(statuses.isSuperset(of: ["active", "trialing", "past_due", "canceled", "incomplete"]))
        #expect(subscriptions.contains { $0["pause_collection"]?.isNull == false })
        #expect(subscriptions.filter { ($0.value(atPath: "items.data")?.arrayValue?.count ?? 0) >= 2 }.count >= 5)
        #expect(subscriptions.contains { ($0["discounts"]?.arrayValue?.count ?? 0) > 0 })
        for sub in subscriptions {
            let items = sub.value(atPath: "items.data")?.arrayValue ?? []
            #expect(!items.isEmpty)
            for item in items {
                #expect(item["current_period_start"]?.intValue != nil)
                #expect(item["current_period_end"]?.intValue != nil)
            }
            #expect(sub["current_period_start"] == nil, "basil moved periods to items")
        }

        let invoiceStatuses = Set((0..<g.invoiceCount).map { g.invoiceStatus($0) })
        #expect(invoiceStatuses == ["draft", "open", "paid", "void", "uncollectible"])

        let prices = (0..<g.priceCount).map { g.price($0) }
        #expect(prices.contains { $0["active"] == false })
        #expect(prices.contains { $0["active"] == true })
        #expect(prices.contains { $0.value(atPath: "recurring.usage_type") == "metered" })
        #expect(prices.contains { $0["billing_scheme"] == "tiered" })
        #expect(prices.contains { $0["type"] == "one_time" })
        #expect(prices.contains { $0["unit_amount_decimal"]?.stringValue?.contains(".") == true })
        let intervals = Set(prices.compactMap { $0.value(atPath: "recurring.interval")?.stringValue })
        #expect(intervals == ["day", "week", "month", "year"])
        #expect(prices.contains { ($0.value(atPath: "recurring.interval_count")?.intValue ?? 1) > 1 })
        #expect((0..<g.productCount).contains { !g.isProductActive($0) })

        let coupons = (0..<g.couponCount).map { g.coupon($0) }
        #expect(Set(coupons.compactMap { $0["duration"]?.stringValue }) == ["once", "repeating", "forever"])
        #expect(coupons.contains { $0["percent_off"]?.isNull == false })
        #expect(coupons.contains { $0["amount_off"]?.isNull == false })

        let customers = (0..<g.customerCount).map { g.customer($0) }
        #expect(customers.contains { $0["address"] == .null && $0["shipping"] != .null })
        #expect(customers.contains { $0.value(atPath: "metadata.user_id")?.stringValue != nil })
        #expect(!g.deletedCustomerIDs.isEmpty)
        #expect(g.deletedCustomerIDs.allSatisfy { !g.expectedIDs(.customers).contains($0) })
        let deletedEvents = (0..<g.eventCount).map { g.event($0) }.filter { $0["type"] == "customer.deleted" }
        #expect(Set(deletedEvents.compactMap { $0.value(atPath: "data.object.id")?.stringValue }) == Set(g.deletedCustomerIDs))

        let currencies = Set((0..<g.invoiceCount).compactMap { g.invoice($0)["currency"]?.stringValue })
        #expect(currencies.isSuperset(of: ["usd", "eur", "jpy"]))
        var config = Self.small
        config.currencies = ["bhd", "krw", "gbp"]
        let other = AccountGenerator(config)
        #expect(Set((0..<other.invoiceCount).compactMap { other.invoice($0)["currency"]?.stringValue }) == ["bhd", "krw", "gbp"])
    }

    @Test func invoiceLinesUseBasilShapeAndAmountsReconcile() {
        let g = AccountGenerator(Self.small)
        var sawSubscriptionLine = false
        var sawInvoiceItemLine = false
        var sawProration = false
        var sawTax = false
        var sawDiscount = false
        for index in 0..<g.invoiceCount {
            let invoice = g.invoice(index, lineLimit: nil)
            let lines = invoice.value(atPath: "lines.data")?.arrayValue ?? []
            #expect(lines.count == g.invoiceLineCount(index))
            var sum: Int64 = 0
            var discounts: Int64 = 0
            var exclusiveTax: Int64 = 0
            for line in lines {
                sum += line["amount"]?.intValue ?? 0
                discounts += (line["discount_amounts"]?.arrayValue ?? []).reduce(0) { $0 + ($1["amount"]?.intValue ?? 0) }
                for tax in line["taxes"]?.arrayValue ?? [] where tax["tax_behavior"] == "exclusive" {
                    exclusiveTax += tax["amount"]?.intValue ?? 0
                }
                #expect(line["pricing"]?.value(atPath: "price_details.price")?.stringValue?.hasPrefix("price_T") == true)
                #expect(line["price"] == nil && line["subscription"] == nil && line["tax_amounts"] == nil)
                switch line.value(atPath: "parent.type")?.stringValue {
                case "subscription_item_details"?:
                    sawSubscriptionLine = true
                    if line.value(atPath: "parent.subscription_item_details.proration") == true { sawProration = true }
                case "invoice_item_details"?: sawInvoiceItemLine = true
                default: Issue.record("line without parent type in invoice \(index)")
                }
                if !(line["taxes"]?.arrayValue ?? []).isEmpty { sawTax = true }
                if !(line["discount_amounts"]?.arrayValue ?? []).isEmpty { sawDiscount = true }
            }
            #expect(invoice["subtotal"]?.intValue == sum, "invoice \(index)")
            #expect(invoice["total"]?.intValue == sum - discounts + exclusiveTax, "invoice \(index)")
            if invoice.value(atPath: "parent.type") == "subscription_details" {
                #expect(invoice.value(atPath: "parent.subscription_details.subscription")?.stringValue?.hasPrefix("sub_T") == true)
            }
            #expect(invoice["subscription"] == nil)
        }
        #expect(sawSubscriptionLine && sawInvoiceItemLine && sawProration && sawTax && sawDiscount)
    }

    @Test func servedObjectsEmbedFirstPageAndPrettyMatchesCompact() throws {
        let g = AccountGenerator(Self.small)
        let served = g.invoice(AccountGenerator.Special.manyLineInvoice)
        #expect(served.value(atPath: "lines.data")?.arrayValue?.count == 10)
        #expect(served.value(atPath: "lines.has_more") == true)
        #expect(served.value(atPath: "lines.url") == "/v1/invoices/in_T00000003/lines")
        let complete = g.completeObject(.invoices, AccountGenerator.Special.manyLineInvoice)
        #expect(complete.value(atPath: "lines.data")?.arrayValue?.count == 250)
        #expect(complete.value(atPath: "lines.has_more") == false)
        #expect(g.invoice(AccountGenerator.Special.tenLineInvoice).value(atPath: "lines.has_more") == false)
        #expect(g.invoice(AccountGenerator.Special.elevenLineInvoice).value(atPath: "lines.has_more") == true)

        for stream in FixtureStream.allCases {
            let object = g.object(stream, 3 % g.count(stream))
            let pretty = object.prettyString()
            #expect(pretty.contains("\n  \"id\": "))
            let reparsed = try FixtureJSON.parse(pretty)
            #expect(reparsed == object)
            #expect(reparsed.compactBytes() == object.compactBytes())
            #expect(!object.compactString().contains("\n"))
        }
        // Escaping survives a round trip (names with quotes, backslashes, newlines, non-ASCII).
        let tricky: FixtureJSON = .object([("s", "a \"q\" \\ b\nc\u{01} Zoë 日本")])
        #expect(try FixtureJSON.parse(tricky.compactBytes()) == tricky)
    }

    // MARK: Server helpers

    static let key = "rk_test_fixture"
    static let auth = [("Authorization", "Bearer \(key)"), ("Stripe-Version", "2025-03-31.basil"), ("User-Agent", "fixtures-test/1")]

    /// GET with retries on anything but a 2xx with valid JSON (like a well-behaved Stripe client).
    static func getJSON(_ server: FixtureServer, _ target: String, timeout: Double = 30, attempts: Int = 6) throws -> FixtureJSON {
        var lastError: (any Error)?
        for _ in 0..<attempts {
            do {
                let response = try LoopbackHTTPClient.get(port: server.port, target, headers: auth, timeout: timeout)
                if response.status == 200, response.header("Content-Type") == "application/json" {
                    return try response.json()
                }
                lastError = TestSupportError(message: "status \(response.status)")
            } catch {
                lastError = error
            }
        }
        throw lastError ?? TestSupportError(message: "no attempts")
    }

    /// Pages a list with `starting_after` until `has_more` is false; returns every object.
    static func pageAll(_ server: FixtureServer, _ path: String, _ query: String = "", limit: Int = 7, timeout: Double = 30) throws
        -> [FixtureJSON]
    {
        var objects: [FixtureJSON] = []
        var cursor: String?
        for _ in 0..<10_000 {
            var target = "\(path)?limit=\(limit)"
            if !query.isEmpty { target += "&" + query }
            if let cursor { target += "&starting_after=\(cursor)" }
            let page = try getJSON(server, target, timeout: timeout)
            let data = page["data"]?.arrayValue ?? []
            objects += data
            guard page["has_more"] == true, let last = data.last?["id"]?.stringValue else { return objects }
            cursor = last
        }
        throw TestSupportError(message: "pagination did not end")
    }

    static func ids(_ objects: [FixtureJSON]) -> [String] { objects.compactMap { $0["id"]?.stringValue } }

    // MARK: Server

    @Test func pagingReturnsEveryIdOnceInStripeOrder() throws {
        let server = FixtureServer(generator: AccountGenerator(Self.small))
        try server.start()
        defer { server.stop() }
        let g = server.generator
        for stream in FixtureStream.allCases {
            let query: String
            switch stream {
            case .subscriptions: query = "status=all"
            default: query = ""
            }
            let objects = try Self.pageAll(server, stream.path, query, limit: stream == .invoices ? 13 : 7)
            let ids = Self.ids(objects)
            #expect(ids == g.expectedIDs(stream), "\(stream)")
            #expect(Set(ids).count == ids.count)
            // Served objects equal the generator's first-page rendering.
            if let first = objects.first, let index = g.index(stream, fromID: ids[0]) {
                #expect(first == g.object(stream, index))
            }
        }
        // Default limit is 10, at most 100.
        #expect(try Self.getJSON(server, "/v1/invoices")["data"]?.arrayValue?.count == 10)
        #expect(try Self.getJSON(server, "/v1/invoices?limit=100")["data"]?.arrayValue?.count == 100)
        let requests = server.requests
        #expect(!requests.isEmpty)
        #expect(requests.allSatisfy { $0.method == "GET" && $0.header("Stripe-Version") == "2025-03-31.basil" })
        #expect(requests.allSatisfy { $0.header("User-Agent") == "fixtures-test/1" && $0.status == 200 })
        #expect(server.requestCount == requests.count)
    }

    @Test func filtersMatchStripeSemantics() throws {
        let server = FixtureServer(generator: AccountGenerator(Self.small))
        try server.start()
        defer { server.stop() }
        let g = server.generator

        // Without status=all canceled subscriptions are hidden.
        let visible = Self.ids(try Self.pageAll(server, "/v1/subscriptions", limit: 100))
        let canceled = g.expectedIndices(.subscriptions).filter { g.subscription($0)["status"] == "canceled" }.map {
            g.id(.subscriptions, $0)
        }
        #expect(!canceled.isEmpty)
        #expect(Set(visible) == Set(g.expectedIDs(.subscriptions)).subtracting(canceled))
        let onlyCanceled = Self.ids(try Self.pageAll(server, "/v1/subscriptions", "status=canceled", limit: 100))
        #expect(onlyCanceled == g.expectedIDs(.subscriptions).filter { canceled.contains($0) })

        // active=true|false partitions products and prices; absent gives both.
        for stream in [FixtureStream.prices, .products] {
            let active = Self.ids(try Self.pageAll(server, stream.path, "active=true", limit: 50))
            let inactive = Self.ids(try Self.pageAll(server, stream.path, "active=false", limit: 50))
            #expect(!active.isEmpty && !inactive.isEmpty)
            #expect(Set(active).isDisjoint(with: inactive))
            #expect(Set(active + inactive) == Set(g.expectedIDs(stream)))
        }

        // created[gte] / created[lt] windows partition the invoices.
        let cut = g.created(.invoices, 50)
        let newer = Self.ids(try Self.pageAll(server, "/v1/invoices", "created%5Bgte%5D=\(cut)", limit: 100))
        let older = Self.ids(try Self.pageAll(server, "/v1/invoices", "created[lt]=\(cut)", limit: 100))
        #expect(newer == g.expectedIDs(.invoices).filter { g.created(.invoices, g.index(.invoices, fromID: $0)!) >= cut })
        #expect(newer + older == g.expectedIDs(.invoices))
        let gt = Self.ids(
            try Self.pageAll(server, "/v1/invoices", "created[gt]=\(cut)&created[lte]=\(g.created(.invoices, 60))", limit: 100))
        #expect(gt == (51...60).reversed().map { g.id(.invoices, $0) })

        // Events by type.
        let deleted = try Self.pageAll(server, "/v1/events", "types[]=customer.deleted", limit: 100)
        #expect(Set(deleted.compactMap { $0.value(atPath: "data.object.id")?.stringValue }) == Set(g.deletedCustomerIDs))
        let invoiceEvents = try Self.pageAll(server, "/v1/events", "types%5B%5D=invoice.paid&types%5B%5D=invoice.finalized", limit: 100)
        #expect(!invoiceEvents.isEmpty)
        #expect(invoiceEvents.allSatisfy { ["invoice.paid", "invoice.finalized"].contains($0["type"]?.stringValue ?? "") })

        // ending_before returns the page just newer than the cursor, newest first.
        let before = try Self.getJSON(server, "/v1/invoices?limit=3&ending_before=\(g.id(.invoices, 10))")
        #expect(Self.ids(before["data"]?.arrayValue ?? []) == ["in_T00000013", "in_T00000012", "in_T00000011"])
        #expect(before["has_more"] == true)

        // Expanded discounts carry the coupon.
        let expanded = try Self.getJSON(server, "/v1/subscriptions?status=all&limit=100&expand[]=data.discounts")
        let discounted = (expanded["data"]?.arrayValue ?? []).first { ($0["discounts"]?.arrayValue ?? []).count > 0 }
        #expect(discounted?["discounts"]?.arrayValue?.first?.value(atPath: "coupon.duration")?.stringValue != nil)

        #expect(try Self.getJSON(server, "/v1/account")["id"]?.stringValue == g.config.accountID)
        #expect(try Self.getJSON(server, "/v1/invoices/in_T00000005")["id"] == "in_T00000005")
    }

    @Test func childListsPageCompletely() throws {
        let server = FixtureServer(generator: AccountGenerator(Self.small))
        try server.start()
        defer { server.stop() }
        let g = server.generator
        typealias S = AccountGenerator.Special
        let invoiceID = g.id(.invoices, S.manyLineInvoice)
        let lines = Self.ids(try Self.pageAll(server, "/v1/invoices/\(invoiceID)/lines", limit: 100))
        #expect(lines.count == 250)
        #expect(lines == g.expectedChildIDs(.invoices, S.manyLineInvoice))
        let eleven = Self.ids(try Self.pageAll(server, "/v1/invoices/\(g.id(.invoices, S.elevenLineInvoice))/lines", limit: 10))
        #expect(eleven == g.expectedChildIDs(.invoices, S.elevenLineInvoice))
        let noteLines = Self.ids(try Self.pageAll(server, "/v1/credit_notes/\(g.id(.creditNotes, S.manyLineCreditNote))/lines", limit: 100))
        #expect(noteLines.count == 150)
        #expect(noteLines == g.expectedChildIDs(.creditNotes, S.manyLineCreditNote))
        let subID = g.id(.subscriptions, S.manyItemSubscription)
        let items = Self.ids(try Self.pageAll(server, "/v1/subscription_items", "subscription=\(subID)", limit: 5))
        #expect(items == g.expectedChildIDs(.subscriptions, S.manyItemSubscription))
        #expect(items.count == 12)

        // Merging the pages into the embedded list gives the complete object.
        var served = try Self.getJSON(server, "/v1/invoices/\(invoiceID)")
        let allLines = try Self.pageAll(server, "/v1/invoices/\(invoiceID)/lines", limit: 100)
        let embedded = served["lines"]!.setting("data", to: .array(allLines)).setting("has_more", to: false)
        served = served.setting("lines", to: embedded)
        #expect(served.compactBytes() == g.completeLine(.invoices, S.manyLineInvoice))
    }

    @Test func errorsLookLikeStripe() throws {
        let server = FixtureServer(
            generator: AccountGenerator(Self.small),
            configuration: .init(restrictedPaths: ["/v1/credit_notes": "rak_credit_note_read"]))
        try server.start()
        defer { server.stop() }
        let port = server.port

        let unknown = try LoopbackHTTPClient.get(port: port, "/v1/invoices?starting_after=in_nope", headers: Self.auth)
        #expect(unknown.status == 400)
        #expect(try unknown.json().value(atPath: "error.message")?.stringValue?.hasPrefix("No such invoice: 'in_nope'") == true)
        #expect(try unknown.json().value(atPath: "error.param") == "starting_after")
        let deleted = try LoopbackHTTPClient.get(port: port, "/v1/customers?starting_after=cus_T00000007", headers: Self.auth)
        #expect(deleted.status == 400)

        let missing = try LoopbackHTTPClient.get(port: port, "/v1/invoices")
        #expect(missing.status == 401)
        let wrong = try LoopbackHTTPClient.get(port: port, "/v1/invoices", headers: [("Authorization", "Bearer rk_test_wrongkey1234")])
        #expect(wrong.status == 401)
        #expect(try wrong.json().value(atPath: "error.type") == "invalid_request_error")
        #expect(!wrong.text.contains("rk_test_wrongkey1234"))

        let forbidden = try LoopbackHTTPClient.get(port: port, "/v1/credit_notes?limit=100", headers: Self.auth)
        #expect(forbidden.status == 403)
        let message = try forbidden.json().value(atPath: "error.message")?.stringValue ?? ""
        #expect(message.contains("does not have the required permissions") && message.contains("rak_credit_note_read"))
        #expect(!message.contains(Self.key))

        let post = try LoopbackHTTPClient.get(port: port, "/v1/invoices", headers: Self.auth, method: "POST")
        #expect(post.status == 405)
        #expect(try LoopbackHTTPClient.get(port: port, "/v1/invoices?limit=101", headers: Self.auth).status == 400)
        #expect(try LoopbackHTTPClient.get(port: port, "/v1/invoices?limit=0", headers: Self.auth).status == 400)
        #expect(try LoopbackHTTPClient.get(port: port, "/v1/charges_nope", headers: Self.auth).status == 404)
        #expect(try LoopbackHTTPClient.get(port: port, "/v1/subscription_items", headers: Self.auth).status == 400)
        #expect(server.requests.contains { $0.method == "POST" && $0.status == 405 })
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnection() throws {
        let server = FixtureServer(generator: AccountGenerator(Self.small))
        try server.start()
        defer { server.stop() }
        // Two pipelined requests on one connection, the second asking to close.
        let request =
            "GET /v1/account HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Self.key)\r\n\r\n"
            + "GET /v1/coupons?limit=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Self.key)\r\nConnection: close\r\n\r\n"
        let raw = try RawSocket.exchange(port: server.port, Array(request.utf8))
        let text = String(decoding: raw, as: UTF8.self)
        #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count == 3)
        #expect(text.contains("Connection: keep-alive") && text.contains("Connection: close"))
        #expect(server.requestCount == 2)
    }

    /// A slow fault holds its answer `slowSeconds`, far past the client's `slowFaultTimeout`: only that
    /// order matters, so both are short.
    static let slowSeconds = 1.0
    static let slowFaultTimeout = 0.3

    /// The slow fault waits far longer than the client's timeout; other faults get a generous timeout.
    @Test(arguments: FaultPlan.Fault.allScenarios(slowSeconds: slowSeconds))
    func everyFaultFiresOnceThenRecovers(_ fault: FaultPlan.Fault) throws {
        let server = FixtureServer(generator: AccountGenerator(Self.small), configuration: .init(faultPlan: .firstAttempt(fault)))
        try server.start()
        defer { server.stop() }
        let target = "/v1/invoices?limit=20"
        let timeout = fault == .slow(seconds: Self.slowSeconds) ? Self.slowFaultTimeout : 30
        let first = Result(catching: { try LoopbackHTTPClient.get(port: server.port, target, headers: Self.auth, timeout: timeout) })
        switch fault {
        case let .rateLimited(retryAfter):
            let response = try first.get()
            #expect(response.status == 429)
            #expect(response.header("Retry-After") == retryAfter)
            #expect(try response.json().value(atPath: "error.code") == "rate_limit")
        case let .serverError(status):
            #expect(try first.get().status == status)
        case .slow:
            #expect(throws: LoopbackHTTPClient.Failure.self) { try first.get() }
        case .malformedJSON:
            let response = try first.get()
            #expect(response.status == 200)
            #expect(throws: FixtureJSONParseError.self) { try response.json() }
        case .truncatedBody:
            #expect(throws: LoopbackHTTPClient.Failure.self) { try first.get() }
        case .droppedMidBody:
            #expect(throws: LoopbackHTTPClient.Failure.self) { try first.get() }
        case .htmlErrorPage:
            let response = try first.get()
            #expect(response.status == 502)
            #expect(response.header("Content-Type")?.hasPrefix("text/html") == true)
        case .closeWithoutResponse:
            #expect(throws: LoopbackHTTPClient.Failure.self) { try first.get() }
        case .staleLastObject, .rateLimitedUntil:
            Issue.record("not one of allScenarios")
        }
        let second = try LoopbackHTTPClient.get(port: server.port, target, headers: Self.auth, timeout: 30)
        #expect(second.status == 200)
        #expect(second.body == FixtureRouter(generator: server.generator).respond(target: target).body)
        let log = server.requests
        #expect(log.count == 2)
        #expect(log.first?.fault == fault && log.first?.attempt == 1)
        #expect(log.last?.fault == nil && log.last?.attempt == 2)
    }

    /// A retrying client pages through every fault (every 3rd request) and gets the clean objects.
    @Test(arguments: FaultPlan.Fault.allScenarios(slowSeconds: slowSeconds))
    func faultedRunYieldsSameObjectsAsCleanRun(_ fault: FaultPlan.Fault) throws {
        let generator = AccountGenerator(AccountConfig(seed: 3, customers: 20, invoices: 40, events: 30))
        let server = FixtureServer(generator: generator, configuration: .init(faultPlan: .every(3, fault)))
        try server.start()
        defer { server.stop() }
        let objects = try Self.pageAll(server, "/v1/invoices", limit: 9, timeout: Self.slowFaultTimeout)
        // Listed without expand[]: discounts stay ids.
        let plain = AccountGenerator.Rendering(expandDiscounts: false, expandTiers: false)
        #expect(
            objects.map { $0.compactBytes() }
                == generator.expectedIndices(.invoices).map { generator.object(.invoices, $0, rendering: plain).compactBytes() })
        let faulted = server.requests.filter { $0.fault != nil }
        #expect(faulted.count >= 2)
        #expect(faulted.allSatisfy { $0.number % 3 == 0 && $0.fault == fault })
    }

    @Test func faultPlanTriggersAreDeterministic() {
        let plan = FaultPlan([
            .init(.serverError(status: 503), .requestNumbers([2]), pathPrefix: "/v1/invoices"),
            .init(.rateLimited(retryAfter: "1"), .firstAttempts(2), pathPrefix: "/v1/customers"),
            .init(.malformedJSON, .everyNthRequest(4))
        ])
        #expect(plan.fault(forRequest: 2, attempt: 1, path: "/v1/invoices") == .serverError(status: 503))
        #expect(plan.fault(forRequest: 2, attempt: 1, path: "/v1/prices") == nil)
        #expect(plan.fault(forRequest: 5, attempt: 2, path: "/v1/customers") == .rateLimited(retryAfter: "1"))
        #expect(plan.fault(forRequest: 6, attempt: 3, path: "/v1/customers") == nil)
        #expect(plan.fault(forRequest: 8, attempt: 3, path: "/v1/customers") == .malformedJSON)
        #expect(FaultPlan.none.fault(forRequest: 1, attempt: 1, path: "/") == nil)
    }

    // MARK: Raw runs and temporary directories

    @Test func rawRunWriterWritesCompleteObjectsAndManifest() async throws {
        let directory = try TemporaryDirectory()
        let generator = AccountGenerator(AccountConfig(seed: 11, customers: 30, invoices: 50, events: 40))
        let manifest = try RawRunWriter(generator: generator).write(outputRoot: directory.path, runId: "fixture-run")
        for stream in FixtureStream.allCases {
            let path = directory.appending("raw/fixture-run/\(stream.rawValue).ndjson.zst")
            // Decompress with the zstd CLI, an independent reader.
            let run = try await ChildProcess.run("/usr/bin/env", ["zstd", "-dc", "-q", path], timeout: 60)
            #expect(run.status == 0, "\(run)")
            var lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.last == "")
            lines.removeLast()
            let expected = generator.expectedIndices(stream).map { String(decoding: generator.completeLine(stream, $0), as: UTF8.self) }
            #expect(lines.map(String.init) == expected, "\(stream)")
            #expect(manifest.streams[stream.rawValue]?.objects == expected.count)
            #expect(manifest.streams[stream.rawValue]?.uncompressedBytes == run.stdout.utf8.count)
        }
        #expect(FileManager.default.fileExists(atPath: directory.appending("raw/fixture-run/_manifest.json")))
        #expect(manifest.accountId == generator.config.accountID && manifest.livemode == false)
        let invoices = try ZstdLineReader(path: directory.appending("raw/fixture-run/invoices.ndjson.zst"))
        var lineCounts: [Int] = []
        try invoices.forEachLine { line in
            let object = try FixtureJSON.parse(Array(line))
            #expect(object.value(atPath: "lines.has_more") == false)
            lineCounts.append(object.value(atPath: "lines.data")?.arrayValue?.count ?? -1)
        }
        #expect(lineCounts.contains(250))
    }

    @Test func temporaryDirectoryIsRemoved() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path
        try Data("x".utf8).write(to: URL(fileURLWithPath: directory.appending("file.txt")))
        #expect(FileManager.default.fileExists(atPath: directory.appending("file.txt")))
        directory.cleanup()
        #expect(!FileManager.default.fileExists(atPath: path))
        var other: TemporaryDirectory? = try TemporaryDirectory()
        let otherPath = other!.path
        #expect(FileManager.default.fileExists(atPath: otherPath))
        other = nil
        #expect(!FileManager.default.fileExists(atPath: otherPath))
    }
}

/// Sends raw bytes and reads until the server closes (for keep-alive checks).
enum RawSocket {
    static func exchange(port: UInt16, _ bytes: [UInt8]) throws -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var tv = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestSupportError(message: "connect failed") }
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }
}

/// `ChildProcess`: output and errors captured whole (no pipe to stall), a deadline that kills.
@Suite struct ChildProcessTests {
    /// A child that writes far more than a pipe holds to stderr before it writes stdout: both
    /// arrive whole (reading stdout to its end first would wait forever on the full stderr pipe).
    @Test(.timeLimit(.minutes(1))) func readsOutputAndErrorsTogether() async throws {
        let script = "import sys; sys.stderr.write('e' * 1000000); sys.stderr.flush(); sys.stdout.write('o' * 300000); sys.exit(3)"
        let run = try await ChildProcess.run("/usr/bin/env", ["python3", "-c", script], timeout: 50)
        #expect(run.status == 3 && !run.signalled)
        #expect(run.stderr.utf8.count == 1_000_000 && run.stderr.allSatisfy { $0 == "e" })
        #expect(run.stdout.utf8.count == 300_000 && run.stdout.allSatisfy { $0 == "o" })
    }

    /// Output far larger than a pipe's buffer arrives whole and in order.
    @Test func largeOutputArrivesWhole() async throws {
        let script = "import sys\nfor i in range(2000000): sys.stdout.write('%07d\\n' % i)"
        let run = try await ChildProcess.run("/usr/bin/env", ["python3", "-c", script], timeout: 120)
        #expect(run.status == 0)
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 2_000_000)
        #expect(lines.enumerated().allSatisfy { Int($0.element) == $0.offset }, "out of order or damaged")
    }

    /// Past its deadline a child is killed and the error names it; the deadline, not the child, ends the wait.
    @Test(.timeLimit(.minutes(1))) func killsAChildPastItsDeadline() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let run = try await ChildProcess.run("/usr/bin/env", ["sh", "-c", "echo starting >&2; exec sleep 30"], timeout: 0.5)
            Issue.record("a child past its deadline was not killed: \(run)")
        } catch let error as TestSupportError {
            #expect(error.message.contains("sh -c"), "\(error.message)")
            #expect(error.message.contains("starting"), "the error shows the child's stderr: \(error.message)")
        }
        #expect(clock.now - started < .seconds(20))
    }

    @Test func reportsASignalAndTheEnvironmentAndDirectoryItWasGiven() async throws {
        let directory = try TemporaryDirectory()
        let run = try await ChildProcess.run(
            "/usr/bin/env", ["sh", "-c", "printf '%s %s' \"$CHILD_TEST\" \"$(pwd)\"; kill -9 $$"],
            environment: ["CHILD_TEST": "given", "PATH": "/usr/bin:/bin"], currentDirectory: directory.path, timeout: 30)
        #expect(run.signalled && run.status == 9, "\(run)")
        #expect(run.stdout == "given " + URL(fileURLWithPath: directory.path).resolvingSymlinksInPath().path, "\(run)")
    }

    /// Synchronous work at the default priority (what synchronous tests are) holds every thread of
    /// that priority's pool: a child still runs and is seen to end at once, not after that work.
    /// Without `ChildProcess`'s priorities the child's exit waited for the spinners (20 s).
    @Test func answersWhileSynchronousWorkHoldsEveryDefaultPriorityThread() async throws {
        let released = Released()
        let spinners = (0..<2 * max(1, ProcessInfo.processInfo.activeProcessorCount)).map { _ in
            Task.detached(priority: .medium) {
                // Spins (stays runnable, so libdispatch adds no thread for it) until released or 20 s.
                let end = ContinuousClock.now + .seconds(20)
                while !released.value && ContinuousClock.now < end {}
            }
        }
        let clock = ContinuousClock()
        let started = clock.now
        let run = try await ChildProcess.run("/usr/bin/env", ["true"], timeout: 60)
        let elapsed = clock.now - started
        released.set()
        for spinner in spinners { await spinner.value }
        #expect(run.status == 0 && !run.signalled, "\(run)")
        #expect(elapsed < .seconds(10), "the child's end was noticed only after \(elapsed)")
    }

    /// A child started in the background: output and errors appended to one file, a signal, its end.
    @Test func aStartedChildWritesItsFileAndEndsBySignal() async throws {
        let directory = try TemporaryDirectory()
        let log = directory.appending("child.log")
        try "before\n".write(toFile: log, atomically: true, encoding: .utf8)
        let child = try await ChildProcess.start(
            "/usr/bin/env", ["sh", "-c", "echo out; echo err >&2; exec sleep 30"], stdout: log, stderr: log)
        #expect(child.isRunning)
        var text = ""
        for _ in 0..<2_000 where !text.contains("err") {
            text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if !text.contains("err") { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(text.hasPrefix("before\n") && text.contains("out\n") && text.contains("err\n"), "\(text)")
        child.send(SIGTERM)
        #expect(try await child.wait(timeout: 30) == ChildProcess.Exit(status: SIGTERM, signalled: true))
        #expect(!child.isRunning)
    }

    /// Waiting past the deadline kills the child and throws; it is gone afterwards.
    @Test func waitingPastTheDeadlineKillsAStartedChild() async throws {
        let child = try await ChildProcess.start("/usr/bin/env", ["sleep", "30"])
        let clock = ContinuousClock()
        let started = clock.now
        await #expect(throws: TestSupportError.self) { try await child.wait(timeout: 0.3) }
        #expect(!child.isRunning)
        #expect(clock.now - started < .seconds(20))
    }
}

/// A flag the spinners poll.
private final class Released: Sendable {
    private let flag = Atomic(false)
    var value: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}
