import Core

/// Subscriptions and their items (basil: billing periods live on the items).
extension AccountGenerator {
    /// Everything about subscription N that other objects (invoices, events) also need.
    struct SubscriptionPlan {
        let index: Int
        let customer: Int
        let currency: Int
        /// Stripe status; paused subscriptions are `active` with `pause_collection` set.
        let status: String
        let paused: Bool
        let items: [(price: Int, quantity: Int64?)]
        let coupon: Int?
        let created: Int64
        let canceledAt: Int64?
        let trialEnd: Int64?
    }

    func subscriptionPlan(_ index: Int) -> SubscriptionPlan {
        var r = rng(.subscriptions, index)
        let customer = index % max(1, customerCount)
        let c = currencyIndex(customer: customer)
        let created = self.created(.subscriptions, index)
        var status = "active"
        var paused = false
        if index != Special.manyItemSubscription {
            switch index % 20 {
            case 0, 1, 2, 3: status = "canceled"
            case 4, 5: status = "trialing"
            case 6: status = "past_due"
            case 7: status = "incomplete"
            case 8: paused = true
            // Stripe treats unpaid as churn; paused is a trial that ended without a payment method.
            case 9: status = "unpaid"
            case 10: status = "paused"
            default: break
            }
        }
        let variants = config.priceVariants
        var items: [(Int, Int64?)] = []
        if index == Special.manyItemSubscription {
            // 12 items, all monthly: 4 variants of licensed, tiered and metered.
            for variant in 0..<4 {
                for kind in [PriceKind.monthly, .tiered, .metered] {
                    let price = priceIndex(kind: kind, variant: variant, currency: c)
                    items.append((price, kind == .metered ? nil : Int64(1 + r.below(8))))
                }
            }
        } else {
            let itemCount = index % 7 == 3 ? 3 : (index % 5 == 1 ? 2 : 1)
            if itemCount == 1 {
                var kind = r.pick([PriceKind.monthly, .monthly, .monthly, .yearly, .quarterly, .biweekly, .tiered, .daily, .metered])
                // Large zero-decimal (JPY, KRW) items: 20,000 seats of a monthly price, an MRR of tens
                // of millions of minor units (beyond what 128-bit intermediates at 12 decimals held).
                let large = index % 10 == 7 && Currency.exponent(of: currency(c)) == 0
                if large { kind = .monthly }
                let price = priceIndex(kind: kind, variant: r.below(variants), currency: c)
                items.append((price, kind == .metered ? nil : (large ? 20_000 : Int64(1 + r.below(kind == .tiered ? 12 : 5)))))
            } else {
                // Items of one subscription share the billing interval (month).
                for (n, kind) in [PriceKind.monthly, .tiered, .metered].prefix(itemCount).enumerated() {
                    let price = priceIndex(kind: kind, variant: (r.below(variants) + n) % variants, currency: c)
                    items.append((price, kind == .metered ? nil : Int64(1 + r.below(10))))
                }
            }
        }
        var coupon: Int?
        if index % 6 == 0, couponCount > 0 {
            if index % 12 == 0, 2 * c + 1 < couponCount {
                coupon = 2 * c + 1
            } else {
                coupon = 2 * r.below(max(1, (couponCount + 1) / 2))
            }
        }
        var canceledAt: Int64?
        if status == "canceled" {
            canceledAt = created + max(86_400, (config.endTime - created) * Int64(10 + r.below(80)) / 100)
        }
        let trialEnd: Int64? = status == "trialing" ? config.endTime + 7 * 86_400 : (status == "paused" ? created + 14 * 86_400 : nil)
        return SubscriptionPlan(
            index: index, customer: customer, currency: c, status: status, paused: paused, items: items,
            coupon: coupon, created: created, canceledAt: canceledAt, trialEnd: trialEnd)
    }

    public func subscriptionItemCount(_ subscription: Int) -> Int { subscriptionPlan(subscription).items.count }

    func discountID(subscription: Int) -> String { "di_T" + Self.pad(subscription, 8) }

    /// When a subscription's discount ends: repeating coupons after about 3 months, others never.
    func discountEnd(_ plan: SubscriptionPlan, coupon: Int) -> Int64? {
        couponDuration(coupon) == "repeating" ? plan.created + 91 * 86_400 : nil
    }

    /// The discount object a subscription's coupon created (shown when `expand[]=data.discounts`).
    func discount(_ plan: SubscriptionPlan, coupon: Int) -> FixtureJSON {
        let end: FixtureJSON = discountEnd(plan, coupon: coupon).map { .int($0) } ?? .null
        return .object([
            ("id", .string(discountID(subscription: plan.index))),
            ("object", "discount"),
            ("checkout_session", .null),
            ("coupon", self.coupon(coupon)),
            ("customer", .string(id(.customers, plan.customer))),
            ("end", end),
            ("invoice", .null),
            ("invoice_item", .null),
            ("promotion_code", .null),
            ("start", .int(plan.created)),
            ("subscription", .string(id(.subscriptions, plan.index))),
            ("subscription_item", .null)
        ])
    }

    /// Current billing period of an item: the period containing the end of history (or the end
    /// of the subscription when canceled, or the trial).
    private func itemPeriod(_ plan: SubscriptionPlan, price: Int) -> (Int64, Int64) {
        if let trialEnd = plan.trialEnd { return (plan.created, trialEnd) }
        let length = priceKind(price).periodSeconds
        let until = plan.canceledAt ?? config.endTime
        let start = plan.created + (max(0, until - plan.created) / length) * length
        return (start, start + length)
    }

    func subscriptionItem(_ plan: SubscriptionPlan, _ item: Int) -> FixtureJSON {
        let (price, quantity) = plan.items[item]
        let (start, end) = itemPeriod(plan, price: price)
        var pairs: [(String, FixtureJSON)] = [
            ("id", .string(subscriptionItemID(plan.index, item))),
            ("object", "subscription_item"),
            ("billing_thresholds", .null),
            ("created", .int(plan.created + Int64(item))),
            ("current_period_end", .int(end)),
            ("current_period_start", .int(start)),
            ("discounts", .array([])),
            ("metadata", .object([])),
            ("price", self.price(price))
        ]
        if let quantity { pairs.append(("quantity", .int(quantity))) }
        pairs.append(("subscription", .string(id(.subscriptions, plan.index))))
        pairs.append(("tax_rates", .array([])))
        return .object(pairs)
    }

    /// All items of a subscription, in order.
    public func subscriptionItems(_ subscription: Int) -> [FixtureJSON] {
        let plan = subscriptionPlan(subscription)
        return (0..<plan.items.count).map { subscriptionItem(plan, $0) }
    }

    /// A subscription; `itemLimit` items are embedded (nil: all, for complete objects).
    public func subscription(_ index: Int, itemLimit: Int? = 10, expandDiscounts: Bool = false) -> FixtureJSON {
        let plan = subscriptionPlan(index)
        let subID = id(.subscriptions, index)
        let shown = min(plan.items.count, itemLimit ?? plan.items.count)
        let items = list(
            url: "/v1/subscription_items?subscription=\(subID)",
            data: (0..<shown).map { subscriptionItem(plan, $0) },
            hasMore: shown < plan.items.count, totalCount: plan.items.count)
        var discounts: [FixtureJSON] = []
        // A repeating discount that has ended is gone from the subscription (its invoices keep it).
        if let coupon = plan.coupon,
            !(couponDuration(coupon) == "repeating" && discountEnd(plan, coupon: coupon).map { $0 <= config.endTime } == true)
        {
            discounts.append(expandDiscounts ? discount(plan, coupon: coupon) : .string(discountID(subscription: index)))
        }
        let canceled = plan.status == "canceled"
        let cancellation: FixtureJSON = .object([
            ("comment", .null),
            ("feedback", canceled && index % 3 == 0 ? "too_expensive" : .null),
            ("reason", canceled ? (index % 2 == 0 ? "cancellation_requested" : "payment_failed") : .null)
        ])
        let pause: FixtureJSON = plan.paused ? .object([("behavior", "void"), ("resumes_at", .null)]) : .null
        return .object([
            ("id", .string(subID)),
            ("object", "subscription"),
            ("application", .null),
            ("application_fee_percent", .null),
            ("automatic_tax", .object([("disabled_reason", .null), ("enabled", false), ("liability", .null)])),
            ("billing_cycle_anchor", .int(plan.trialEnd ?? plan.created)),
            ("billing_cycle_anchor_config", .null),
            ("billing_thresholds", .null),
            ("cancel_at", .null),
            ("cancel_at_period_end", false),
            ("canceled_at", .optionalInt(plan.canceledAt)),
            ("cancellation_details", cancellation),
            ("collection_method", index % 9 == 4 ? "send_invoice" : "charge_automatically"),
            ("created", .int(plan.created)),
            ("currency", .string(currency(plan.currency))),
            ("customer", .string(id(.customers, plan.customer))),
            ("days_until_due", index % 9 == 4 ? 30 : .null),
            ("default_payment_method", .null),
            ("default_source", .null),
            ("default_tax_rates", .array([])),
            ("description", .null),
            ("discounts", .array(discounts)),
            ("ended_at", .optionalInt(plan.canceledAt)),
            ("invoice_settings", .object([("account_tax_ids", .null), ("issuer", .object([("type", "self")]))])),
            ("items", items),
            ("latest_invoice", .null),
            ("livemode", livemode),
            ("metadata", index % 4 == 0 ? metadata([("plan_source", "self_serve")]) : .object([])),
            ("next_pending_invoice_item_invoice", .null),
            ("on_behalf_of", .null),
            ("pause_collection", pause),
            (
                "payment_settings",
                .object([
                    ("payment_method_options", .null), ("payment_method_types", .null),
                    ("save_default_payment_method", "off")
                ])
            ),
            ("pending_invoice_item_interval", .null),
            ("pending_setup_intent", .null),
            ("pending_update", .null),
            ("schedule", .null),
            ("start_date", .int(plan.created)),
            ("status", .string(plan.status)),
            ("test_clock", .null),
            ("transfer_data", .null),
            ("trial_end", .optionalInt(plan.trialEnd)),
            ("trial_settings", .object([("end_behavior", .object([("missing_payment_method", "create_invoice")]))])),
            ("trial_start", plan.trialEnd == nil ? .null : .int(plan.created))
        ])
    }
}
