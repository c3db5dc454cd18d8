/// Products, prices, coupons and tax rates: the account's small catalogue.
extension AccountGenerator {
    /// The eight kinds of price; each currency has `priceVariants` prices of every kind.
    public enum PriceKind: Int, CaseIterable, Sendable {
        case monthly, yearly, quarterly, metered, biweekly, tiered, oneTime, daily

        var interval: String? {
            switch self {
            case .monthly, .quarterly, .metered, .tiered: return "month"
            case .yearly: return "year"
            case .biweekly: return "week"
            case .daily: return "day"
            case .oneTime: return nil
            }
        }

        var intervalCount: Int {
            switch self {
            case .quarterly: return 3
            case .biweekly: return 2
            default: return 1
            }
        }

        /// Approximate seconds of one billing period (for periods and proration dates only).
        var periodSeconds: Int64 {
            switch self {
            case .yearly: return 365 * 86_400
            case .biweekly: return 14 * 86_400
            case .daily: return 86_400
            case .quarterly: return 91 * 86_400
            default: return 30 * 86_400
            }
        }
    }

    static let productNames = [
        "Starter", "Pro", "Business", "Enterprise", "Analytics add-on", "Extra seats", "Priority support",
        "Storage 100 GB", "Onboarding", "API calls", "Premium — Café Édition", "SMS credits",
        "Team \"Plus\" plan", "日本語サポート", "Data export", "Audit log"
    ]

    // MARK: Index math

    public func priceIndex(kind: PriceKind, variant: Int, currency: Int) -> Int {
        (PriceKind.allCases.count * variant + kind.rawValue) * currencyCount + currency
    }

    public func priceKind(_ price: Int) -> PriceKind {
        PriceKind(rawValue: (price / currencyCount) % PriceKind.allCases.count) ?? .monthly
    }

    func priceVariant(_ price: Int) -> Int { price / currencyCount / PriceKind.allCases.count }
    func priceCurrency(_ price: Int) -> Int { price % currencyCount }
    func priceProduct(_ price: Int) -> Int { (price / currencyCount) % productCount }

    /// Every fifth price model is archived (inactive), like prices created inline with `price_data`.
    public func isPriceActive(_ price: Int) -> Bool { (price / currencyCount) % 5 != 4 }
    public func isProductActive(_ product: Int) -> Bool { product % 6 != 5 }

    func productName(_ product: Int) -> String {
        let base = Self.productNames[product % Self.productNames.count]
        return product < Self.productNames.count ? base : "\(base) \(product / Self.productNames.count + 1)"
    }

    /// Monthly-equivalent base price in USD cents.
    private func baseCents(_ price: Int) -> Int64 {
        let bases: [Int64] = [900, 1_900, 4_900, 9_900, 2_900, 14_900]
        return bases[(priceVariant(price) + priceProduct(price)) % bases.count]
    }

    /// Unit amount in minor units, nil for tiered and fractional (metered) prices.
    func unitAmount(_ price: Int) -> Int64? {
        let cents = baseCents(price)
        let c = priceCurrency(price)
        switch priceKind(price) {
        case .monthly: return minorUnits(usdCents: cents, currency: c)
        case .yearly: return minorUnits(usdCents: cents * 10, currency: c)
        case .quarterly: return minorUnits(usdCents: cents * 27 / 10, currency: c)
        case .biweekly: return minorUnits(usdCents: cents / 2, currency: c)
        case .daily: return minorUnits(usdCents: cents / 30 + 1, currency: c)
        case .oneTime: return minorUnits(usdCents: [5_000, 2_500, 15_000, 999][priceVariant(price) % 4], currency: c)
        case .metered, .tiered: return nil
        }
    }

    /// `unit_amount_decimal`: tenths of a minor unit for metered prices (e.g. "12.5").
    func unitAmountDecimalTenths(_ price: Int) -> Int64? {
        switch priceKind(price) {
        case .tiered: return nil
        case .metered: return minorUnits(usdCents: max(1, baseCents(price) / 100), currency: priceCurrency(price)) * 10 + 5
        default: return unitAmount(price).map { $0 * 10 }
        }
    }

    static func decimalString(tenths: Int64) -> String {
        tenths % 10 == 0 ? String(tenths / 10) : "\(tenths / 10).\(abs(tenths % 10))"
    }

    /// Graduated tiers: units 1-5 at the first amount, the rest at 80 %.
    func tierAmounts(_ price: Int) -> (upTo5: Int64, beyond: Int64) {
        let first = minorUnits(usdCents: baseCents(price), currency: priceCurrency(price))
        return (first, max(1, first * 8 / 10))
    }

    /// Amount of `quantity` units of `price` in minor units.
    func amount(price: Int, quantity: Int64) -> Int64 {
        switch priceKind(price) {
        case .tiered:
            let tiers = tierAmounts(price)
            return min(quantity, 5) * tiers.upTo5 + max(quantity - 5, 0) * tiers.beyond
        case .metered:
            return Self.roundDiv(quantity * (unitAmountDecimalTenths(price) ?? 0), 10)
        default:
            return quantity * (unitAmount(price) ?? 0)
        }
    }

    // MARK: Objects

    public func product(_ index: Int) -> FixtureJSON {
        var r = rng(.products, index)
        let created = self.created(.products, index)
        let defaultPrice = priceIndex(kind: .monthly, variant: 0, currency: 0)
        let hasDefault = priceProduct(defaultPrice) == index
        return .object([
            ("id", .string(id(.products, index))),
            ("object", "product"),
            ("active", .bool(isProductActive(index))),
            ("created", .int(created)),
            ("default_price", hasDefault ? .string(id(.prices, defaultPrice)) : .null),
            ("description", index % 3 == 0 ? .string("\(productName(index)) for growing teams.\nBilled per seat.") : .null),
            ("images", .array([])),
            ("livemode", livemode),
            ("marketing_features", .array(index % 4 == 1 ? [.object([("name", "Unlimited projects")])] : [])),
            ("metadata", index % 2 == 0 ? metadata([("tier", ["basic", "plus", "max"][index % 3])]) : .object([])),
            ("name", .string(productName(index))),
            ("package_dimensions", .null),
            ("shippable", .null),
            ("statement_descriptor", .null),
            ("tax_code", r.chance(50) ? "txcd_10103001" : .null),
            ("type", "service"),
            ("unit_label", index % 5 == 2 ? "seat" : .null),
            ("updated", .int(created + Int64(r.below(86_400 * 30)))),
            ("url", .null)
        ])
    }

    /// A tiered price's tiers as Stripe renders them (graduated: units 1-5, then the rest).
    func tiers(_ index: Int) -> FixtureJSON {
        let amounts = tierAmounts(index)
        func tier(_ unit: Int64, upTo: Int64?) -> FixtureJSON {
            .object([
                ("flat_amount", .null), ("flat_amount_decimal", .null), ("unit_amount", .int(unit)),
                ("unit_amount_decimal", .string(String(unit))), ("up_to", upTo.map { .int($0) } ?? .null)
            ])
        }
        return .array([tier(amounts.upTo5, upTo: 5), tier(amounts.beyond, upTo: nil)])
    }

    /// Price N; `expandTiers` adds `tiers` to tiered prices (Stripe returns them only when expanded).
    public func price(_ index: Int, expandTiers: Bool = false) -> FixtureJSON {
        let kind = priceKind(index)
        let product = priceProduct(index)
        let recurring: FixtureJSON
        if let interval = kind.interval {
            recurring = .object([
                ("interval", .string(interval)),
                ("interval_count", .int(kind.intervalCount)),
                ("meter", kind == .metered ? .string("mtr_T" + Self.pad(product, 8)) : .null),
                ("trial_period_days", kind == .monthly && index % 3 == 0 ? 14 : .null),
                ("usage_type", kind == .metered ? "metered" : "licensed")
            ])
        } else {
            recurring = .null
        }
        let nickname: FixtureJSON
        switch kind {
        case .monthly: nickname = .string("\(productName(product)) monthly")
        case .yearly: nickname = .string("\(productName(product)) yearly")
        case .quarterly: nickname = "Quarterly"
        default: nickname = .null
        }
        return .object(
            [
                ("id", .string(id(.prices, index))),
                ("object", "price"),
                ("active", .bool(isPriceActive(index))),
                ("billing_scheme", kind == .tiered ? "tiered" : "per_unit"),
                ("created", .int(created(.prices, index))),
                ("currency", .string(currency(priceCurrency(index)))),
                ("custom_unit_amount", .null),
                ("livemode", livemode),
                ("lookup_key", index % 7 == 0 ? .string("lk_\(index)") : .null),
                ("metadata", .object([])),
                ("nickname", nickname),
                ("product", .string(id(.products, product))),
                ("recurring", recurring),
                ("tax_behavior", index % 4 == 0 ? "exclusive" : "unspecified"),
                ("tiers_mode", kind == .tiered ? "graduated" : .null)
            ] + (expandTiers && kind == .tiered ? [("tiers", tiers(index))] : []) + [
                ("transform_quantity", .null),
                ("type", kind == .oneTime ? "one_time" : "recurring"),
                ("unit_amount", .optionalInt(unitAmount(index))),
                ("unit_amount_decimal", unitAmountDecimalTenths(index).map { .string(Self.decimalString(tenths: $0)) } ?? .null)
            ])
    }

    /// Coupons alternate percent_off / amount_off; durations cycle once, repeating (3 months), forever.
    /// Amount-off coupon 2k+1 is in currency k, so every currency has one.
    public func couponDuration(_ index: Int) -> String { ["once", "repeating", "forever"][index % 3] }
    func couponIsPercent(_ index: Int) -> Bool { index % 2 == 0 }
    /// Percent off in basis points (1250 = 12.5 %).
    func couponPercentBP(_ index: Int) -> Int64 { [2_500, 1_000, 1_250, 5_000, 2_000, 1_500][(index / 2) % 6] }
    func couponCurrency(_ index: Int) -> Int { (index / 2) % currencyCount }
    func couponAmountOff(_ index: Int) -> Int64 { minorUnits(usdCents: [500, 1_000, 2_000][index % 3], currency: couponCurrency(index)) }

    public func coupon(_ index: Int) -> FixtureJSON {
        let percent = couponIsPercent(index)
        let bp = couponPercentBP(index)
        let percentLiteral: FixtureJSON = bp % 100 == 0 ? .int(bp / 100) : .number(Self.decimalString(tenths: bp / 10))
        let duration = couponDuration(index)
        var r = rng(.coupons, index)
        return .object([
            ("id", .string(id(.coupons, index))),
            ("object", "coupon"),
            ("amount_off", percent ? .null : .int(couponAmountOff(index))),
            ("created", .int(created(.coupons, index))),
            ("currency", percent ? .null : .string(currency(couponCurrency(index)))),
            ("duration", .string(duration)),
            ("duration_in_months", duration == "repeating" ? 3 : .null),
            ("livemode", livemode),
            ("max_redemptions", index % 4 == 3 ? 100 : .null),
            ("metadata", .object([])),
            ("name", percent ? .string("\(Self.decimalString(tenths: bp / 10))% off") : .string("Welcome credit")),
            ("percent_off", percent ? percentLiteral : .null),
            ("redeem_by", index % 5 == 4 ? .int(config.endTime - 86_400 * 100) : .null),
            ("times_redeemed", .int(r.below(50))),
            ("valid", .bool(index % 5 != 4))
        ])
    }

    /// Tax: 20 % exclusive for eur and gbp, 10 % inclusive for jpy, 8.75 % exclusive otherwise (bp).
    func taxRate(currency index: Int) -> (bp: Int64, inclusive: Bool) {
        switch currency(index) {
        case "eur", "gbp": return (2_000, false)
        case "jpy": return (1_000, true)
        default: return (875, false)
        }
    }

    func taxRateID(currency index: Int) -> String { "txr_T" + Self.pad(index, 8) }
}
