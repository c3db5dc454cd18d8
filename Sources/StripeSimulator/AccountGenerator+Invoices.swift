/// Invoices and their lines, in the basil shape (`parent`, `pricing.price_details`, `taxes`).
extension AccountGenerator {
    struct LinePlan {
        let price: Int
        let quantity: Int64
        let amount: Int64
        /// Subscription item index, nil for invoice items.
        let subscriptionItem: Int?
        let proration: Bool
        let period: (Int64, Int64)
        let discount: Int64
        let tax: Int64
        let taxable: Int64
    }

    struct InvoicePlan {
        let index: Int
        let customer: Int
        let currency: Int
        let subscription: SubscriptionPlan?
        let status: String
        let created: Int64
        let lines: [LinePlan]
        let coupon: Int?
        let tax: (bp: Int64, inclusive: Bool)?
        let billingReason: String
    }

    /// Status of invoice N without building its lines.
    public func invoiceStatus(_ index: Int) -> String {
        switch index {
        case Special.emptyDraftInvoice: return "draft"
        case Special.tenLineInvoice, Special.elevenLineInvoice, Special.manyLineInvoice: return "paid"
        case 4: return "draft"
        case 5: return "open"
        case 6: return "void"
        case 7: return "uncollectible"
        default: break
        }
        var r = rng(.invoices, index, 3)
        let roll = r.below(100)
        if index >= invoiceCount - max(1, invoiceCount / 50) { return roll < 50 ? "draft" : "open" }
        if roll < 3 { return "void" }
        if roll < 6 { return "uncollectible" }
        if roll < 10 { return "open" }
        return "paid"
    }

    func invoicePlan(_ index: Int) -> InvoicePlan {
        var r = rng(.invoices, index)
        let created = self.created(.invoices, index)
        let status = invoiceStatus(index)
        var subscription: SubscriptionPlan?
        var customer: Int
        var targetLines = 0
        switch index {
        case Special.emptyDraftInvoice: customer = 0
        case Special.tenLineInvoice: customer = 1 % max(1, customerCount); targetLines = 10
        case Special.manyLineInvoice: customer = 3 % max(1, customerCount); targetLines = Special.manyLineInvoiceLineCount
        case Special.elevenLineInvoice:
            targetLines = 11
            if subscriptionCount > 0 {
                subscription = subscriptionPlan(0)
                customer = subscription!.customer
            } else {
                customer = 2 % max(1, customerCount)
            }
        default:
            if subscriptionCount > 0, index % 6 != 5 {
                let upper = min(subscriptionCount - 1, Int(Int64(index) * Int64(subscriptionCount) / Int64(max(1, invoiceCount))))
                subscription = subscriptionPlan(r.below(upper + 1))
                customer = subscription!.customer
            } else {
                let upper = min(max(0, customerCount - 1), Int(Int64(index) * Int64(customerCount) / Int64(max(1, invoiceCount))))
                customer = r.below(upper + 1)
                targetLines = 1 + r.below(4)
            }
        }
        let c = subscription?.currency ?? currencyIndex(customer: customer)
        let coupon = subscription?.coupon
        let tax: (bp: Int64, inclusive: Bool)? = customer % 3 == 0 ? taxRate(currency: c) : nil

        // (price, quantity, amount, subscription item, proration, period)
        var raw: [(Int, Int64, Int64, Int?, Bool, (Int64, Int64))] = []
        if let plan = subscription {
            for (n, item) in plan.items.enumerated() {
                let quantity = item.quantity ?? Int64(r.below(2_000))
                let length = priceKind(item.price).periodSeconds
                raw.append((item.price, quantity, amount(price: item.price, quantity: quantity), n, false, (created, created + length)))
            }
            if index % 9 == 4, let first = plan.items.first, let quantity = first.quantity {
                let length = priceKind(first.price).periodSeconds
                let period = (created - length / 2, created)
                let credit = amount(price: first.price, quantity: quantity) / 2
                let charge = amount(price: first.price, quantity: quantity + 1) / 2
                raw.append((first.price, quantity, -credit, 0, true, period))
                raw.append((first.price, quantity + 1, charge, 0, true, period))
            }
            if index % 11 == 7 { targetLines = raw.count + 1 }
        }
        while raw.count < targetLines {
            let n = raw.count
            let price = priceIndex(kind: .oneTime, variant: (n + index) % config.priceVariants, currency: c)
            let quantity = Int64(1 + r.below(3))
            raw.append((price, quantity, amount(price: price, quantity: quantity), nil, false, (created, created)))
        }

        var amountOffLeft: Int64 = coupon.map { couponIsPercent($0) ? 0 : couponAmountOff($0) } ?? 0
        let lines: [LinePlan] = raw.map { line in
            var discount: Int64 = 0
            if let coupon, !line.4, line.2 > 0 {
                if couponIsPercent(coupon) {
                    discount = line.2 * couponPercentBP(coupon) / 10_000
                } else {
                    discount = min(amountOffLeft, line.2)
                    amountOffLeft -= discount
                }
            }
            var taxAmount: Int64 = 0
            var taxable: Int64 = 0
            if let tax {
                let base = line.2 - discount
                if tax.inclusive {
                    taxAmount = Self.roundDiv(base * tax.bp, 10_000 + tax.bp)
                    taxable = base - taxAmount
                } else {
                    taxAmount = Self.roundDiv(base * tax.bp, 10_000)
                    taxable = base
                }
            }
            return LinePlan(
                price: line.0, quantity: line.1, amount: line.2, subscriptionItem: line.3, proration: line.4,
                period: line.5, discount: discount, tax: taxAmount, taxable: taxable)
        }
        let reason: String
        if let plan = subscription {
            reason = created - plan.created < 86_400 * 2 ? "subscription_create" : "subscription_cycle"
        } else {
            reason = "manual"
        }
        return InvoicePlan(
            index: index, customer: customer, currency: c, subscription: subscription, status: status,
            created: created, lines: lines, coupon: coupon, tax: tax, billingReason: reason)
    }

    public func invoiceLineCount(_ invoice: Int) -> Int { invoicePlan(invoice).lines.count }

    private func taxEntry(_ plan: InvoicePlan, amount: Int64, taxable: Int64) -> FixtureJSON {
        guard let tax = plan.tax else { return .null }
        return .object([
            ("amount", .int(amount)),
            ("tax_behavior", tax.inclusive ? "inclusive" : "exclusive"),
            ("tax_rate_details", .object([("tax_rate", .string(taxRateID(currency: plan.currency)))])),
            ("taxability_reason", "standard_rated"),
            ("taxable_amount", .int(taxable)),
            ("type", "tax_rate_details")
        ])
    }

    func invoiceLine(_ plan: InvoicePlan, _ n: Int) -> FixtureJSON {
        let line = plan.lines[n]
        let invoiceID = id(.invoices, plan.index)
        let subID = plan.subscription.map { id(.subscriptions, $0.index) }
        let parent: FixtureJSON
        let invoiceItemID = "ii_T" + Self.pad(plan.index, 8) + "_" + Self.pad(n, 4)
        if let item = line.subscriptionItem, let sub = plan.subscription {
            parent = .object([
                ("invoice_item_details", .null),
                (
                    "subscription_item_details",
                    .object([
                        ("invoice_item", line.proration ? .string(invoiceItemID) : .null),
                        ("proration", .bool(line.proration)),
                        ("proration_details", .object([("credited_items", .null)])),
                        ("subscription", .string(id(.subscriptions, sub.index))),
                        ("subscription_item", .string(subscriptionItemID(sub.index, item)))
                    ])
                ),
                ("type", "subscription_item_details")
            ])
        } else {
            parent = .object([
                (
                    "invoice_item_details",
                    .object([
                        ("invoice_item", .string(invoiceItemID)),
                        ("proration", false),
                        ("proration_details", .object([("credited_items", .null)])),
                        ("subscription", .optionalString(subID))
                    ])
                ),
                ("subscription_item_details", .null),
                ("type", "invoice_item_details")
            ])
        }
        let product = productName(priceProduct(line.price))
        let description: String
        if line.proration {
            description = line.amount < 0 ? "Unused time on \(product) after \(n)" : "Remaining time on \(line.quantity) × \(product)"
        } else {
            description = "\(line.quantity) × \(product)"
        }
        let unitDecimal: FixtureJSON
        if priceKind(line.price) == .tiered || line.quantity == 0 {
            unitDecimal = line.quantity == 0 ? "0" : .string(Self.decimalString(tenths: Self.roundDiv(line.amount * 10, line.quantity)))
        } else {
            unitDecimal = unitAmountDecimalTenths(line.price).map { .string(Self.decimalString(tenths: $0)) } ?? .null
        }
        var discountAmounts: [FixtureJSON] = []
        if plan.coupon != nil, let sub = plan.subscription {
            discountAmounts.append(.object([("amount", .int(line.discount)), ("discount", .string(discountID(subscription: sub.index)))]))
        }
        return .object([
            ("id", .string(invoiceLineID(plan.index, n))),
            ("object", "line_item"),
            ("amount", .int(line.amount)),
            ("currency", .string(currency(plan.currency))),
            ("description", .string(description)),
            ("discount_amounts", .array(discountAmounts)),
            ("discountable", .bool(!line.proration)),
            ("discounts", .array([])),
            ("invoice", .string(invoiceID)),
            ("livemode", livemode),
            ("metadata", .object([])),
            ("parent", parent),
            ("period", .object([("end", .int(line.period.1)), ("start", .int(line.period.0))])),
            ("pretax_credit_amounts", .array([])),
            (
                "pricing",
                .object([
                    (
                        "price_details",
                        .object([
                            ("price", .string(id(.prices, line.price))),
                            ("product", .string(id(.products, priceProduct(line.price))))
                        ])
                    ),
                    ("type", "price_details"),
                    ("unit_amount_decimal", unitDecimal)
                ])
            ),
            ("quantity", .int(line.quantity)),
            ("taxes", .array(plan.tax == nil ? [] : [taxEntry(plan, amount: line.tax, taxable: line.taxable)]))
        ])
    }

    /// All lines of invoice N, in invoice order.
    public func invoiceLines(_ invoice: Int) -> [FixtureJSON] {
        let plan = invoicePlan(invoice)
        return (0..<plan.lines.count).map { invoiceLine(plan, $0) }
    }

    /// An invoice; `lineLimit` lines are embedded (nil: all, for complete objects).
    /// Invoice N; `expandDiscounts` renders `discounts` as discount objects (`expand[]=data.discounts`).
    public func invoice(_ index: Int, lineLimit: Int? = 10, expandDiscounts: Bool = false) -> FixtureJSON {
        invoice(plan: invoicePlan(index), lineLimit: lineLimit, expandDiscounts: expandDiscounts)
    }

    func invoice(plan: InvoicePlan, lineLimit: Int?, expandDiscounts: Bool = false) -> FixtureJSON {
        let index = plan.index
        let invoiceID = id(.invoices, index)
        var r = rng(.invoices, index, 4)
        let subtotal = plan.lines.reduce(0) { $0 + $1.amount }
        let discount = plan.lines.reduce(0) { $0 + $1.discount }
        let tax = plan.lines.reduce(0) { $0 + $1.tax }
        let taxable = plan.lines.reduce(0) { $0 + $1.taxable }
        let inclusive = plan.tax?.inclusive ?? false
        let total = subtotal - discount + (inclusive ? 0 : tax)
        let totalExcludingTax = subtotal - discount - (inclusive ? tax : 0)
        let amountDue = max(0, total)
        let status = plan.status
        let draft = status == "draft"
        let finalizedAt: Int64? = draft ? nil : plan.created + 3_600
        let paidAt: Int64? = status == "paid" ? min(config.endTime, plan.created + 3_600 + Int64(r.below(5)) * 86_400) : nil
        let voidedAt: Int64? = status == "void" ? min(config.endTime, plan.created + 20 * 86_400) : nil
        let uncollectibleAt: Int64? = status == "uncollectible" ? min(config.endTime, plan.created + 35 * 86_400) : nil
        let amountPaid = status == "paid" ? amountDue : 0
        let customerID = id(.customers, plan.customer)
        let customer = self.customer(plan.customer)
        let subID = plan.subscription.map { id(.subscriptions, $0.index) }
        let shown = min(plan.lines.count, lineLimit ?? plan.lines.count)
        let lines = list(
            url: "/v1/invoices/\(invoiceID)/lines",
            data: (0..<shown).map { invoiceLine(plan, $0) },
            hasMore: shown < plan.lines.count, totalCount: plan.lines.count)
        let parent: FixtureJSON
        if let subID {
            parent = .object([
                ("quote_details", .null),
                (
                    "subscription_details",
                    .object([
                        ("metadata", plan.subscription!.index % 4 == 0 ? metadata([("plan_source", "self_serve")]) : .object([])),
                        ("subscription", .string(subID))
                    ])
                ),
                ("type", "subscription_details")
            ])
        } else {
            parent = .null
        }
        var discountIDs: [FixtureJSON] = []
        var totalDiscounts: [FixtureJSON] = []
        if plan.coupon != nil, let sub = plan.subscription {
            // The discount as it was when the invoice was made, even if it has since ended on the subscription.
            discountIDs.append(expandDiscounts ? self.discount(sub, coupon: plan.coupon!) : .string(discountID(subscription: sub.index)))
            totalDiscounts.append(.object([("amount", .int(discount)), ("discount", .string(discountID(subscription: sub.index)))]))
        }
        let totalTaxes: [FixtureJSON] = plan.tax == nil ? [] : [taxEntry(plan, amount: tax, taxable: taxable)]
        let periodStart = plan.subscription.map { _ in plan.created - 30 * 86_400 } ?? plan.created
        let sendInvoice = plan.subscription.map { $0.index % 9 == 4 } ?? (index % 4 == 0)
        let number: FixtureJSON =
            draft ? .null : .string("\(customer["invoice_prefix"]?.stringValue ?? "T")-\(Self.pad(index % 10_000, 4))")
        let hosted: FixtureJSON = draft ? .null : .string("https://invoice.stripe.com/i/acct_T/test_\(invoiceID)")
        let pdf: FixtureJSON = draft ? .null : .string("https://pay.stripe.com/invoice/acct_T/test_\(invoiceID)/pdf")
        var pairs: [(String, FixtureJSON)] = []
        pairs.append(
            contentsOf: [
                ("id", .string(invoiceID)),
                ("object", "invoice"),
                ("account_country", "US"),
                ("account_name", "Fixture Labs, Inc."),
                ("account_tax_ids", .null),
                ("amount_due", .int(amountDue)),
                ("amount_overpaid", 0),
                ("amount_paid", .int(amountPaid))
            ] as [(String, FixtureJSON)])
        pairs.append(
            contentsOf: [
                ("amount_remaining", .int(amountDue - amountPaid)),
                ("amount_shipping", 0),
                ("application", .null),
                ("attempt_count", .int(status == "paid" ? 1 : (draft ? 0 : r.below(4)))),
                ("attempted", .bool(!draft && !sendInvoice)),
                ("auto_advance", .bool(draft || status == "open")),
                (
                    "automatic_tax",
                    .object([("disabled_reason", .null), ("enabled", false), ("liability", .null), ("provider", .null), ("status", .null)])
                ),
                ("automatically_finalizes_at", draft ? .int(plan.created + 3_600) : .null)
            ] as [(String, FixtureJSON)])
        pairs.append(
            contentsOf: [
                ("billing_reason", .string(plan.billingReason)),
                ("collection_method", sendInvoice ? "send_invoice" : "charge_automatically"),
                ("created", .int(plan.created)),
                ("currency", .string(currency(plan.currency))),
                ("custom_fields", .null),
                ("customer", .string(customerID)),
                ("customer_address", customer["address"] ?? .null),
                ("customer_email", customer["email"] ?? .null)
            ] as [(String, FixtureJSON)])
        pairs.append(
            contentsOf: [
                ("customer_name", customer["name"] ?? .null),
                ("customer_phone", customer["phone"] ?? .null),
                ("customer_shipping", customer["shipping"] ?? .null),
                ("customer_tax_exempt", customer["tax_exempt"] ?? .null),
                ("customer_tax_ids", .array([])),
                ("default_payment_method", .null),
                ("default_source", .null),
                ("default_tax_rates", .array([]))
            ] as [(String, FixtureJSON)])
        pairs.append(
            contentsOf: [
                ("description", index % 13 == 0 ? "Thanks for your business!" : .null),
                ("discounts", .array(discountIDs)),
                ("due_date", sendInvoice ? .int(plan.created + 30 * 86_400) : .null),
                ("effective_at", .optionalInt(finalizedAt)),
                ("ending_balance", draft ? .null : 0),
                ("footer", .null),
                ("from_invoice", .null),
                ("hosted_invoice_url", hosted)
            ] as [(String, FixtureJSON)])
        pairs.append(
            contentsOf: [
                ("invoice_pdf", pdf),
                ("issuer", .object([("type", "self")])),
                ("last_finalization_error", .null),
                ("latest_revision", .null),
                ("lines", lines),
                ("livemode", livemode),
                ("metadata", index % 10 == 3 ? metadata([("order_id", "ord_\(index * 31 % 100_000)")]) : .object([])),
                ("next_payment_attempt", status == "open" && !sendInvoice ? .int(plan.created + 4 * 86_400) : .null)
            ] as [(String, FixtureJSON)])
        pairs.append(
            contentsOf: [
                ("number", number),
                ("on_behalf_of", .null),
                ("parent", parent),
                (
                    "payment_settings",
                    .object([
                        ("default_mandate", .null), ("payment_method_options", .null), ("payment_method_types", .null)
                    ])
                ),
                ("period_end", .int(plan.created)),
                ("period_start", .int(periodStart)),
                ("post_payment_credit_notes_amount", 0),
                ("pre_payment_credit_notes_amount", 0)
            ] as [(String, FixtureJSON)])
        pairs.append(
            contentsOf: [
                ("receipt_number", .null),
                ("rendering", .null),
                ("shipping_cost", .null),
                ("shipping_details", .null),
                ("starting_balance", 0),
                ("statement_descriptor", .null),
                ("status", .string(status)),
                (
                    "status_transitions",
                    .object([
                        ("finalized_at", .optionalInt(finalizedAt)),
                        ("marked_uncollectible_at", .optionalInt(uncollectibleAt)),
                        ("paid_at", .optionalInt(paidAt)),
                        ("voided_at", .optionalInt(voidedAt))
                    ])
                )
            ] as [(String, FixtureJSON)])
        pairs.append(
            contentsOf: [
                ("subtotal", .int(subtotal)),
                ("subtotal_excluding_tax", .int(subtotal - (inclusive ? tax : 0))),
                ("test_clock", .null),
                ("total", .int(total)),
                ("total_discount_amounts", .array(totalDiscounts)),
                ("total_excluding_tax", .int(totalExcludingTax)),
                ("total_pretax_credit_amounts", .array([])),
                ("total_taxes", .array(totalTaxes))
            ] as [(String, FixtureJSON)])
        pairs.append(
            contentsOf: [
                ("webhooks_delivered_at", .optionalInt(finalizedAt))
            ] as [(String, FixtureJSON)])
        return .object(pairs)
    }
}
