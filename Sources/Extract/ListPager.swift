import Core
import JSON
import ModuleErrors

/// Pages one Stripe list (`limit` + `starting_after`) until `has_more` is false, guarding against
/// loops: a repeated id, an empty page that claims more, or more rows than `total_count`. Memory
/// stays flat: ids are remembered for the first page (a server that silently restarts at page 1
/// repeats them, whatever its sort order) and the last few pages only.
struct ListPager {
    let client: StripeClient
    let path: String
    let query: [(String, String)]
    let limit: Int
    /// Names the stream (and parent) in errors.
    let context: String

    struct Stats {
        var pages = 0
        var objects = 0
    }

    /// What one page told about the list, for the caller's split decision.
    struct PageInfo {
        /// Objects so far in this listing.
        var objects: Int
        /// `created` of the listing's first object, and of this page's last one.
        var newestCreated: Int64?
        var lastCreated: Int64?
        var hasMore: Bool
    }

    /// Calls `body` with each element of `data` (a value of the page's document) and its id, in Stripe's order.
    /// `startingAfter` and `seen` continue a list whose first page came embedded in a parent.
    func forEach(
        startingAfter: String? = nil, seen initialSeen: Set<String> = [], totalCount: Int? = nil,
        _ body: (JSONDocument, JSONValue, String) throws -> Void
    ) throws -> Stats {
        try forEach(startingAfter: startingAfter, seen: initialSeen, totalCount: totalCount, filters: { [] }, afterPage: { _ in }, body)
    }

    /// As above; `filters` is asked before every request (a unit narrowed by a split sends its new
    /// range with the same cursor), and `afterPage` hears about every page before the next request.
    func forEach(
        startingAfter: String? = nil, seen initialSeen: Set<String> = [], totalCount: Int? = nil,
        filters: () -> [(String, String)], afterPage: (PageInfo) throws -> Void,
        _ body: (JSONDocument, JSONValue, String) throws -> Void
    ) throws -> Stats {
        var stats = Stats()
        var cursor = startingAfter
        var guardState = LoopGuard(seen: initialSeen)
        var total = totalCount
        var rows = initialSeen.count
        var newest: Int64? = nil
        while true {
            let extra = filters()
            var q = query + extra
            q.append(("limit", String(limit)))
            if let cursor { q.append(("starting_after", cursor)) }
            // The stream, the range this request covers and the cursor: where a failure happened.
            let place = context + (extra.isEmpty ? "" : " range " + extra.map { "\($0.0)=\($0.1)" }.joined(separator: "&"))
            let page = try client.get(path: path, query: q, context: place + " cursor \(cursor ?? "start")")
            stats.pages += 1
            var hasMore = false
            var lastId: String? = nil
            var lastCreated: Int64? = nil
            var count = 0
            try page.body.withUnsafeBytes { bytes in
                let document = JSONDocument(bytes)
                let root = try Self.parsed { try document.root() }
                guard let data = try Self.parsed({ try document.member(root, "data") }), data.kind == .array else {
                    throw ExtractError(
                        .malformedResponse,
                        "\(place): GET \(path) returned an object without a 'data' list (cursor \(cursor ?? "start")); is the api base a Stripe-compatible server?"
                    )
                }
                if let more = try Self.parsed({ try document.member(root, "has_more") }) {
                    hasMore = (try Self.parsed { try document.bool(more) }) ?? false
                }
                if let t = try Self.parsed({ try document.member(root, "total_count") }), let n = try Self.parsed({ try document.int64(t) })
                {
                    total = Int(n)
                }
                try Self.parsed {
                    try document.forEachElement(data) { element in
                        guard element.kind == .object, let idValue = try document.member(element, "id"),
                            let id = try document.string(idValue)
                        else {
                            throw ExtractError(
                                .malformedResponse,
                                "\(place): GET \(path) returned a list element without an id (after cursor \(cursor ?? "start"))")
                        }
                        guard guardState.insert(id) else {
                            throw ExtractError(
                                .paginationLoop,
                                "\(place): GET \(path) returned \(id) twice (page after cursor \(cursor ?? "start")); the server is looping over pages, stopping instead of running forever"
                            )
                        }
                        var created: Int64? = nil
                        if let value = try document.member(element, "created") { created = try document.int64(value) }
                        if let rise = guardState.checkOrder(id: id, created: created) {
                            throw ExtractError(
                                .paginationLoop,
                                "\(place): GET \(path) broke the newest-first order on the page after cursor \(cursor ?? "start"): \(id) (created \(rise.created)) came after an object created \(rise.previous), so the server restarted the list part-way and data would be duplicated. Stopping; re-run later with the same --run-id, or report the server's behaviour"
                            )
                        }
                        if newest == nil { newest = created }
                        if let created { lastCreated = created }
                        count += 1
                        lastId = id
                        try body(document, element, id)
                    }
                }
            }
            stats.objects += count
            rows += count
            guardState.endPage()
            if let total, rows > total {
                throw ExtractError(
                    .paginationLoop,
                    "\(place): GET \(path) returned \(rows) rows but total_count says \(total) (cursor \(cursor ?? "start")); stopping")
            }
            guard hasMore else {
                try afterPage(PageInfo(objects: stats.objects, newestCreated: newest, lastCreated: lastCreated, hasMore: false))
                return stats
            }
            guard let next = lastId else {
                throw ExtractError(
                    .paginationLoop,
                    "\(place): GET \(path) said has_more but returned an empty page (cursor \(cursor ?? "start")); stopping")
            }
            try afterPage(PageInfo(objects: stats.objects, newestCreated: newest, lastCreated: lastCreated, hasMore: true))
            cursor = next
        }
    }

    /// Turns a scanner error inside a 2xx body into a malformed-response error.
    static func parsed<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as JSONError {
            throw ExtractError(.malformedResponse, "a response body is not valid JSON: \(error)")
        }
    }
}

/// Bounded memory for loop detection, two ways.
///
/// Ids: those of the first page (kept for the whole list, so a restart at page 1 is caught) and of
/// the current and last few pages (so a short cycle is caught).
///
/// Order: Stripe lists are newest first within one request's filters, so once the first page has
/// shown a list that never rises in `created`, any rise later is a restart part-way (a cursor sent
/// back to an older page), however far back: caught with two numbers. Ties in `created` are checked
/// by id (bounded). A first page that rises (localstripe lists oldest first, and sorts invoices by
/// their `date`) turns the order check off and leaves the id check.
struct LoopGuard {
    private var first: Set<String>
    private var recent: [Set<String>] = []
    private var current: Set<String> = []
    private var pages = 0
    static let pagesRemembered = 8

    enum Order { case undecided, newestFirst, other }
    private(set) var order: Order = .undecided
    private var lastCreated: Int64?
    /// Ids sharing `lastCreated` (a restart inside a burst of equal timestamps repeats one of them).
    private var ties: Set<String> = []
    private var sawDecrease = false
    static let tiesRemembered = 50_000

    /// `seen` holds ids already delivered before paging starts (an embedded first page).
    init(seen: Set<String>) { first = seen }

    /// False when `id` was already returned on the first, the current or a recent page.
    mutating func insert(_ id: String) -> Bool {
        if current.contains(id) || first.contains(id) || recent.contains(where: { $0.contains(id) }) { return false }
        current.insert(id)
        return true
    }

    struct Rise { let created: Int64; let previous: Int64 }

    /// The rise when `created` breaks the newest-first order the list has shown, else nil.
    mutating func checkOrder(id: String, created: Int64?) -> Rise? {
        guard let created, order != .other else { return nil }
        defer { lastCreated = created }
        guard let previous = lastCreated else { ties = [id]; return nil }
        if created < previous {
            ties = [id]
            sawDecrease = true
            if pages > 0 && order == .undecided { order = .newestFirst }
        } else if created == previous {
            // An id repeated among equal timestamps is a repeat whatever the order.
            if ties.contains(id) { return Rise(created: created, previous: previous) }
            if ties.count < Self.tiesRemembered { ties.insert(id) }
        } else {
            if order == .newestFirst { return Rise(created: created, previous: previous) }
            order = .other
            ties = []
        }
        return nil
    }

    mutating func endPage() {
        if pages == 0 && first.isEmpty { first = current } else { recent.append(current) }
        // Decided by the first page that moves at all: equal timestamps say nothing yet.
        if order == .undecided && sawDecrease { order = .newestFirst }
        pages += 1
        current = []
        if recent.count > Self.pagesRemembered { recent.removeFirst() }
    }
}
