public import Foundation
import Synchronization

/// A generated account that changes between nights, with the events Stripe would emit.
///
/// The generated account is materialised once (small accounts only: every object is held, with
/// its complete child lists); `evolve(night:)` then creates, updates and deletes objects the way a
/// night of billing does, stamping them with the clock, and appends one event per change: rendered
/// in the event's own (older) API version with child lists cut at 10, as Stripe sends them, so a
/// consumer that used the payload as the object would be wrong. Served through `respond(target:)`
/// (plug it into `FixtureServer(responder:)`): lists with `created` filters, `starting_after`,
/// `status`, `active`, `types[]`; retrieval by id (a deleted customer answers a `deleted: true`
/// stub, other deleted objects 404); child lists. Events older than 30 days are no longer listed.
public final class EvolvingAccount: Sendable {
    /// What one night changed: per stream, the ids re-fetchable (changed, created) and deleted.
    public struct Changes: Sendable {
        public var changed: [FixtureStream: Set<String>] = [:]
        public var deleted: [FixtureStream: Set<String>] = [:]
        public var events = 0
        /// Ids that facts name and no listing holds since this night (a deleted customer or price
        /// still named by invoices): the referenced pass retrieves each once.
        public var newlyUnlistedReferences: Set<String> = []

        public init() {}

        /// Adds a later night's changes: an object deleted later is deleted, one re-created is changed.
        public mutating func formUnion(_ later: Changes) {
            for (stream, ids) in later.deleted {
                changed[stream]?.subtract(ids)
                deleted[stream, default: []].formUnion(ids)
            }
            for (stream, ids) in later.changed {
                changed[stream, default: []].formUnion(ids)
                deleted[stream]?.subtract(ids)
            }
            events += later.events
            newlyUnlistedReferences.formUnion(later.newlyUnlistedReferences)
        }

        /// The fewest requests an incremental run needs for these changes: the events pages, one
        /// retrieval per changed object and its child pages past the embedded 10, one retrieval
        /// per newly unlisted reference.
        public func requestFloor(_ account: EvolvingAccount, limit: Int = 100) -> Int {
            var requests = max(1, (events + limit - 1) / limit) + newlyUnlistedReferences.count
            for (stream, ids) in changed {
                for id in ids {
                    requests += 1
                    let children = account.childCount(stream, id)
                    if children > 10 { requests += (children - 10 + limit - 1) / limit }
                }
            }
            return requests
        }
    }

    struct State: Sendable {
        var objects: [FixtureStream: [String: FixtureJSON]] = [:]
        var deletedCustomers: Set<String> = []
        /// Retrievable by id but never listed (the inline price).
        var unlisted: [FixtureStream: [String: FixtureJSON]] = [:]
        var events: [FixtureJSON] = []
        var next: [FixtureStream: Int] = [:]
        /// Per stream, ids newest first (created desc, id desc) and each id's position: built on
        /// first use after a change, so a list page costs its own objects, not the account.
        var order: [FixtureStream: (ids: [String], position: [String: Int])] = [:]
    }

    public let generator: AccountGenerator
    let clock: @Sendable () -> Int64
    let state: Mutex<State>
    static let childMembers: [FixtureStream: String] = [.invoices: "lines", .creditNotes: "lines", .subscriptions: "items"]
    /// The API version events are rendered in (older than the pipeline's).
    public static let eventAPIVersion = "2024-06-20"

    public init(generator: AccountGenerator, clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.generator = generator
        self.clock = clock
        var state = State()
        for stream in FixtureStream.allCases where stream != .events {
            var objects: [String: FixtureJSON] = [:]
            for index in 0..<generator.count(stream) {
                if stream == .customers && generator.isDeletedCustomer(index) {
                    state.deletedCustomers.insert(generator.id(stream, index))
                    continue
                }
                guard generator.isListed(stream, index) else {
                    if generator.isRetrievable(stream, index) {
                        state.unlisted[stream, default: [:]][generator.id(stream, index)] = generator.completeObject(stream, index)
                    }
                    continue
                }
                objects[generator.id(stream, index)] = generator.completeObject(stream, index)
            }
            state.objects[stream] = objects
            state.next[stream] = generator.count(stream)
        }
        // Generated events older than 29 days would drop out of the list during a test: not kept.
        let now = clock()
        state.events = (0..<generator.eventCount).map { generator.event($0) }.filter { ($0["created"]?.intValue ?? 0) >= now - 29 * 86_400 }
        state.next[.events] = generator.eventCount
        self.state = Mutex(state)
    }

    /// Ids of customers, prices and products that subscriptions, invoices, credit notes and prices
    /// name but no listing holds (read from the objects here, independently of the extract's scan).
    static func unlistedReferences(_ state: State) -> Set<String> {
        var named: [FixtureStream: Set<String>] = [:]
        func id(_ value: FixtureJSON?) -> String? { value?.stringValue ?? value?["id"]?.stringValue }
        func price(_ value: FixtureJSON?) {
            if let p = id(value) { named[.prices, default: []].insert(p) }
            if let product = id(value?["product"]) { named[.products, default: []].insert(product) }
        }
        for stream in [FixtureStream.subscriptions, .invoices, .creditNotes] {
            for object in (state.objects[stream] ?? [:]).values {
                if let customer = id(object["customer"]) { named[.customers, default: []].insert(customer) }
                for child in object["lines"]?["data"]?.arrayValue ?? object["items"]?["data"]?.arrayValue ?? [] {
                    price(child["price"])
                    price(child["plan"])
                    let details = child["pricing"]?["price_details"]
                    if let p = id(details?["price"]) { named[.prices, default: []].insert(p) }
                    if let product = id(details?["product"]) { named[.products, default: []].insert(product) }
                }
            }
        }
        for object in Array((state.objects[.prices] ?? [:]).values) + Array((state.unlisted[.prices] ?? [:]).values) {
            if let product = id(object["product"]) { named[.products, default: []].insert(product) }
        }
        var out = Set<String>()
        for (stream, ids) in named { out.formUnion(ids.filter { state.objects[stream]?[$0] == nil }) }
        return out
    }

    func childCount(_ stream: FixtureStream, _ id: String) -> Int {
        guard let member = Self.childMembers[stream] else { return 0 }
        return state.withLock { $0.objects[stream]?[id]?[member]?["data"]?.arrayValue?.count ?? 0 }
    }

    // MARK: Evolution

    /// Applies night `night`'s changes (deterministic for a given account and night) and returns them.
    @discardableResult
    public func evolve(night: Int) -> Changes {
        state.withLock { state in
            let before = Self.unlistedReferences(state)
            var night = Night(account: self, state: state, number: night, now: clock())
            night.run()
            night.changes.newlyUnlistedReferences = Self.unlistedReferences(night.state).subtracting(before)
            state = night.state
            state.order = [:]
            return night.changes
        }
    }

    /// One night's work on a copy of the state.
    struct Night {
        let account: EvolvingAccount
        var state: State
        let number: Int
        let now: Int64
        var changes = Changes()
        var eventSecond: Int64 = 0

        var generator: AccountGenerator { account.generator }

        mutating func run() {
            let now = self.now
            eventSecond = now
            // New customers, each with a subscription and an invoice (copies of existing shapes).
            for k in 0..<2 {
                guard let customer = create(.customers, from: pick(.customers, salt: k) { _ in true }, emit: "customer.created") else {
                    continue
                }
                _ = create(
                    .subscriptions, from: pick(.subscriptions, salt: k) { $0["status"]?.stringValue == "active" }, customer: customer,
                    emit: "customer.subscription.created")
                _ = create(
                    .invoices,
                    from: pick(.invoices, salt: k) {
                        $0["status"]?.stringValue == "paid" && ($0["lines"]?["data"]?.arrayValue?.count ?? 0) <= 12
                    }, customer: customer, emit: "invoice.created")
            }
            // Drafts finalized: they move to the month they are finalized in.
            if let id = pick(.invoices, salt: 1, where: { $0["status"]?.stringValue == "draft" }) {
                update(.invoices, id, emit: "invoice.finalized") { $0.setting("status", to: "open").setting("finalized_at", to: .int(now)) }
            }
            // An invoice paid late, one voided, one marked uncollectible.
            if let id = pick(.invoices, salt: 2, where: { $0["status"]?.stringValue == "open" }) {
                update(.invoices, id, emit: "invoice.paid") { invoice in
                    invoice.setting("status", to: "paid").setting("amount_paid", to: invoice["amount_due"] ?? 0).setting(
                        "amount_remaining", to: 0)
                }
            }
            if let id = pick(.invoices, salt: 3, where: { $0["status"]?.stringValue == "open" }) {
                update(.invoices, id, emit: "invoice.voided") { $0.setting("status", to: "void") }
            }
            if let id = pick(.invoices, salt: 4, where: { $0["status"]?.stringValue == "open" }) {
                update(.invoices, id, emit: "invoice.marked_uncollectible") { $0.setting("status", to: "uncollectible") }
            }
            // A subscription canceled, one upgraded (first item's quantity + 1; 12-item one included on night 2).
            if let id = pick(.subscriptions, salt: 5, where: { $0["status"]?.stringValue == "active" }) {
                update(.subscriptions, id, emit: "customer.subscription.deleted") {
                    $0.setting("status", to: "canceled").setting("canceled_at", to: .int(now)).setting("ended_at", to: .int(now))
                }
            }
            let upgrade =
                number == 2
                ? generator.id(.subscriptions, AccountGenerator.Special.manyItemSubscription)
                : pick(.subscriptions, salt: 6, where: { $0["status"]?.stringValue == "active" })
            if let upgrade, state.objects[.subscriptions]?[upgrade] != nil {
                update(.subscriptions, upgrade, emit: "customer.subscription.updated") { subscription in
                    guard var items = subscription["items"]?["data"]?.arrayValue, !items.isEmpty else { return subscription }
                    items[0] = items[0].setting("quantity", to: .int((items[0]["quantity"]?.intValue ?? 1) + 1))
                    return subscription.setting("items", to: subscription["items"]!.setting("data", to: .array(items)))
                }
            }
            // A credit note issued against an old paid invoice of the same currency.
            if let template = pick(.creditNotes, salt: 7, where: { ($0["lines"]?["data"]?.arrayValue?.count ?? 0) <= 3 }),
                let note = state.objects[.creditNotes]?[template],
                let invoice = pick(
                    .invoices, salt: 8, where: { $0["status"]?.stringValue == "paid" && $0["currency"] == note["currency"] }),
                let customer = state.objects[.invoices]?[invoice]?["customer"]?.stringValue
            {
                if let id = create(.creditNotes, from: template, customer: customer, emit: "credit_note.created") {
                    let note = state.objects[.creditNotes]?[id]?.setting("invoice", to: .string(invoice))
                    state.objects[.creditNotes]?[id] = note
                }
            }
            // Deletions: a customer (after its last event), a coupon, a price.
            if let id = pick(.customers, salt: 9, where: { ($0["created"]?.intValue ?? 0) < now }),
                let customer = state.objects[.customers]?[id]
            {
                state.objects[.customers]?[id] = nil
                state.deletedCustomers.insert(id)
                emit("customer.deleted", customer.setting("deleted", to: true))
                changes.deleted[.customers, default: []].insert(id)
                changes.changed[.customers]?.remove(id)
            }
            for stream in [FixtureStream.coupons, .prices] where number % 2 == 0 {
                if let id = pick(stream, salt: 10, where: { ($0["created"]?.intValue ?? 0) < now }), let object = state.objects[stream]?[id]
                {
                    state.objects[stream]?[id] = nil
                    emit(stream == .coupons ? "coupon.deleted" : "price.deleted", object.setting("deleted", to: true))
                    changes.deleted[stream, default: []].insert(id)
                }
            }
        }

        /// The id of a deterministic object of `stream` matching `predicate`.
        func pick(_ stream: FixtureStream, salt: Int, where predicate: (FixtureJSON) -> Bool) -> String? {
            let ids = (state.objects[stream] ?? [:]).filter { predicate($0.value) }.keys.sorted()
            guard !ids.isEmpty else { return nil }
            return ids[(number &* 7_919 &+ salt &* 104_729) % ids.count]
        }

        mutating func update(_ stream: FixtureStream, _ id: String, emit type: String, _ change: (FixtureJSON) -> FixtureJSON) {
            guard let object = state.objects[stream]?[id] else { return }
            let updated = change(object)
            state.objects[stream]?[id] = updated
            emit(type, updated)
            changes.changed[stream, default: []].insert(id)
        }

        /// A copy of `template` under a new id (children renamed), created now.
        mutating func create(_ stream: FixtureStream, from template: String?, customer: String? = nil, emit type: String) -> String? {
            guard let template, let object = state.objects[stream]?[template] else { return nil }
            let index = state.next[stream] ?? 0
            state.next[stream] = index + 1
            let id = generator.id(stream, index)
            let oldDigits = String(template.dropFirst(stream.idPrefix.count)) // "T00000042"
            let newDigits = String(id.dropFirst(stream.idPrefix.count))
            let childPrefix: String? =
                switch stream {
                case .invoices: "il_"
                case .creditNotes: "cnli_"
                case .subscriptions: "si_"
                default: nil
                }
            var copy = object.replacingStrings { text in
                if text == template { return id }
                if let childPrefix, text.hasPrefix(childPrefix + oldDigits + "_") {
                    return childPrefix + newDigits + text.dropFirst(childPrefix.count + oldDigits.count)
                }
                if text.hasPrefix(stream.path + "/" + template) {
                    return stream.path + "/" + id + text.dropFirst(stream.path.count + 1 + template.count)
                }
                return text
            }
            copy = copy.setting("created", to: .int(now))
            if stream == .customers { copy = copy.setting("email", to: .string("night\(number)-\(index)@example.com")) }
            if let customer, copy["customer"] != nil { copy = copy.setting("customer", to: .string(customer)) }
            if stream == .invoices, copy["finalized_at"]?.intValue != nil { copy = copy.setting("finalized_at", to: .int(now)) }
            state.objects[stream]?[id] = copy
            emit(type, copy)
            changes.changed[stream, default: []].insert(id)
            return id
        }

        /// Appends an event about `object`: its own API version, child lists cut at 10.
        mutating func emit(_ type: String, _ object: FixtureJSON) {
            var payload = object
            for member in ["lines", "items"] {
                if let list = payload[member], let data = list["data"]?.arrayValue, data.count > 10 {
                    payload = payload.setting(
                        member, to: list.setting("data", to: .array(Array(data.prefix(10)))).setting("has_more", to: true))
                }
            }
            let index = state.next[.events] ?? 0
            state.next[.events] = index + 1
            state.events.append(
                .object([
                    ("id", .string(generator.id(.events, index))),
                    ("object", "event"),
                    ("api_version", .string(EvolvingAccount.eventAPIVersion)),
                    ("created", .int(eventSecond)),
                    ("data", .object([("object", payload)])),
                    ("livemode", .bool(generator.config.livemode)),
                    ("pending_webhooks", 0),
                    ("request", .object([("id", .null), ("idempotency_key", .null)])),
                    ("type", .string(type))
                ]))
            changes.events += 1
        }
    }

    // MARK: Serving

    /// The response to `GET target`, from the current state.
    public func respond(target: String) -> FixtureResponse {
        let router = FixtureRouter(generator: generator, pretty: false)
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(parts[0])
        let query = FixtureRouter.Query(parts.count > 1 ? parts[1] : nil)
        let segments = path.split(separator: "/").map(String.init)
        guard segments.count >= 2, segments[0] == "v1", segments[1] != "account" else { return router.respond(target: target) }
        do {
            let body: FixtureJSON = try state.withLock { state in
                if segments.count == 2, segments[1] == "subscription_items" {
                    guard let parent = query["subscription"], let subscription = state.objects[.subscriptions]?[parent] else {
                        throw FixtureRouter.invalid("No such subscription", param: "subscription", code: "resource_missing")
                    }
                    return try page(
                        subscription["items"]?["data"]?.arrayValue ?? [], query: query, router: router, url: "/v1/subscription_items")
                }
                guard let stream = FixtureStream(rawValue: segments[1]) else { throw router.notFound(path) }
                switch segments.count {
                case 2:
                    return try list(stream, query: query, router: router, state: &state)
                case 3:
                    if let object = state.objects[stream]?[segments[2]] ?? state.unlisted[stream]?[segments[2]] {
                        return Self.served(object)
                    }
                    if stream == .customers, state.deletedCustomers.contains(segments[2]) {
                        return .object([("id", .string(segments[2])), ("object", "customer"), ("deleted", true)])
                    }
                    throw FixtureRouter.invalid(
                        "No such \(stream.objectName.replacingOccurrences(of: "_", with: " ")): '\(segments[2])'", param: "id",
                        code: "resource_missing", status: 404)
                case 4 where segments[3] == "lines":
                    guard let object = state.objects[stream]?[segments[2]] else {
                        throw FixtureRouter.invalid("No such object: '\(segments[2])'", param: "id", code: "resource_missing", status: 404)
                    }
                    return try page(object["lines"]?["data"]?.arrayValue ?? [], query: query, router: router, url: path)
                default:
                    throw router.notFound(path)
                }
            }
            return router.json(200, body)
        } catch let error as FixtureRouter.APIError {
            return router.errorResponse(error)
        } catch {
            return router.errorResponse(FixtureRouter.APIError(status: 500, type: "api_error", message: "\(error)"))
        }
    }

    /// An object as lists and retrievals serve it: child lists cut at 10 with `has_more`.
    static func served(_ object: FixtureJSON) -> FixtureJSON {
        var out = object
        for member in ["lines", "items"] {
            if let list = out[member], let data = list["data"]?.arrayValue, data.count > 10 {
                out = out.setting(member, to: list.setting("data", to: .array(Array(data.prefix(10)))).setting("has_more", to: true))
            }
        }
        return out
    }

    func page(_ items: [FixtureJSON], query: FixtureRouter.Query, router: FixtureRouter, url: String) throws -> FixtureJSON {
        let limit = try router.limit(query)
        var start = 0
        if let after = query["starting_after"], !after.isEmpty {
            guard let position = items.firstIndex(where: { $0["id"]?.stringValue == after }) else {
                throw FixtureRouter.invalid("No such object: '\(after)'", param: "starting_after", code: "resource_missing")
            }
            start = position + 1
        }
        let end = min(items.count, start + limit)
        return generator.list(url: url, data: Array(items[start..<end]), hasMore: end < items.count, totalCount: nil)
    }

    func list(_ stream: FixtureStream, query: FixtureRouter.Query, router: FixtureRouter, state: inout State) throws -> FixtureJSON {
        func created(_ o: FixtureJSON) -> Int64 { o["created"]?.intValue ?? 0 }
        if state.order[stream] == nil {
            var ids: [(Int64, String)]
            if stream == .events {
                ids = state.events.map { (created($0), $0["id"]?.stringValue ?? "") }
            } else {
                ids = (state.objects[stream] ?? [:]).map { (created($0.value), $0.key) }
            }
            ids.sort { $0 > $1 }
            let sorted = ids.map(\.1)
            state.order[stream] = (sorted, Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, $0) }))
        }
        let (ids, position) = state.order[stream]!
        let eventsByID: [String: FixtureJSON] =
            stream == .events
            ? Dictionary(state.events.map { ($0["id"]?.stringValue ?? "", $0) }, uniquingKeysWith: { a, _ in a }) : [:]
        let limit = try router.limit(query)
        var start = 0
        if let after = query["starting_after"], !after.isEmpty {
            guard let at = position[after] else {
                throw FixtureRouter.invalid("No such object: '\(after)'", param: "starting_after", code: "resource_missing")
            }
            start = at + 1
        }
        var lower: Int64 = .min
        var upper: Int64 = .max
        for (name, value) in query.items where name.hasPrefix("created") {
            guard let bound = Int64(value) else { throw FixtureRouter.invalid("Invalid integer: \(value)", param: name) }
            switch name {
            case "created[gte]": lower = max(lower, bound)
            case "created[gt]": lower = max(lower, bound + 1)
            case "created[lt]": upper = min(upper, bound - 1)
            case "created[lte]": upper = min(upper, bound)
            case "created": lower = max(lower, bound); upper = min(upper, bound)
            default: throw FixtureRouter.invalid("Received unknown parameter: \(name)", param: name)
            }
        }
        if stream == .events { lower = max(lower, clock() - 30 * 86_400) }
        let types = query.all("types[]") + (query["type"].map { [$0] } ?? [])
        var page: [FixtureJSON] = []
        var hasMore = false
        var i = start
        while i < ids.count {
            defer { i += 1 }
            guard let object = stream == .events ? eventsByID[ids[i]] : state.objects[stream]?[ids[i]] else { continue }
            let c = created(object)
            if c > upper { continue }
            if c < lower { break }
            switch stream {
            case .events:
                if !types.isEmpty, let type = object["type"]?.stringValue,
                    !types.contains(where: { $0.hasSuffix(".*") ? type.hasPrefix(String($0.dropLast())) : $0 == type })
                {
                    continue
                }
            case .subscriptions:
                let status = object["status"]?.stringValue
                switch query["status"] {
                case nil: if status == "canceled" { continue }
                case "all"?: break
                case let wanted?: if status != wanted { continue }
                }
            case .products, .prices:
                if let active = query["active"], String(object["active"]?.boolValue ?? true) != active { continue }
            case .invoices:
                if let status = query["status"], object["status"]?.stringValue != status { continue }
            default: break
            }
            if page.count == limit { hasMore = true; break }
            page.append(stream == .events ? object : Self.served(object))
        }
        return generator.list(url: stream.path, data: page, hasMore: hasMore, totalCount: nil)
    }
}

extension FixtureJSON {
    /// A copy with every string value (not key) passed through `transform`.
    func replacingStrings(_ transform: (String) -> String) -> FixtureJSON {
        switch self {
        case .string(let text): return .string(transform(text))
        case .array(let items): return .array(items.map { $0.replacingStrings(transform) })
        case .object(let pairs): return .object(pairs.map { ($0.0, $0.1.replacingStrings(transform)) })
        default: return self
        }
    }
}
