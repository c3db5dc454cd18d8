import Core
import JSON
import ModuleErrors
import Zstd

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the streams that feed lookups rather than tables: products (names), coupons (durations,
/// amounts) and events (deleted customers).
enum CatalogLoader {
    struct Counts {
        var objects = 0
        var malformed = 0
    }

    /// Records an unusable line: its 1-based line number, its id when readable, and why.
    typealias Reject = (Int, String?, RowReject) throws -> Void

    static func loadProducts(path: String, into catalog: TransformCatalog, bytes: inout Int, reject: Reject) throws -> Counts {
        try scan(path: path, bytes: &bytes, reject: reject) { document, root, _ in
            guard let idValue = try document.member(root, "id"), let id = try document.string(idValue) else { return false }
            if let name = try document.member(root, "name"), name.kind == .string {
                catalog.productNames[id] = document.bytes(name).array
            }
            return true
        }
    }

    static func loadCoupons(path: String, into catalog: TransformCatalog, bytes: inout Int, reject: Reject) throws -> Counts {
        try scan(path: path, bytes: &bytes, reject: reject) { document, root, _ in
            guard let idValue = try document.member(root, "id"), let id = try document.string(idValue) else { return false }
            let duration = try document.member(root, "duration").flatMap { try document.string($0) }
            let percent = try document.member(root, "percent_off").flatMap {
                $0.kind == .number ? ExactMath.parse(document.bytes($0)) : nil
            }
            let amount = try document.member(root, "amount_off").flatMap { try document.int64($0) }
            let currency = try document.member(root, "currency").flatMap { try document.string($0) }
            catalog.coupons[id] = TransformCatalog.Coupon(
                id: id, duration: duration, percentOff: percent, amountOff: amount, currency: currency?.lowercased())
            return true
        }
    }

    /// Remembers the tiers of every tiered price of the prices stream (expanded by the extract). Lines
    /// it cannot use are skipped, not rejected: the prices table maps (and rejects) the same lines.
    static func loadPriceTiers(path: String, into catalog: TransformCatalog) throws {
        try forEachObject(in: path, containing: #""tiers":["#) { document, root in
            guard let id = try? document.member(root, "id").flatMap({ try document.string($0) }),
                let tiersValue = try? document.member(root, "tiers"), tiersValue.kind == .array,
                let tiers = try? MRRCalculator.tiers(document, tiersValue), !tiers.isEmpty
            else { return }
            let volume = (try? document.member(root, "tiers_mode")).flatMap { $0 }.map { document.equals($0, "volume") } ?? false
            catalog.priceTiers[id] = (tiers, volume)
        }
    }

    /// Remembers the coupon behind every discount object on the invoices (expanded by the extract):
    /// a credit note resolves its lines' discounts through them, whatever the subscription's current
    /// discounts are (a repeating discount that ended is gone from the subscription). Lines it cannot
    /// use are skipped, not rejected: the invoice_lines table maps (and rejects) the same lines.
    static func loadInvoiceDiscounts(path: String, into catalog: TransformCatalog) throws {
        try forEachObject(in: path, containing: #""discounts":[{"#) { document, root in
            guard let list = try? document.member(root, "discounts"), list.kind == .array else { return }
            try? document.forEachElement(list) { element in
                guard element.kind == .object, let id = try document.member(element, "id").flatMap({ try document.string($0) }) else {
                    return
                }
                var couponValue = try document.member(element, "coupon")
                if couponValue == nil || couponValue?.kind == .null, let source = try document.member(element, "source"),
                    source.kind == .object
                {
                    couponValue = try document.member(source, "coupon")
                }
                guard let c = couponValue else { return }
                if c.kind == .object, let coupon = try coupon(document, c) {
                    catalog.discountCoupons[id] = coupon
                } else if c.kind == .string, let couponId = try document.string(c), let coupon = catalog.coupons[couponId] {
                    catalog.discountCoupons[id] = coupon
                }
            }
        }
    }

    /// Calls `body` with each line of `path` that contains `needle` and parses as a JSON object; other
    /// lines are skipped (the stream's own table maps and rejects them). The needle spares parsing
    /// the lines that cannot matter.
    private static func forEachObject(
        in path: String, containing needle: String,
        _ body: (JSONDocument, JSONValue) throws -> Void
    ) throws {
        let reader = try ZstdLineReader(path: path)
        let needle = Array(needle.utf8)
        while let line = try reader.nextLine() {
            guard line.count > needle.count, contains(line, needle) else { continue }
            let document = JSONDocument(line)
            guard let root = try? document.root(validating: true), root.kind == .object else { continue }
            try body(document, root)
        }
    }

    /// A coupon object's fields (a coupons-stream line, or a coupon expanded inline in a discount).
    static func coupon(_ document: JSONDocument, _ object: JSONValue) throws -> TransformCatalog.Coupon? {
        guard let idValue = try document.member(object, "id"), let id = try document.string(idValue) else { return nil }
        let duration = try document.member(object, "duration").flatMap { try document.string($0) }
        let percent = try document.member(object, "percent_off").flatMap { $0.kind == .number ? ExactMath.parse(document.bytes($0)) : nil }
        let amount = try document.member(object, "amount_off").flatMap { try document.int64($0) }
        let currency = try document.member(object, "currency").flatMap { try document.string($0) }
        return TransformCatalog.Coupon(id: id, duration: duration, percentOff: percent, amountOff: amount, currency: currency?.lowercased())
    }

    private static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
        guard let base = haystack.baseAddress, haystack.count >= needle.count else { return false }
        // memchr for the needle's '[' (rarer in JSON than quotes), memcmp around it (memmem is not in
        // Swift's Glibc).
        let k = needle.firstIndex(of: UInt8(ascii: "[")) ?? 0
        return needle.withUnsafeBytes { n in
            var start = base + k
            let end = base + (haystack.count - needle.count + k + 1)
            while start < end, let hit = memchr(start, Int32(needle[k]), end - start) {
                if memcmp(UnsafeRawPointer(hit) - k, n.baseAddress!, needle.count) == 0 { return true }
                start = UnsafeRawPointer(hit) + 1
            }
            return false
        }
    }

    /// Remembers the customer of every `customer.deleted` event (the first event per customer wins;
    /// events are newest first).
    static func loadDeletedCustomers(path: String, into catalog: TransformCatalog, bytes: inout Int, reject: Reject) throws -> Counts {
        try scan(path: path, bytes: &bytes, reject: reject) { document, root, line in
            guard let type = try document.member(root, "type") else { return false }
            guard document.equals(type, "customer.deleted") else { return true }
            guard let data = try document.member(root, "data"), data.kind == .object,
                let object = try document.member(data, "object"), object.kind == .object,
                let idValue = try document.member(object, "id"), let id = try document.string(idValue)
            else { return false }
            if catalog.deletedCustomers[id] == nil {
                var compact: [UInt8] = []
                try document.compact(object, into: &compact)
                catalog.deletedCustomers[id] = (line, compact)
                catalog.deletedCustomerOrder.append(id)
            }
            return true
        }
    }

    /// Calls `body` per valid line (the whole line is validated: grammar and duplicate keys); it
    /// returns false for an object it cannot use. Both kinds of unusable line are counted and rejected.
    private static func scan(
        path: String, bytes: inout Int, reject: Reject,
        _ body: (JSONDocument, JSONValue, Int) throws -> Bool
    ) throws -> Counts {
        var counts = Counts()
        let reader = try ZstdLineReader(path: path)
        while let line = try reader.nextLine() {
            bytes += line.count + 1
            if line.isEmpty { continue }
            counts.objects += 1
            let document = JSONDocument(line)
            var id: String?
            do {
                let root = try document.root()
                try document.requireUniqueKeys(root)
                guard root.kind == .object else {
                    counts.malformed += 1
                    try reject(reader.lineNumber, nil, RowReject(.malformedJSON, "the line is a JSON \(root.kind), not an object"))
                    continue
                }
                if let v = try document.member(root, "id"), v.kind == .string { id = try document.string(v) }
                if try !body(document, root, reader.lineNumber) {
                    counts.malformed += 1
                    try reject(
                        reader.lineNumber, id,
                        RowReject(
                            .missingField,
                            "the object lacks a field the lookup needs (a string id; for a customer.deleted event, data.object.id)"))
                }
            } catch let error as JSONError {
                counts.malformed += 1
                try reject(
                    reader.lineNumber, id,
                    RowReject(
                        error.code == .typeMismatch || error.code == .numberOutOfRange ? .typeMismatch : .malformedJSON,
                        "not valid JSON: \(error)"))
            }
        }
        return counts
    }
}
