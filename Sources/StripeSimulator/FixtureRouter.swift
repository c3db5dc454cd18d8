import Foundation

/// A response from the fixture API, before any fault is applied.
public struct FixtureResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Maps a GET request to a response from a generated account, the way the Stripe API would:
/// list endpoints with `limit`, `starting_after`, `ending_before`, `created[...]`, `status`, `active`,
/// `type(s)`; child-list endpoints; retrieve by id; `/v1/account`. Pure: no sockets, no state.
public struct FixtureRouter: Sendable {
    public let generator: AccountGenerator
    public var pretty: Bool

    public init(generator: AccountGenerator, pretty: Bool = true) {
        self.generator = generator
        self.pretty = pretty
    }

    /// Query parameters decoded in order (`types[]` may repeat).
    public struct Query: Sendable {
        public var items: [(String, String)]

        public init(_ raw: Substring?) {
            items = []
            guard let raw, !raw.isEmpty else { return }
            for part in raw.split(separator: "&") {
                let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                items.append((Query.decode(kv[0]), kv.count > 1 ? Query.decode(kv[1]) : ""))
            }
        }

        public subscript(name: String) -> String? { items.first { $0.0 == name }?.1 }
        public func all(_ name: String) -> [String] { items.filter { $0.0 == name }.map { $0.1 } }

        static func decode(_ text: Substring) -> String {
            var bytes: [UInt8] = []
            var iterator = Array(text.utf8)[...]
            while let byte = iterator.popFirst() {
                if byte == UInt8(ascii: "+") {
                    bytes.append(UInt8(ascii: " "))
                } else if byte == UInt8(ascii: "%"), iterator.count >= 2,
                    let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16)
                {
                    bytes.append(value)
                    iterator = iterator.dropFirst(2)
                } else {
                    bytes.append(byte)
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    struct APIError: Error {
        let status: Int
        let type: String
        let message: String
        var param: String? = nil
        var code: String? = nil
    }

    // MARK: Entry point

    /// The response to `GET target` (target = path plus optional `?query`).
    /// `staleLastByPages` breaks a top-level list page the way a server that lost its place would:
    /// its last object is replaced by the one that many pages newer.
    public func respond(target: String, staleLastByPages: Int? = nil) -> FixtureResponse {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(parts[0])
        let query = Query(parts.count > 1 ? parts[1] : nil)
        do {
            return json(200, try route(path: path, query: query, staleLastByPages: staleLastByPages))
        } catch let error as APIError {
            return errorResponse(error)
        } catch {
            return errorResponse(APIError(status: 500, type: "api_error", message: "Fixture server error: \(error)"))
        }
    }

    func json(_ status: Int, _ value: FixtureJSON) -> FixtureResponse {
        FixtureResponse(
            status: status, headers: [("Content-Type", "application/json")],
            body: pretty ? value.prettyBytes() : value.compactBytes())
    }

    func errorResponse(_ error: APIError) -> FixtureResponse {
        var fields: [(String, FixtureJSON)] = []
        if let code = error.code { fields.append(("code", .string(code))) }
        if let code = error.code {
            fields.append(("doc_url", .string("https://stripe.com/docs/error-codes/\(code.replacingOccurrences(of: "_", with: "-"))")))
        }
        fields.append(("message", .string(error.message)))
        if let param = error.param { fields.append(("param", .string(param))) }
        fields.append(("type", .string(error.type)))
        return json(error.status, .object([("error", .object(fields))]))
    }

    static func invalid(_ message: String, param: String? = nil, code: String? = nil, status: Int = 400) -> APIError {
        APIError(status: status, type: "invalid_request_error", message: message, param: param, code: code)
    }

    /// A 401 body like Stripe's (the key is masked).
    public func unauthorizedResponse(presentedKey: String?) -> FixtureResponse {
        let message: String
        if let key = presentedKey, !key.isEmpty {
            message = "Invalid API Key provided: \(Self.mask(key))"
        } else {
            message =
                "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
        }
        return errorResponse(APIError(status: 401, type: "invalid_request_error", message: message))
    }

    /// A 403 body like Stripe's for a restricted key lacking `permission`.
    public func forbiddenResponse(presentedKey: String, permission: String) -> FixtureResponse {
        let message =
            "The provided key '\(Self.mask(presentedKey))' does not have the required permissions for this endpoint on account '\(generator.config.accountID)'. Having the '\(permission)' permission would allow this request to continue."
        return errorResponse(APIError(status: 403, type: "invalid_request_error", message: message))
    }

    public func methodNotAllowedResponse(method: String, path: String) -> FixtureResponse {
        errorResponse(Self.invalid("Unrecognized request URL (\(method): \(path)). The fixture server only serves GET.", status: 405))
    }

    static func mask(_ key: String) -> String {
        let prefixEnd = key.range(of: "_test_") ?? key.range(of: "_live_")
        let head = prefixEnd.map { String(key[..<$0.upperBound]) } ?? ""
        return head + "*********" + String(key.suffix(4))
    }

    // MARK: Routing

    func route(path: String, query: Query, staleLastByPages: Int? = nil) throws -> FixtureJSON {
        let segments = path.split(separator: "/").map(String.init)
        guard segments.count >= 2, segments[0] == "v1" else { throw notFound(path) }
        if segments.count == 2, segments[1] == "account" { return account() }
        if segments.count == 2, segments[1] == "subscription_items" { return try subscriptionItems(query) }
        guard let stream = FixtureStream(rawValue: segments[1]) else { throw notFound(path) }
        switch segments.count {
        case 2:
            return try list(stream, query, staleLastByPages: staleLastByPages)
        case 3:
            if stream == .customers, let index = generator.index(.customers, fromID: segments[2]), generator.isDeletedCustomer(index) {
                return .object([("id", .string(segments[2])), ("object", "customer"), ("deleted", true)])
            }
            if stream == .prices, let index = generator.index(.prices, fromID: segments[2]), generator.isRetrievable(.prices, index) {
                return generator.object(stream, index, rendering: rendering(query, listing: false))
            }
            let index = try lookup(stream, segments[2], param: "id")
            return generator.object(stream, index, rendering: rendering(query, listing: false))
        case 4 where segments[3] == "lines" && (stream == .invoices || stream == .creditNotes):
            let index = try lookup(stream, segments[2], param: "id")
            return try childLines(stream, index, query)
        default:
            throw notFound(path)
        }
    }

    func notFound(_ path: String) -> APIError {
        Self.invalid(
            "Unrecognized request URL (GET: \(path)). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.",
            status: 404)
    }

    func account() -> FixtureJSON {
        .object([
            ("id", .string(generator.config.accountID)),
            ("object", "account"),
            ("business_profile", .object([("name", "Fixture Labs, Inc."), ("url", "https://example.com")])),
            ("country", "US"),
            ("default_currency", .string(generator.config.currencies[0])),
            ("email", "billing@example.com"),
            ("type", "standard")
        ])
    }

    func rendering(_ query: Query, listing: Bool) -> AccountGenerator.Rendering {
        let expand = query.all("expand[]")
        return AccountGenerator.Rendering(
            expandDiscounts: expand.contains(listing ? "data.discounts" : "discounts"),
            expandTiers: expand.contains(listing ? "data.tiers" : "tiers"))
    }

    /// The index of a listed object, or Stripe's "No such ..." error.
    func lookup(_ stream: FixtureStream, _ id: String, param: String) throws -> Int {
        guard let index = generator.index(stream, fromID: id), generator.isListed(stream, index) else {
            let noun = stream.objectName.replacingOccurrences(of: "_", with: " ")
            throw Self.invalid("No such \(noun): '\(id)'", param: param, code: "resource_missing", status: param == "id" ? 404 : 400)
        }
        return index
    }

    func limit(_ query: Query) throws -> Int {
        guard let text = query["limit"] else { return 10 }
        guard let value = Int(text) else { throw Self.invalid("Invalid integer: \(text)", param: "limit") }
        guard value >= 1 else { throw Self.invalid("This value must be greater than or equal to 1.", param: "limit") }
        guard value <= 100 else {
            throw Self.invalid("This value must be less than or equal to 100 (it currently is '\(value)').", param: "limit")
        }
        return value
    }

    func cursors(_ query: Query) throws -> (after: String?, before: String?) {
        let after = query["starting_after"].flatMap { $0.isEmpty ? nil : $0 }
        let before = query["ending_before"].flatMap { $0.isEmpty ? nil : $0 }
        if after != nil && before != nil {
            throw Self.invalid("You may only specify one of these parameters: ending_before, starting_after.")
        }
        return (after, before)
    }

    // MARK: Top-level lists

    /// Index bounds [lower, upper) allowed by `created` filters (created never decreases with the index).
    func createdBounds(_ stream: FixtureStream, _ query: Query) throws -> (Int, Int) {
        var lower = 0
        var upper = generator.count(stream)
        func firstIndex(where predicate: (Int64) -> Bool) -> Int {
            var lo = 0
            var hi = generator.count(stream)
            while lo < hi {
                let mid = (lo + hi) / 2
                if predicate(generator.created(stream, mid)) { hi = mid } else { lo = mid + 1 }
            }
            return lo
        }
        for (name, value) in query.items where name == "created" || name.hasPrefix("created[") {
            guard let bound = Int64(value) else { throw Self.invalid("Invalid integer: \(value)", param: name) }
            switch name {
            case "created":
                lower = max(lower, firstIndex { $0 >= bound })
                upper = min(upper, firstIndex { $0 > bound })
            case "created[gte]": lower = max(lower, firstIndex { $0 >= bound })
            case "created[gt]": lower = max(lower, firstIndex { $0 > bound })
            case "created[lt]": upper = min(upper, firstIndex { $0 >= bound })
            case "created[lte]": upper = min(upper, firstIndex { $0 > bound })
            default: throw Self.invalid("Received unknown parameter: \(name)", param: name)
            }
        }
        return (lower, upper)
    }

    /// The per-object filter a list endpoint applies (deleted customers, canceled subscriptions
    /// without `status=all`, `active`, event types, invoice `status`).
    func filter(_ stream: FixtureStream, _ query: Query) throws -> (Int) -> Bool {
        let g = generator
        switch stream {
        case .customers:
            return { !g.isDeletedCustomer($0) }
        case .subscriptions:
            let status = query["status"]
            let allowed = [
                "active", "all", "canceled", "ended", "incomplete", "incomplete_expired", "past_due", "paused", "trialing", "unpaid"
            ]
            if let status, !allowed.contains(status) {
                throw Self.invalid("Invalid status: must be one of \(allowed.joined(separator: ", "))", param: "status")
            }
            return { index in
                let plan = g.subscriptionPlan(index)
                switch status {
                case nil: return plan.status != "canceled"
                case "all": return true
                case "ended": return plan.status == "canceled"
                case "paused": return plan.status == "paused"
                case let wanted?: return plan.status == wanted
                }
            }
        case .products, .prices:
            var active: Bool?
            if let text = query["active"] {
                guard text == "true" || text == "false" else { throw Self.invalid("Invalid boolean: \(text)", param: "active") }
                active = text == "true"
            }
            let currency = stream == .prices ? query["currency"] : nil
            return { index in
                guard g.isListed(stream, index) else { return false }
                let isActive = stream == .prices ? g.isPriceActive(index) : g.isProductActive(index)
                if let active, isActive != active { return false }
                if let currency, g.currency(g.priceCurrency(index)) != currency { return false }
                return true
            }
        case .invoices:
            guard let status = query["status"] else { return { _ in true } }
            return { g.invoiceStatus($0) == status }
        case .events:
            var types = query.all("types[]")
            if let type = query["type"] { types.append(type) }
            guard !types.isEmpty else { return { _ in true } }
            if types.count > 20 { throw Self.invalid("You may pass at most 20 types.", param: "types") }
            return { index in
                let type = g.eventSubject(index).type
                return types.contains { wanted in
                    wanted.hasSuffix(".*") ? type.hasPrefix(String(wanted.dropLast(1))) : wanted == type
                }
            }
        default:
            return { _ in true }
        }
    }

    func list(_ stream: FixtureStream, _ query: Query, staleLastByPages: Int? = nil) throws -> FixtureJSON {
        let limit = try limit(query)
        let (after, before) = try cursors(query)
        let (lower, upper) = try createdBounds(stream, query)
        let include = try filter(stream, query)
        var indices: [Int] = []
        var hasMore = false
        if let before {
            // Objects newer than the cursor: the `limit` closest to it, still newest first.
            let cursor = try lookup(stream, before, param: "ending_before")
            var i = max(lower, cursor + 1)
            while i < upper {
                if include(i) {
                    if indices.count == limit { hasMore = true; break }
                    indices.append(i)
                }
                i += 1
            }
            indices.reverse()
        } else {
            var i = upper - 1
            if let after { i = min(i, try lookup(stream, after, param: "starting_after") - 1) }
            while i >= lower {
                if include(i) {
                    if indices.count == limit { hasMore = true; break }
                    indices.append(i)
                }
                i -= 1
            }
        }
        if let pages = staleLastByPages, before == nil, let last = indices.last, upper > 0 {
            indices[indices.count - 1] = min(upper - 1, last + pages * limit)
        }
        let rendering = rendering(query, listing: true)
        return generator.list(
            url: stream.path, data: indices.map { generator.object(stream, $0, rendering: rendering) },
            hasMore: hasMore, totalCount: nil)
    }

    // MARK: Child lists

    /// One page of `items` (in list order) after/before a child cursor.
    func childPage(count: Int, query: Query, cursorIndex: (String, String) throws -> Int) throws -> (Range<Int>, Bool) {
        let limit = try limit(query)
        let (after, before) = try cursors(query)
        if let before {
            let end = try cursorIndex(before, "ending_before")
            let start = max(0, end - limit)
            return (start..<end, start > 0)
        }
        let start = try after.map { try cursorIndex($0, "starting_after") + 1 } ?? 0
        let end = min(count, start + limit)
        return (start..<end, end < count)
    }

    func childLines(_ stream: FixtureStream, _ index: Int, _ query: Query) throws -> FixtureJSON {
        let parentID = generator.id(stream, index)
        let url = "\(stream.path)/\(parentID)/lines"
        if stream == .invoices {
            let plan = generator.invoicePlan(index)
            let (range, more) = try childPage(count: plan.lines.count, query: query) { id, param in
                guard let (parent, child) = AccountGenerator.parseChildID(id, prefix: "il_T", childWidth: 4),
                    parent == index, child < plan.lines.count
                else { throw Self.invalid("No such invoice line item: '\(id)'", param: param, code: "resource_missing") }
                return child
            }
            return generator.list(url: url, data: range.map { generator.invoiceLine(plan, $0) }, hasMore: more, totalCount: nil)
        }
        let plan = generator.creditNotePlan(index)
        let (range, more) = try childPage(count: plan.lines.count, query: query) { id, param in
            guard let (parent, child) = AccountGenerator.parseChildID(id, prefix: "cnli_T", childWidth: 4),
                parent == index, child < plan.lines.count
            else { throw Self.invalid("No such credit note line item: '\(id)'", param: param, code: "resource_missing") }
            return child
        }
        return generator.list(url: url, data: range.map { generator.creditNoteLine(plan, $0) }, hasMore: more, totalCount: nil)
    }

    func subscriptionItems(_ query: Query) throws -> FixtureJSON {
        guard let subID = query["subscription"], !subID.isEmpty else {
            throw Self.invalid("Missing required param: subscription.", param: "subscription", code: "parameter_missing")
        }
        let index = try lookup(.subscriptions, subID, param: "subscription")
        let plan = generator.subscriptionPlan(index)
        let (range, more) = try childPage(count: plan.items.count, query: query) { id, param in
            guard let (parent, child) = AccountGenerator.parseChildID(id, prefix: "si_T", childWidth: 2),
                parent == index, child < plan.items.count
            else { throw Self.invalid("No such subscription item: '\(id)'", param: param, code: "resource_missing") }
            return child
        }
        return generator.list(
            url: "/v1/subscription_items", data: range.map { generator.subscriptionItem(plan, $0) }, hasMore: more,
            totalCount: nil)
    }
}
