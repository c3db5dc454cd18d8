extension AccountGenerator {
    static let firstNames = ["Ada", "Grace", "Linus", "Zoë", "José", "Amélie", "Hiro", "Min-jun", "Fatima", "Olu", "Søren", "Priya"]
    static let lastNames = [
        "Lovelace", "Hopper", "Torvalds", "O'Brien", "García", "Dubois", "Tanaka", "Kim", "Al-Khalifa", "Okafor", "Kierkegaard", "Patel"
    ]

    /// (country, city, postal code, line1) for a currency.
    private func place(currency index: Int) -> (String, String, String, String) {
        switch currency(index) {
        case "eur": return ("DE", "Berlin", "10115", "Invalidenstraße 1")
        case "gbp": return ("GB", "London", "EC1A 1BB", "1 St Martin's Le Grand")
        case "jpy": return ("JP", "Tokyo", "100-0001", "1-1 Chiyoda")
        case "krw": return ("KR", "Seoul", "04524", "110 Sejong-daero")
        case "bhd": return ("BH", "Manama", "317", "Building 1, Road 383")
        default: return ("US", "San Francisco", "94103", "354 Oyster Point Blvd")
        }
    }

    private func address(currency: Int, variant: Int) -> FixtureJSON {
        let (country, city, postal, line1) = place(currency: currency)
        return .object([
            ("city", .string(city)),
            ("country", .string(country)),
            ("line1", .string(line1)),
            ("line2", variant % 2 == 0 ? .null : .string("Suite \(100 + variant % 900)")),
            ("postal_code", .string(postal)),
            ("state", country == "US" ? "CA" : .null)
        ])
    }

    public func customerName(_ index: Int) -> String {
        var r = rng(.customers, index, 2)
        return "\(r.pick(Self.firstNames)) \(r.pick(Self.lastNames))"
    }

    /// A customer object. Variants by index: every 10th (index 4 mod 10) has only a shipping address,
    /// every third has `metadata.user_id`, index 7 mod 50 is deleted (not listed).
    public func customer(_ index: Int) -> FixtureJSON {
        var r = rng(.customers, index)
        let c = currencyIndex(customer: index)
        let name = customerName(index)
        let emailLocal = name.lowercased().unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || $0 == " ") }
            .map { $0 == " " ? "." : String($0) }.joined()
        let shippingOnly = index % 10 == 4
        let noAddress = index % 10 == 9
        var meta: [(String, String)] = []
        if index % 3 == 1 { meta.append(("user_id", "u_\(index * 7 + 13)")) }
        if index % 8 == 2 { meta.append(("segment", r.pick(["smb", "mid-market", "enterprise"]))) }
        let shipping: FixtureJSON =
            (shippingOnly || index % 10 == 6)
            ? .object([
                ("address", address(currency: c, variant: index + 1)),
                ("name", .string(name)),
                ("phone", index % 4 == 0 ? "+15555550100" : .null)
            ]) : .null
        return .object([
            ("id", .string(id(.customers, index))),
            ("object", "customer"),
            ("address", shippingOnly || noAddress ? .null : address(currency: c, variant: index)),
            ("balance", .int(index % 17 == 3 ? -Int64(minorUnits(usdCents: 500, currency: c)) : 0)),
            ("created", .int(created(.customers, index))),
            ("currency", .string(currency(c))),
            ("default_source", .null),
            ("delinquent", .bool(index % 23 == 5)),
            ("description", index % 5 == 0 ? .string("Imported from \"legacy\" CRM \\ batch \(index % 4)") : .null),
            ("email", .string("\(emailLocal)+\(index)@example.com")),
            ("invoice_prefix", .string("T" + String(index, radix: 16, uppercase: true))),
            (
                "invoice_settings",
                .object([
                    ("custom_fields", .null),
                    ("default_payment_method", index % 2 == 0 ? .string("pm_T" + Self.pad(index, 8)) : .null),
                    ("footer", .null),
                    ("rendering_options", .null)
                ])
            ),
            ("livemode", livemode),
            ("metadata", metadata(meta)),
            ("name", .string(name)),
            ("next_invoice_sequence", .int(1 + r.below(30))),
            ("phone", index % 4 == 1 ? "+4915123456789" : .null),
            ("preferred_locales", .array(index % 6 == 0 ? ["en"] : [])),
            ("shipping", shipping),
            ("tax_exempt", index % 29 == 11 ? "exempt" : "none"),
            ("test_clock", .null)
        ])
    }
}
