import Core
import JSON

#if canImport(Glibc)
import Glibc
#endif

extension RowEvaluator {
    /// The sum of the `amount` of the entries of a tax array that are (`inclusive`) or are not
    /// tax-inclusive: `taxes[]` say so by `tax_behavior`, `tax_amounts[]` by `inclusive`.
    private func taxTotal(_ array: JSONValue, inclusive wanted: Bool, in document: JSONDocument) throws -> Int64 {
        var total: Int64 = 0
        try document.forEachElement(array) { element in
            guard element.kind == .object else { return }
            var isInclusive = false
            if let behavior = try document.member(element, "tax_behavior") { isInclusive = document.equals(behavior, "inclusive") }
            if let flag = try document.member(element, "inclusive"), flag.kind == .bool {
                isInclusive = try document.bool(flag) ?? false
            }
            guard isInclusive == wanted, let m = try document.member(element, "amount"), let n = try document.int64(m) else { return }
            let (r, o) = total.addingReportingOverflow(n)
            if o { throw ExactMath.overflow() }
            total = r
        }
        return total
    }

    func derive(_ derivationIndex: Int, _ a: FlatArgs, in document: JSONDocument) throws -> Value {
        switch layout.program.derivations[derivationIndex] {
        case .major:
            guard let minor = try intValue(try eval(a[0], in: document), in: document) else { return .null }
            guard let info = try currency(try eval(a[1], in: document), in: document) else {
                throw RowReject(.missingField, "no currency for the amount")
            }
            return .decimal(ExactDecimal(units: Int128(minor), scale: info.exponent))
        case .fx:
            let v = try eval(a[0], in: document)
            if v.isNull { return .null }
            guard let (rate, exponent) = try rowFX(in: document) else { return .null }
            let major: ExactDecimal
            if case .decimal(let d) = v {
                major = d
            } else {
                major = ExactDecimal(units: Int128(try intValue(v, in: document)!), scale: exponent)
            }
            return .decimal(try convert(major, rate))
        case .fxRate:
            guard let (rate, _) = try rowFX(in: document) else { return .null }
            return .decimal(rate.rate)
        case .fxRateDate:
            guard let (rate, _) = try rowFX(in: document) else { return .null }
            return .day(rate.rateDay)
        case .fxStatus:
            _ = try rowFX(in: document)
            return fx.ready ? .text(textIndex(fx.outcome.text)) : .null
        case .fxReason:
            guard try rowFX(in: document) == nil, fx.ready else { return .null }
            var w = JSONWriter(capacity: fx.failure.utf8.count + 16)
            w.string(fx.failure)
            let start = scratch.count
            scratch.append(w.bytes)
            return .scratch(start, scratch.count)
        case .reportingCurrency:
            return .text(plan.reportingTextIndex)
        case .which(let texts):
            if layout.program.nodes[Int(a[0])].op == .coalesce {
                let parts = layout.program.arguments(of: a[0])
                for i in 0..<parts.count where !(try eval(parts[i], in: document)).isNull { return .text(texts[i]) }
                return .null
            }
            return (try eval(a[0], in: document)).isNull ? .null : .text(texts[0])
        case .map(let pairs):
            let v = try eval(a[0], in: document)
            guard case .json(let j) = v, j.kind == .string else { return v }
            let raw = document.stringBytes(j)
            for (from, to) in pairs where raw.equals(from) { return .text(to) }
            return v
        case .sum(let field):
            let v = try eval(a[0], in: document)
            // A null or absent list is an empty list (Stripe documents taxes, discount_amounts, ... as nullable).
            guard case .json(let array) = v else {
                if v.isNull { return .int(0) }
                throw RowReject(.typeMismatch, "expected an array, found \(kindName(v))")
            }
            guard array.kind == .array else { throw RowReject(.typeMismatch, "expected an array, found \(array.kind)") }
            var total: Int64 = 0
            try document.forEachElement(array) { element in
                guard element.kind == .object else { throw RowReject(.typeMismatch, "array element is a \(element.kind), not an object") }
                guard let m = try document.member(element, key: field), let n = try document.int64(m) else { return }
                let (r, o) = total.addingReportingOverflow(n)
                if o { throw ExactMath.overflow() }
                total = r
            }
            return .int(total)
        case .netOfInclusiveTax:
            guard let amount = try intValue(try eval(a[0], in: document), in: document) else { return .null }
            let taxes = try eval(a[1], in: document)
            guard case .json(let array) = taxes, array.kind == .array else {
                if taxes.isNull { return .int(amount) }
                throw RowReject(.typeMismatch, "expected an array of taxes, found \(kindName(taxes))")
            }
            let (net, overflow) = amount.subtractingReportingOverflow(try taxTotal(array, inclusive: true, in: document))
            if overflow { throw ExactMath.overflow() }
            return .int(net)
        case .sumExceptType(let excluded):
            let v = try eval(a[0], in: document)
            guard case .json(let array) = v, array.kind == .array else {
                if v.isNull { return .int(0) }
                throw RowReject(.typeMismatch, "expected an array, found \(kindName(v))")
            }
            var total: Int64 = 0
            try document.forEachElement(array) { element in
                guard element.kind == .object else { return }
                if let type = try document.member(element, "type"), type.kind == .string {
                    if document.stringBytes(type).equals(excluded) { return }
                }
                guard let m = try document.member(element, "amount"), let n = try document.int64(m) else { return }
                let (r, o) = total.addingReportingOverflow(n)
                if o { throw ExactMath.overflow() }
                total = r
            }
            return .int(total)
        case .taxSplit(let wantInclusive):
            let taxes = try eval(a[0], in: document)
            guard case .json(let array) = taxes, array.kind == .array else {
                if taxes.isNull { return .int(0) }
                throw RowReject(.typeMismatch, "expected an array of taxes, found \(kindName(taxes))")
            }
            return .int(try taxTotal(array, inclusive: wantInclusive, in: document))
        case .identityKey, .identityKeySource:
            let source: Bool
            if case .identityKeySource = layout.program.derivations[derivationIndex] { source = true } else { source = false }
            let key = settings.identityKey
            if key == "email" {
                let v = try eval(a[0], in: document)
                if let n = stringByteCount(v), n > 2 { return source ? .text(textIndex("email")) : v }
            } else if key.hasPrefix("metadata.") {
                if case .json(let metadata) = try eval(a[1], in: document), metadata.kind == .object,
                    let m = try document.member(metadata, key: Array(key.utf8.dropFirst("metadata.".count))),
                    m.kind == .string, m.count > 2
                {
                    return source ? .text(textIndex(key)) : .json(m)
                }
            }
            return source ? .text(textIndex("id")) : try eval(a[2], in: document)
        case .customerDeleted:
            if forceDeleted { return .bool(true) }
            if !catalog.deletedCustomers.isEmpty, let id = objectId(in: document), catalog.deletedCustomers[id] != nil {
                return .bool(true)
            }
            return .bool(try boolValue(try eval(a[0], in: document), in: document) ?? false)
        case .productName:
            guard let id = try stringValue(try eval(a[0], in: document), in: document), let name = catalog.productNames[id] else {
                return .null
            }
            let start = scratch.count
            scratch.append(name)
            return .scratch(start, scratch.count)
        case .subscriptionStatus:
            if case .json(let pause) = try eval(a[1], in: document), pause.kind == .object { return .text(textIndex("paused")) }
            return try eval(a[0], in: document)
        case .effectiveCancelAt:
            let cancelAt = try eval(a[0], in: document)
            if !cancelAt.isNull { return cancelAt }
            if try boolValue(try eval(a[1], in: document), in: document) == true { return try eval(a[2], in: document) }
            return .null
        case .discounts:
            return try buildDiscounts(a, in: document)
        case .when(let expected):
            guard case .json(let j) = try eval(a[0], in: document), j.kind == .string else { return .null }
            guard document.stringBytes(j).equals(expected) else { return .null }
            return try eval(a[1], in: document)
        case .whole:
            guard let d = try decimalValue(try eval(a[0], in: document), in: document) else { return .null }
            let divisor = ExactMath.pow10(d.scale)
            guard d.units % divisor == 0, let n = Int64(exactly: d.units / divisor) else { return .null }
            return .int(n)
        case .mrr:
            return .null
        case .mrrStatus:
            return .text(textIndex(twoPhase.currentStatus.rawValue))
        case .mrrFxDate:
            return settings.mrrDate == .created ? try eval(a[0], in: document) : .day(settings.runDay)
        case .discountSplit(let permanent):
            let v = try eval(a[0], in: document)
            guard case .json(let array) = v, array.kind == .array else {
                if v.isNull { return .int(0) }
                throw RowReject(.typeMismatch, "expected an array of discount amounts, found \(kindName(v))")
            }
            var total: Int64 = 0
            var known = true
            try document.forEachElement(array) { element in
                guard known, element.kind == .object else { return }
                guard let amountValue = try document.member(element, "amount"), let amount = try document.int64(amountValue) else { return }
                var id: String?
                if let d = try document.member(element, "discount") {
                    if d.kind == .string {
                        id = try document.string(d)
                    } else if d.kind == .object, let inner = try document.member(d, "id") {
                        id = try document.string(inner)
                    }
                }
                guard let id, let coupon = catalog.discountCoupons[id] else { known = false; return }
                if coupon.isPermanent == permanent { total += amount }
            }
            return known ? .int(total) : .null
        }
    }

    func textIndex(_ text: String) -> Int {
        plan.textStrings.firstIndex(of: text) ?? plan.reportingTextIndex
    }

    // MARK: Discounts

    /// (discount id, coupon, end, whether the end is known) of a discount given as an id or as an object.
    private func resolveDiscount(_ element: JSONValue, in document: JSONDocument) throws -> (
        String?, TransformCatalog.Coupon?, Int64?, Bool
    ) {
        if element.kind == .string {
            let id = try document.string(element)
            return (id, id.flatMap { catalog.discountCoupons[$0] }, nil, false)
        }
        guard element.kind == .object else { return (nil, nil, nil, false) }
        let id = try document.member(element, "id").flatMap { try document.string($0) }
        let end = try document.member(element, "end").flatMap { $0.kind == .number ? try document.int64($0) : nil }
        var couponValue = try document.member(element, "coupon")
        if couponValue == nil || couponValue?.kind == .null, let source = try document.member(element, "source"), source.kind == .object {
            couponValue = try document.member(source, "coupon")
        }
        var coupon: TransformCatalog.Coupon?
        if let c = couponValue {
            if c.kind == .object {
                coupon = try CatalogLoader.coupon(document, c)
            } else if c.kind == .string, let couponId = try document.string(c) {
                coupon = catalog.coupons[couponId]
            }
        }
        if coupon == nil, let id { coupon = catalog.discountCoupons[id] }
        if let id, let coupon { catalog.discountCoupons[id] = coupon }
        return (id, coupon, end, true)
    }

    private func buildDiscounts(_ a: FlatArgs, in document: JSONDocument) throws -> Value {
        var subscription: [(String?, TransformCatalog.Coupon?, Int64?, Bool)] = []
        if case .json(let list) = try eval(a[0], in: document), list.kind == .array {
            try document.forEachElement(list) { subscription.append(try resolveDiscount($0, in: document)) }
        }
        if case .json(let legacy) = try eval(a[1], in: document), legacy.kind == .object {
            let resolved = try resolveDiscount(legacy, in: document)
            if let i = subscription.firstIndex(where: { $0.0 != nil && $0.0 == resolved.0 }) {
                if subscription[i].1 == nil { subscription[i].1 = resolved.1 }
            } else {
                subscription.append(resolved)
            }
        }
        var item: [(String?, TransformCatalog.Coupon?, Int64?, Bool)] = []
        if case .json(let list) = try eval(a[2], in: document), list.kind == .array {
            try document.forEachElement(list) { item.append(try resolveDiscount($0, in: document)) }
        }
        twoPhase.subscriptionCoupons = subscription.map { entry in
            entry.1.map { MRRCalculator.Discount(coupon: $0, end: entry.2, endKnown: entry.3) }
        }
        twoPhase.itemCoupons = item.map { entry in entry.1.map { MRRCalculator.Discount(coupon: $0, end: entry.2, endKnown: entry.3) } }

        var w = JSONWriter(capacity: 128)
        w.beginArray()
        for (scope, entries) in [("subscription", subscription), ("item", item)] {
            for (id, coupon, _, _) in entries {
                w.beginObject()
                w.key("discount"); if let id { w.string(id) } else { w.null() }
                w.key("coupon"); if let c = coupon { w.string(c.id) } else { w.null() }
                w.key("scope"); w.string(scope)
                w.key("duration"); if let d = coupon?.duration { w.string(d) } else { w.null() }
                w.key("permanent"); if let c = coupon { w.bool(c.isPermanent) } else { w.null() }
                w.key("percent_off"); if let p = coupon?.percentOff { w.raw(Array(p.description.utf8)) } else { w.null() }
                w.key("amount_off"); if let m = coupon?.amountOff { w.int64(m) } else { w.null() }
                w.key("currency"); if let c = coupon?.currency { w.string(c) } else { w.null() }
                w.endObject()
            }
        }
        w.endArray()
        let start = scratch.count
        scratch.append(w.bytes)
        return .scratch(start, scratch.count)
    }

    // MARK: MRR

    /// First phase of derive:mrr for the current item: its monthly amount in minor units after
    /// item-level permanent discounts (nil when unknown), or zero for non-revenue statuses.
    func deriveMRRPhaseOne(in document: JSONDocument) throws -> Value {
        guard let column = plan.mrrColumn else { return .null }
        let a = layout.program.arguments(of: layout.program.roots[column])
        let u = twoPhase.gross.count - 1
        let stripeStatus = try stringValue(try eval(a[0], in: document), in: document) ?? ""
        let usage = try stringValue(try eval(a[1], in: document), in: document)
        guard let info = try currency(try eval(a[8], in: document), in: document) else {
            throw RowReject(.missingField, "mrr: no currency")
        }
        twoPhase.exponent[u] = info.exponent
        twoPhase.currency[u] = info.code
        var pauseCollection = false
        if case .json(let pause) = try eval(a[11], in: document), pause.kind == .object { pauseCollection = true }
        let status = MRRCalculator.status(
            stripeStatus: stripeStatus, pauseCollection: pauseCollection, metered: usage == "metered", rule: settings.mrrRule)
        twoPhase.statuses[u] = status
        if status != .counted {
            if status != .unknown {
                twoPhase.zero[u] = true
                twoPhase.gross[u] = .zero
            }
            return .null
        }
        guard let interval = try stringValue(try eval(a[2], in: document), in: document),
            let factor = MRRCalculator.monthlyFactor(
                interval: interval, count: try intValue(try eval(a[3], in: document), in: document) ?? 1)
        else { return .null }
        var quantity = try intValue(try eval(a[4], in: document), in: document) ?? 1
        // price.transform_quantity (plan.transform_usage): the billed quantity is quantity / divide_by,
        // rounded up or down.
        if case .json(let transform) = try eval(a[10], in: document), transform.kind == .object,
            let divideBy = try document.member(transform, "divide_by").flatMap({ try document.int64($0) }), divideBy > 0
        {
            let up = try document.member(transform, "round").map { document.equals($0, "up") } ?? false
            let (q, r) = quantity.quotientAndRemainder(dividingBy: divideBy)
            quantity = up && r > 0 ? q + 1 : q
        }
        let perPeriod: ExactFraction
        if let unit = try decimalValue(try eval(a[5], in: document), in: document) {
            perPeriod = ExactFraction(unit) * ExactFraction(Int128(quantity))
        } else if case .json(let tiers) = try eval(a[6], in: document), tiers.kind == .array {
            let mode = try stringValue(try eval(a[7], in: document), in: document) ?? "graduated"
            guard
                let amount = MRRCalculator.tieredAmount(
                    try MRRCalculator.tiers(document, tiers), quantity: quantity, volume: mode == "volume")
            else { return .null }
            perPeriod = amount
        } else if let priceId = try stringValue(try eval(a[12], in: document), in: document), let priced = catalog.priceTiers[priceId] {
            // Tiers from the prices stream (a subscription list cannot expand its items' price tiers).
            guard let amount = MRRCalculator.tieredAmount(priced.tiers, quantity: quantity, volume: priced.volume) else { return .null }
            perPeriod = amount
        } else {
            return .null
        }
        var monthly = MRRCalculator.monthly(perPeriod, factor)
        for discount in twoPhase.itemCoupons {
            guard let discount else { return .null }
            guard
                let next = MRRCalculator.apply(
                    discount, to: monthly, factor: factor, currency: info.code,
                    rule: settings.mrrRule, snapshot: settings.snapshotSeconds)
            else { return .null }
            monthly = next
        }
        twoPhase.gross[u] = monthly
        twoPhase.period[u] = factor
        return .null
    }
}
