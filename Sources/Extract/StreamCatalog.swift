import Foundation

/// Every Stripe list endpoint the extract reads: the one place endpoints are written.
public struct StreamSpec: Sendable {
    /// An embedded child list that Stripe truncates to its first page.
    public struct ChildList: Sendable {
        /// The member of the parent holding the list (`lines`, `items`).
        public let member: String
        /// Path of the child endpoint; `{id}` is replaced by the parent id.
        public let pathTemplate: String
        /// Query parameter that names the parent instead of the path (subscription_items).
        public let parentParameter: String?

        public func path(parentId: String) -> String { pathTemplate.replacingOccurrences(of: "{id}", with: StripeClient.encode(parentId)) }
        public func query(parentId: String) -> [(String, String)] { parentParameter.map { [($0, parentId)] } ?? [] }
    }

    public let name: String
    public let path: String
    /// Separate listings whose union is the stream (prices active and inactive); each is paged alone.
    public let passes: [[(String, String)]]
    public let child: ChildList?

    public static let all: [StreamSpec] = [
        StreamSpec(name: "customers", path: "/v1/customers", passes: [[]], child: nil),
        // Without both passes Stripe hides inactive products and prices (inline price_data ones).
        StreamSpec(name: "products", path: "/v1/products", passes: [[("active", "true")], [("active", "false")]], child: nil),
        // Tiers are only returned when expanded: without them a tiered price has no amount.
        StreamSpec(
            name: "prices", path: "/v1/prices",
            passes: [[("active", "true"), ("expand[]", "data.tiers")], [("active", "false"), ("expand[]", "data.tiers")]], child: nil),
        StreamSpec(name: "coupons", path: "/v1/coupons", passes: [[]], child: nil),
        // Without status=all Stripe hides canceled subscriptions.
        // Discounts are expanded (their coupons decide MRR). Items' price tiers are not:
        // data.items.data.price.tiers is 5 levels, beyond Stripe's 4-level limit on list calls; the
        // transform takes them from the prices stream by price id.
        StreamSpec(
            name: "subscriptions", path: "/v1/subscriptions", passes: [[("status", "all"), ("expand[]", "data.discounts")]],
            child: ChildList(member: "items", pathTemplate: "/v1/subscription_items", parentParameter: "subscription")),
        // Discounts (coupon included) as they were on each invoice: credit notes resolve their coupons from them.
        StreamSpec(
            name: "invoices", path: "/v1/invoices", passes: [[("expand[]", "data.discounts")]],
            child: ChildList(member: "lines", pathTemplate: "/v1/invoices/{id}/lines", parentParameter: nil)),
        StreamSpec(
            name: "credit_notes", path: "/v1/credit_notes", passes: [[]],
            child: ChildList(member: "lines", pathTemplate: "/v1/credit_notes/{id}/lines", parentParameter: nil)),
        StreamSpec(name: "events", path: "/v1/events", passes: [[]], child: nil)
    ]

    public static func named(_ name: String) -> StreamSpec? { all.first { $0.name == name } }
}
