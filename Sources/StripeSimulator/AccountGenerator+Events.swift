/// Events of the last 30 days. Each deleted customer has exactly one `customer.deleted` event
/// (event 10k+5 for the k-th deleted customer); that is the only place deleted customers appear.
extension AccountGenerator {
    /// (type, stream, object index) of event N.
    public func eventSubject(_ index: Int) -> (type: String, stream: FixtureStream?, object: Int) {
        func recent(_ count: Int, _ stride: Int, _ window: Int) -> Int { count - 1 - ((index * stride) % min(count, window)) }
        let hasInvoices = invoiceCount > 0
        let hasCustomers = customerCount > 0
        let hasSubscriptions = subscriptionCount > 0
        switch index % 10 {
        case 5 where index / 10 < deletedCustomerCount && hasDeletionEvent(index / 10):
            return ("customer.deleted", .customers, deletedCustomer(index / 10))
        case 3 where hasCustomers:
            return ("customer.created", .customers, recent(customerCount, 3, 300))
        case 4, 5:
            if hasCustomers { return ("customer.updated", .customers, recent(customerCount, 7, 300)) }
        case 6 where hasSubscriptions, 9 where hasSubscriptions:
            let sub = recent(subscriptionCount, 5, 300)
            if index % 10 == 9 {
                return (
                    subscriptionPlan(sub).status == "canceled" ? "customer.subscription.deleted" : "customer.subscription.created",
                    .subscriptions, sub
                )
            }
            return ("customer.subscription.updated", .subscriptions, sub)
        case 7 where creditNoteCount > 0:
            return ("credit_note.created", .creditNotes, creditNoteCount - 1 - (index % min(creditNoteCount, 100)))
        default:
            break
        }
        if hasInvoices {
            let invoice = recent(invoiceCount, 7, 500)
            let status = invoiceStatus(invoice)
            switch index % 10 {
            case 0: return ("invoice.created", .invoices, invoice)
            case 1: return (status == "draft" ? "invoice.updated" : "invoice.finalized", .invoices, invoice)
            case 2: return (status == "paid" ? "invoice.paid" : "invoice.updated", .invoices, invoice)
            default: return ("invoice.updated", .invoices, invoice)
            }
        }
        if hasCustomers { return ("customer.updated", .customers, customerCount - 1) }
        return ("account.updated", nil, 0)
    }

    public func event(_ index: Int) -> FixtureJSON {
        let subject = eventSubject(index)
        let object: FixtureJSON
        var previous: FixtureJSON?
        switch subject.stream {
        case .customers?:
            object = customer(subject.object)
            if subject.type == "customer.updated" { previous = .object([("email", .string("old+\(subject.object)@example.com"))]) }
        case .subscriptions?:
            object = subscription(subject.object)
            if subject.type == "customer.subscription.updated" { previous = .object([("metadata", .object([]))]) }
        case .creditNotes?:
            object = creditNote(subject.object)
        case .invoices?:
            object = invoice(subject.object)
            if subject.type == "invoice.updated" { previous = .object([("description", .null)]) }
        default:
            object = .object([("id", .string(config.accountID)), ("object", "account")])
        }
        var data: [(String, FixtureJSON)] = [("object", object)]
        if let previous { data.append(("previous_attributes", previous)) }
        let fromAPI = index % 3 != 0
        return .object([
            ("id", .string(id(.events, index))),
            ("object", "event"),
            ("api_version", .string(config.apiVersion)),
            ("created", .int(created(.events, index))),
            ("data", .object(data)),
            ("livemode", livemode),
            ("pending_webhooks", 0),
            (
                "request",
                .object([
                    ("id", fromAPI ? .string("req_T" + Self.pad(index, 8)) : .null),
                    ("idempotency_key", fromAPI && index % 2 == 0 ? .string("idem-\(index)") : .null)
                ])
            ),
            ("type", .string(subject.type))
        ])
    }
}
