import Benchmark
import JSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Throughput of the byte-level JSON scanner on synthetic Stripe-invoice-like NDJSON (~6 KB per
/// invoice): validating, skipping, and reading the fields a transform mapping reads (~35 per invoice,
/// ~15 per invoice line, ~9 per price) by each of the scanner's three paths.
///
/// Besides wall time per pass, each benchmark reports `MB per CPU-s`: the input megabytes over
/// the thread's CPU time, which other processes on a shared machine do not distort.
let benchmarks: @Sendable () -> Void = {
    let ndjson = SyntheticInvoices.ndjson(megabytes: 16)
    let lines = SyntheticInvoices.lineRanges(ndjson)
    let megabytes = Double(ndjson.count) / 1e6
    let expected = try? SyntheticInvoices.extract(ndjson, lines, mode: .indexed)
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal, .custom("MB per CPU-s", polarity: .prefersLarger, useScalingFactor: false)],
        warmupIterations: 1, maxDuration: .seconds(5), maxIterations: 20)

    /// Runs `pass` once per iteration over the whole input and records its MB per CPU-second.
    func measured(_ name: String, _ pass: @escaping @Sendable () throws -> Int64) {
        Benchmark(name, configuration: configuration) { benchmark in
            let before = threadCPUSeconds()
            benchmark.startMeasurement()
            let sum = try pass()
            benchmark.stopMeasurement()
            let seconds = threadCPUSeconds() - before
            blackHole(sum)
            benchmark.measurement(
                .custom("MB per CPU-s", polarity: .prefersLarger, useScalingFactor: false),
                Int((megabytes / max(seconds, 1e-9)).rounded()))
            if sum != 0, sum != expected {
                benchmark.error("\(name): checksum \(sum) differs from the indexed extraction's \(String(describing: expected))")
            }
        }
    }

    measured("JSON validate") {
        try ndjson.withUnsafeBytes { all in
            for range in lines { _ = try JSONDocument(UnsafeRawBufferPointer(rebasing: all[range])).root() }
        }
        return 0
    }
    measured("JSON skip (unvalidated line extents)") {
        try ndjson.withUnsafeBytes { all in
            for range in lines { _ = try JSONDocument(UnsafeRawBufferPointer(rebasing: all[range])).root(validating: false) }
        }
        return 0
    }
    measured("JSON parse and extract (indexed, the transform's path)") { try SyntheticInvoices.extract(ndjson, lines, mode: .indexed) }
    measured("JSON validate and extract (unindexed)") { try SyntheticInvoices.extract(ndjson, lines, mode: .validated) }
    measured("JSON fast extract (unvalidated)") { try SyntheticInvoices.extract(ndjson, lines, mode: .unvalidated) }
}

/// CPU time of the calling thread.
private func threadCPUSeconds() -> Double {
    var ts = timespec()
    if clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0 {
        _ = clock_gettime(CLOCK_MONOTONIC, &ts)
    }
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Deterministic invoice-like NDJSON and the field extraction a mapping does on it.
enum SyntheticInvoices {
    enum Mode { case indexed, validated, unvalidated }

    static func ndjson(megabytes: Int) -> [UInt8] { syntheticInvoices(megabytes: megabytes) }

    static func lineRanges(_ ndjson: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        for i in ndjson.indices where ndjson[i] == UInt8(ascii: "\n") {
            if i > start { ranges.append(start..<i) }
            start = i + 1
        }
        if start < ndjson.count { ranges.append(start..<ndjson.count) }
        return ranges
    }

    /// Reads the mapped fields of every line; returns a checksum over the values read (equal for
    /// every mode, or a path reads something else).
    static func extract(_ ndjson: [UInt8], _ lineRanges: [Range<Int>], mode: Mode) throws -> Int64 {
        let invoiceKeys = JSONKeySet(invoiceFields)
        let lineKeys = JSONKeySet(lineFields)
        let priceKeys = JSONKeySet(priceFields)
        var invoiceValues: [JSONValue?] = []
        var lineValues: [JSONValue?] = []
        var priceValues: [JSONValue?] = []
        var parser = JSONParser()
        return try ndjson.withUnsafeBytes { all in
            var sum: Int64 = 0
            // A document lives only as long as its text's bytes: each is walked inside its scope.
            func walk(_ doc: JSONDocument, _ root: JSONValue) throws {
                try doc.members(root, invoiceKeys, into: &invoiceValues)
                sum &+= try fold(doc, invoiceValues)
                guard let lines = invoiceValues[lineListIndex], let data = try doc.member(lines, "data") else { return }
                try doc.forEachElement(data) { line in
                    try doc.members(line, lineKeys, into: &lineValues)
                    sum &+= try fold(doc, lineValues)
                    if let price = lineValues[linePriceIndex] {
                        try doc.members(price, priceKeys, into: &priceValues)
                        sum &+= try fold(doc, priceValues)
                    }
                }
            }
            for range in lineRanges {
                let text = UnsafeRawBufferPointer(rebasing: all[range])
                switch mode {
                case .indexed: try parser.parse(text) { doc, root in try walk(doc, root) }
                case .validated:
                    let doc = JSONDocument(text)
                    try walk(doc, try doc.root())
                case .unvalidated:
                    let doc = JSONDocument(text)
                    try walk(doc, try doc.root(validating: false))
                }
            }
            return sum
        }
    }

    /// Reads every found value the way a mapping would: integers, booleans, string bytes.
    private static func fold(_ doc: JSONDocument, _ values: [JSONValue?]) throws -> Int64 {
        var sum: Int64 = 0
        for case let value? in values {
            switch value.kind {
            case .number: sum &+= try doc.int64(value) ?? 0
            case .bool: sum &+= (try doc.bool(value) ?? false) ? 1 : 0
            case .string: sum &+= Int64(doc.stringBytes(value).count)
            case .null: sum &+= 7
            case .object, .array: sum &+= Int64(value.count & 0xFF)
            }
        }
        return sum
    }

    static let invoiceFields = [
        "id", "object", "account_country", "amount_due", "amount_paid", "amount_remaining", "attempt_count",
        "attempted", "billing_reason", "collection_method", "created", "currency", "customer", "customer_email",
        "customer_name", "description", "discount", "due_date", "ending_balance", "hosted_invoice_url", "lines",
        "livemode", "metadata", "number", "paid", "period_end", "period_start", "starting_balance", "status",
        "subscription", "subtotal", "tax", "total", "total_excluding_tax", "status_transitions"
    ]
    static let lineListIndex = 20
    static let lineFields = [
        "id", "object", "amount", "amount_excluding_tax", "currency", "description", "discountable", "livemode",
        "period", "price", "proration", "quantity", "subscription", "subscription_item", "type"
    ]
    static let linePriceIndex = 9
    static let priceFields = [
        "id", "active", "billing_scheme", "created", "currency", "product", "type", "unit_amount", "unit_amount_decimal"
    ]

    /// Deterministic invoice-like NDJSON of about `megabytes` MB (~6 KB per invoice).
    static func syntheticInvoices(megabytes: Int) -> [UInt8] {
        var w = JSONWriter(capacity: megabytes * 1_000_000 + 16_384)
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int64 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int64(truncatingIfNeeded: seed >> 33)
        }
        var n = 0
        while w.bytes.count < megabytes * 1_000_000 {
            n += 1
            let created = 1_700_000_000 + next() % 30_000_000
            w.beginObject()
            w.key("id"); w.string("in_1P\(n)xYzAbCdEfGhIjK")
            w.key("object"); w.string("invoice")
            w.key("account_country"); w.string("DE")
            w.key("account_name"); w.string("Example GmbH")
            w.key("account_tax_ids"); w.null()
            w.key("amount_due"); w.int64(next() % 100_000)
            w.key("amount_paid"); w.int64(next() % 100_000)
            w.key("amount_remaining"); w.int64(0)
            w.key("amount_shipping"); w.int64(0)
            w.key("application"); w.null()
            w.key("application_fee_amount"); w.null()
            w.key("attempt_count"); w.int64(1)
            w.key("attempted"); w.bool(true)
            w.key("auto_advance"); w.bool(false)
            w.key("automatic_tax"); w.beginObject(); w.key("enabled"); w.bool(false); w.key("liability"); w.null()
            w.key("status"); w.null(); w.endObject()
            w.key("billing_reason"); w.string("subscription_cycle")
            w.key("charge"); w.string("ch_3P\(n)AbCdEfGhIjKlMn")
            w.key("collection_method"); w.string("charge_automatically")
            w.key("created"); w.int64(created)
            w.key("currency"); w.string(n % 7 == 0 ? "jpy" : "eur")
            w.key("custom_fields"); w.null()
            w.key("customer"); w.string("cus_Q\(n % 5000)AbCdEfGh")
            w.key("customer_address"); w.beginObject()
            for (k, v) in [
                ("city", "Berlin"), ("country", "DE"), ("line1", "Stra\u{DF}e 1"), ("line2", ""),
                ("postal_code", "10115"), ("state", "")
            ] {
                w.key(k); w.string(v)
            }
            w.endObject()
            w.key("customer_email"); w.string("customer\(n % 5000)@example.com")
            w.key("customer_name"); w.string("Jos\u{E9} \"Pepe\" M\u{FC}ller")
            w.key("customer_phone"); w.null()
            w.key("customer_shipping"); w.null()
            w.key("customer_tax_exempt"); w.string("none")
            w.key("customer_tax_ids"); w.beginArray(); w.endArray()
            w.key("default_payment_method"); w.null()
            w.key("default_source"); w.null()
            w.key("default_tax_rates"); w.beginArray(); w.endArray()
            w.key("description"); w.null()
            w.key("discount"); w.null()
            w.key("discounts"); w.beginArray(); w.endArray()
            w.key("due_date"); w.null()
            w.key("ending_balance"); w.int64(0)
            w.key("footer"); w.null()
            w.key("hosted_invoice_url");
            w.string("https://invoice.stripe.com/i/acct_1Nv0FGQ9RKHgCVdK/test_YWNjdF8xTnYwRkdROVJLSGdDVmRLLF9QRk\(n)")
            w.key("invoice_pdf");
            w.string("https://pay.stripe.com/invoice/acct_1Nv0FGQ9RKHgCVdK/test_YWNjdF8xTnYwRkdROVJLSGdDVmRLLF9Q\(n)/pdf?s=ap")
            w.key("lines"); w.beginObject()
            w.key("object"); w.string("list")
            w.key("data"); w.beginArray()
            let lineCount = 3 + Int(next() % 3)
            for l in 0..<lineCount {
                let amount = next() % 50_000
                w.beginObject()
                w.key("id"); w.string("il_1P\(n)L\(l)AbCdEfGhIj")
                w.key("object"); w.string("line_item")
                w.key("amount"); w.int64(amount)
                w.key("amount_excluding_tax"); w.int64(amount)
                w.key("currency"); w.string("eur")
                w.key("description"); w.string("1 \u{D7} Pro plan (at \u{20AC}12.00 / month)")
                w.key("discount_amounts"); w.beginArray(); w.endArray()
                w.key("discountable"); w.bool(true)
                w.key("discounts"); w.beginArray(); w.endArray()
                w.key("invoice"); w.string("in_1P\(n)xYzAbCdEfGhIjK")
                w.key("livemode"); w.bool(false)
                w.key("metadata"); w.beginObject(); w.endObject()
                w.key("period"); w.beginObject(); w.key("end"); w.int64(created + 2_592_000)
                w.key("start"); w.int64(created); w.endObject()
                w.key("plan"); w.beginObject()
                w.key("id"); w.string("price_1P\(l)AbCdEfGhIjKlMn")
                w.key("object"); w.string("plan")
                w.key("active"); w.bool(true)
                w.key("aggregate_usage"); w.null()
                w.key("amount"); w.int64(1200)
                w.key("amount_decimal"); w.string("1200")
                w.key("billing_scheme"); w.string("per_unit")
                w.key("created"); w.int64(1_690_000_000)
                w.key("currency"); w.string("eur")
                w.key("interval"); w.string("month")
                w.key("interval_count"); w.int64(1)
                w.key("livemode"); w.bool(false)
                w.key("metadata"); w.beginObject(); w.endObject()
                w.key("nickname"); w.null()
                w.key("product"); w.string("prod_P\(l)AbCdEfGhIj")
                w.key("tiers_mode"); w.null()
                w.key("transform_usage"); w.null()
                w.key("trial_period_days"); w.null()
                w.key("usage_type"); w.string("licensed")
                w.endObject()
                w.key("price"); w.beginObject()
                w.key("id"); w.string("price_1P\(l)AbCdEfGhIjKlMn")
                w.key("object"); w.string("price")
                w.key("active"); w.bool(true)
                w.key("billing_scheme"); w.string("per_unit")
                w.key("created"); w.int64(1_690_000_000)
                w.key("currency"); w.string("eur")
                w.key("custom_unit_amount"); w.null()
                w.key("livemode"); w.bool(false)
                w.key("lookup_key"); w.null()
                w.key("metadata"); w.beginObject(); w.key("tier"); w.string("pro"); w.endObject()
                w.key("nickname"); w.null()
                w.key("product"); w.string("prod_P\(l)AbCdEfGhIj")
                w.key("recurring"); w.beginObject()
                w.key("aggregate_usage"); w.null(); w.key("interval"); w.string("month")
                w.key("interval_count"); w.int64(1); w.key("trial_period_days"); w.null()
                w.key("usage_type"); w.string("licensed"); w.endObject()
                w.key("tax_behavior"); w.string("unspecified")
                w.key("tiers_mode"); w.null()
                w.key("transform_quantity"); w.null()
                w.key("type"); w.string("recurring")
                w.key("unit_amount"); w.int64(1200)
                w.key("unit_amount_decimal"); w.string("1200")
                w.endObject()
                w.key("proration"); w.bool(false)
                w.key("proration_details"); w.beginObject(); w.key("credited_items"); w.null(); w.endObject()
                w.key("quantity"); w.int64(1 + next() % 10)
                w.key("subscription"); w.string("sub_1P\(n)AbCdEfGhIj")
                w.key("subscription_item"); w.string("si_P\(n)L\(l)AbCdEf")
                w.key("tax_amounts"); w.beginArray(); w.endArray()
                w.key("tax_rates"); w.beginArray(); w.endArray()
                w.key("type"); w.string("subscription")
                w.key("unit_amount_excluding_tax"); w.string("1200")
                w.endObject()
            }
            w.endArray()
            w.key("has_more"); w.bool(false)
            w.key("total_count"); w.int64(Int64(lineCount))
            w.key("url"); w.string("/v1/invoices/in_1P\(n)xYzAbCdEfGhIjK/lines")
            w.endObject()
            w.key("livemode"); w.bool(false)
            w.key("metadata"); w.beginObject(); w.key("order"); w.string("\(n)"); w.endObject()
            w.key("next_payment_attempt"); w.null()
            w.key("number"); w.string("ABCD1234-\(n)")
            w.key("on_behalf_of"); w.null()
            w.key("paid"); w.bool(true)
            w.key("paid_out_of_band"); w.bool(false)
            w.key("payment_intent"); w.string("pi_3P\(n)AbCdEfGhIjKlMn")
            w.key("period_end"); w.int64(created)
            w.key("period_start"); w.int64(created - 2_592_000)
            w.key("post_payment_credit_notes_amount"); w.int64(0)
            w.key("pre_payment_credit_notes_amount"); w.int64(0)
            w.key("receipt_number"); w.null()
            w.key("starting_balance"); w.int64(0)
            w.key("statement_descriptor"); w.null()
            w.key("status"); w.string("paid")
            w.key("status_transitions"); w.beginObject()
            w.key("finalized_at"); w.int64(created); w.key("marked_uncollectible_at"); w.null()
            w.key("paid_at"); w.int64(created + 60); w.key("voided_at"); w.null(); w.endObject()
            w.key("subscription"); w.string("sub_1P\(n)AbCdEfGhIj")
            w.key("subtotal"); w.int64(next() % 100_000)
            w.key("tax"); w.null()
            w.key("total"); w.int64(next() % 100_000)
            w.key("total_discount_amounts"); w.beginArray(); w.endArray()
            w.key("total_excluding_tax"); w.int64(next() % 100_000)
            w.key("total_tax_amounts"); w.beginArray(); w.endArray()
            w.key("webhooks_delivered_at"); w.int64(created)
            w.endObject()
            w.newline()
        }
        return w.bytes
    }
}
