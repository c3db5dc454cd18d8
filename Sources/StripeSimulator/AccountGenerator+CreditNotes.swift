/// Credit notes and their lines. Credit note 0 credits 150 lines of the 250-line invoice.
extension AccountGenerator {
    struct CreditNotePlan {
        let index: Int
        let invoice: InvoicePlan
        /// (invoice line index or nil for a custom line, amount, discount, tax, taxable)
        let lines: [(Int?, Int64, Int64, Int64, Int64)]
        let created: Int64
        let status: String
    }

    /// The invoice credit note N credits: a finalized (paid or open) invoice created before it.
    public func creditNoteInvoiceIndex(_ index: Int) -> Int {
        if index == Special.manyLineCreditNote { return Special.manyLineInvoice }
        var candidate = min(invoiceCount - 1, Int(Int64(index) * Int64(invoiceCount) / Int64(max(1, creditNoteCount))))
        let created = self.created(.creditNotes, index)
        for _ in 0..<40 where candidate > Special.manyLineInvoice {
            let status = invoiceStatus(candidate)
            if (status == "paid" || status == "open") && self.created(.invoices, candidate) < created { return candidate }
            candidate -= 1
        }
        return Special.manyLineInvoice
    }

    func creditNotePlan(_ index: Int) -> CreditNotePlan {
        var r = rng(.creditNotes, index)
        let invoice = invoicePlan(creditNoteInvoiceIndex(index))
        var lines: [(Int?, Int64, Int64, Int64, Int64)] = []
        let wanted = index == Special.manyLineCreditNote ? Special.manyLineCreditNoteLineCount : 1 + r.below(3)
        for (n, line) in invoice.lines.enumerated() where line.amount > 0 && lines.count < wanted {
            let full = lines.isEmpty || index == Special.manyLineCreditNote
            let amount = full ? line.amount : line.amount / 2
            let share = { (value: Int64) in Self.share(value, amount, of: line.amount) }
            lines.append((n, amount, share(line.discount), share(line.tax), share(line.taxable)))
        }
        if index % 7 == 3 || lines.isEmpty {
            lines.append((nil, minorUnits(usdCents: 500, currency: invoice.currency), 0, 0, 0))
        }
        return CreditNotePlan(
            index: index, invoice: invoice, lines: lines, created: created(.creditNotes, index),
            status: index % 15 == 14 ? "void" : "issued")
    }

    public func creditNoteLineCount(_ note: Int) -> Int { creditNotePlan(note).lines.count }

    func creditNoteLine(_ plan: CreditNotePlan, _ n: Int) -> FixtureJSON {
        let (invoiceLine, amount, discount, tax, taxable) = plan.lines[n]
        var taxes: [FixtureJSON] = []
        if let rate = plan.invoice.tax, invoiceLine != nil {
            taxes.append(
                .object([
                    ("amount", .int(tax)),
                    ("tax_behavior", rate.inclusive ? "inclusive" : "exclusive"),
                    ("tax_rate_details", .object([("tax_rate", .string(taxRateID(currency: plan.invoice.currency)))])),
                    ("taxability_reason", "standard_rated"),
                    ("taxable_amount", .int(taxable)),
                    ("type", "tax_rate_details")
                ]))
        }
        var discountAmounts: [FixtureJSON] = []
        if plan.invoice.coupon != nil, let sub = plan.invoice.subscription, invoiceLine != nil {
            discountAmounts.append(.object([("amount", .int(discount)), ("discount", .string(discountID(subscription: sub.index)))]))
        }
        let description: FixtureJSON
        var quantity: FixtureJSON = 1
        if let invoiceLine {
            let line = plan.invoice.lines[invoiceLine]
            description = .string("\(line.quantity) × \(productName(priceProduct(line.price)))")
            quantity = .int(line.quantity)
        } else {
            description = "Goodwill credit"
        }
        return .object([
            ("id", .string(creditNoteLineID(plan.index, n))),
            ("object", "credit_note_line_item"),
            ("amount", .int(amount)),
            ("description", description),
            ("discount_amount", .int(discount)),
            ("discount_amounts", .array(discountAmounts)),
            ("invoice_line_item", invoiceLine.map { .string(invoiceLineID(plan.invoice.index, $0)) } ?? .null),
            ("livemode", livemode),
            ("metadata", .object([])),
            ("pretax_credit_amounts", .array([])),
            ("quantity", quantity),
            ("tax_rates", .array([])),
            ("taxes", .array(taxes)),
            ("type", invoiceLine == nil ? "custom_line_item" : "invoice_line_item"),
            ("unit_amount", invoiceLine == nil ? .int(amount) : .null),
            ("unit_amount_decimal", invoiceLine == nil ? .string(String(amount)) : .null)
        ])
    }

    /// All lines of credit note N, in order.
    public func creditNoteLines(_ note: Int) -> [FixtureJSON] {
        let plan = creditNotePlan(note)
        return (0..<plan.lines.count).map { creditNoteLine(plan, $0) }
    }

    /// A credit note; `lineLimit` lines are embedded (nil: all, for complete objects).
    public func creditNote(_ index: Int, lineLimit: Int? = 10) -> FixtureJSON {
        let plan = creditNotePlan(index)
        let noteID = id(.creditNotes, index)
        let invoice = plan.invoice
        let subtotal = plan.lines.reduce(0) { $0 + $1.1 }
        let discount = plan.lines.reduce(0) { $0 + $1.2 }
        let tax = plan.lines.reduce(0) { $0 + $1.3 }
        let taxable = plan.lines.reduce(0) { $0 + $1.4 }
        let inclusive = invoice.tax?.inclusive ?? false
        let total = subtotal - discount + (inclusive ? 0 : tax)
        let paid = invoice.status == "paid"
        let shown = min(plan.lines.count, lineLimit ?? plan.lines.count)
        var totalTaxes: [FixtureJSON] = []
        if let rate = invoice.tax {
            totalTaxes.append(
                .object([
                    ("amount", .int(tax)),
                    ("tax_behavior", rate.inclusive ? "inclusive" : "exclusive"),
                    ("tax_rate_details", .object([("tax_rate", .string(taxRateID(currency: invoice.currency)))])),
                    ("taxability_reason", "standard_rated"),
                    ("taxable_amount", .int(taxable)),
                    ("type", "tax_rate_details")
                ]))
        }
        var discountAmounts: [FixtureJSON] = []
        if invoice.coupon != nil, let sub = invoice.subscription {
            discountAmounts.append(.object([("amount", .int(discount)), ("discount", .string(discountID(subscription: sub.index)))]))
        }
        let reasons = ["duplicate", "fraudulent", "order_change", "product_unsatisfactory"]
        let invoiceJSONNumber = "T" + String(invoice.customer, radix: 16, uppercase: true) + "-" + Self.pad(invoice.index % 10_000, 4)
        return .object([
            ("id", .string(noteID)),
            ("object", "credit_note"),
            ("amount", .int(total)),
            ("amount_shipping", 0),
            ("created", .int(plan.created)),
            ("currency", .string(currency(invoice.currency))),
            ("customer", .string(id(.customers, invoice.customer))),
            ("customer_balance_transaction", paid ? .null : .string("cbtxn_T" + Self.pad(index, 8))),
            ("discount_amount", .int(discount)),
            ("discount_amounts", .array(discountAmounts)),
            ("effective_at", .int(plan.created)),
            ("invoice", .string(id(.invoices, invoice.index))),
            (
                "lines",
                list(
                    url: "/v1/credit_notes/\(noteID)/lines",
                    data: (0..<shown).map { creditNoteLine(plan, $0) },
                    hasMore: shown < plan.lines.count, totalCount: plan.lines.count)
            ),
            ("livemode", livemode),
            ("memo", index % 4 == 0 ? "Refund for the \"March\" outage" : .null),
            ("metadata", .object([])),
            ("number", .string("\(invoiceJSONNumber)-CN-\(Self.pad(index % 100, 2))")),
            ("out_of_band_amount", .null),
            ("pdf", .string("https://pay.stripe.com/credit_notes/acct_T/test_\(noteID)/pdf")),
            ("post_payment_amount", .int(paid ? total : 0)),
            ("pre_payment_amount", .int(paid ? 0 : total)),
            ("pretax_credit_amounts", .array([])),
            ("reason", index % 5 == 0 ? .null : .string(reasons[index % reasons.count])),
            ("refunds", .array([])),
            ("shipping_cost", .null),
            ("status", .string(plan.status)),
            ("subtotal", .int(subtotal)),
            ("subtotal_excluding_tax", .int(subtotal - (inclusive ? tax : 0))),
            ("total", .int(total)),
            ("total_excluding_tax", .int(subtotal - discount - (inclusive ? tax : 0))),
            ("total_taxes", .array(totalTaxes)),
            ("type", paid ? "post_payment" : "pre_payment"),
            ("voided_at", plan.status == "void" ? .int(min(config.endTime, plan.created + 86_400)) : .null)
        ])
    }
}
