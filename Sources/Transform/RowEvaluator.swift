import Core
import JSON
import ModuleErrors
import Rates

/// Maps source objects of one table into staging rows: extracts the plan's paths in one walk per
/// object (and per unit), evaluates each column in schema order, encodes accepted rows into `out`
/// and records rejected units. One evaluator per table and thread; it reuses all of its buffers.
///
/// The document being mapped is a parameter of every call (`in document:`), never a property:
/// `JSONDocument` is `~Escapable`, so it cannot outlive the line it views.
final class RowEvaluator {
    struct CurrencyInfo {
        let code: String
        let exponent: Int
        let serial: Int
    }

    struct FXRate {
        let sourcePerEUR: ExactDecimal
        let reportingPerEUR: ExactDecimal
        let rate: ExactDecimal
        let rateDay: Int
        /// 64-bit fast path of `convert`: reporting-per-EUR units, source-per-EUR units (> 0) and
        /// source scale - reporting scale; `fast` false when they do not fit.
        var multiplier: Int64 = 0
        var divisor: Int64 = 1
        var baseShift = 0
        var fast = false

        init(sourcePerEUR: ExactDecimal, reportingPerEUR: ExactDecimal, rate: ExactDecimal, rateDay: Int) {
            self.sourcePerEUR = sourcePerEUR
            self.reportingPerEUR = reportingPerEUR
            self.rate = rate
            self.rateDay = rateDay
            if let m = Int64(exactly: reportingPerEUR.units), let d = Int64(exactly: sourcePerEUR.units), d > 0 {
                multiplier = m
                divisor = d
                baseShift = sourcePerEUR.scale - reportingPerEUR.scale
                fast = true
            }
        }
    }

    /// Whether a row's conversion was done: a missing or stale rate keeps the row with null
    /// reporting columns (rejects are for records that cannot be mapped, not for missing reference data).
    enum FXOutcome: Int, CaseIterable {
        case converted, staleRate, noRate

        var text: String {
            switch self {
            case .converted: "converted"
            case .staleRate: "stale_rate"
            case .noRate: "no_rate"
            }
        }
    }

    struct Rejected {
        let objectId: String?
        let unitId: String?
        let reject: RowReject
    }

    // What it maps with.
    let plan: TablePlan
    let catalog: TransformCatalog
    let settings: MappingSettings
    let rates: RatesTable
    /// Validate each whole line (full JSON grammar) before mapping it.
    let validateInput: Bool
    /// Set by the stage before mapping a customer known to be deleted.
    var forceDeleted = false
    /// Set by the stage when it needs `mapped.objectId`.
    var recordsObjectIds = false

    // Made once per table (see RowEvaluator+State.swift).
    let layout: Layout
    let slots: Slots
    /// One-scan extraction for plain (one-phase) tables on trusted input; nil otherwise.
    private let singlePass: SinglePassExtractor?

    // Per document and row.
    let mapped = Mapped()
    /// The current unit's slots: `slots.unit`, or a row of the single-pass extractor.
    private(set) var unitSlots: UnsafeMutablePointer<JSONValue?>
    var twoPhase = TwoPhase()
    var scratch = ByteBuffer(capacity: 4096)
    private var jsonTemp: [UInt8] = []
    /// Encoded rows (NDJSON) waiting to be written.
    var out = ByteBuffer(capacity: 1 << 18)

    // Across documents: lookups and sums.
    let currencies = Currencies()
    let fx = FX()
    private(set) var amounts = AmountSums()

    init(plan: TablePlan, catalog: TransformCatalog, settings: MappingSettings, rates: RatesTable, validateInput: Bool = true) {
        self.plan = plan
        self.catalog = catalog
        self.settings = settings
        self.rates = rates
        self.validateInput = validateInput
        layout = Layout(plan: plan)
        slots = Slots(plan: plan)
        unitSlots = slots.unit
        singlePass = !validateInput && plan.mrrColumn == nil ? SinglePassExtractor(plan: plan) : nil
    }

    /// Whether documents map independently of each other (no lookups filled while mapping, no
    /// two-phase items), so batches of lines may be mapped by several evaluators at once.
    var isDocumentIndependent: Bool {
        if plan.mrrColumn != nil { return false }
        for d in layout.program.derivations {
            if case .discounts = d { return false }
        }
        return true
    }

    // MARK: Objects

    /// Maps one raw NDJSON line. Afterwards `mapped` describes it (`unitsIn`, `rowsOut`, `rejected`):
    /// either every unit became a row, or none did and each unit has a reject entry. `override` rejects the
    /// whole document with that reason (e.g. an older copy of a duplicated document).
    func map(line: UnsafeRawBufferPointer, override: RowReject? = nil) {
        let document = JSONDocument(line)
        defer { finishDocument(override: override, in: document) }
        if override == nil, let singlePass, mapSinglePass(document, singlePass) { return }
        startObject()
        unitSlots = slots.unit
        let root: JSONValue
        do {
            root = try document.root(validating: validateInput)
            if validateInput { try document.requireUniqueKeys(root) }
        } catch {
            mapped.unitsIn = 1
            mapped.unreadable = true
            mapped.rejected.append(Rejected(objectId: nil, unitId: nil, reject: RowReject(.malformedJSON, "not valid JSON: \(error)")))
            return
        }
        guard root.kind == .object else {
            mapped.unitsIn = 1
            mapped.unreadable = true
            mapped.rejected.append(
                Rejected(objectId: nil, unitId: nil, reject: RowReject(.malformedJSON, "the line is a JSON \(root.kind), not an object")))
            return
        }
        mapObject(root, in: document)
    }

    /// The one-scan path: false (nothing recorded) when the line needs the general path, i.e. it is
    /// not the plain shape the extractor takes or its parent object is rejected.
    private func mapSinglePass(_ document: JSONDocument, _ extractor: SinglePassExtractor) -> Bool {
        startObject()
        do {
            try extractor.extract(document, into: slots.object, slotCount: slots.objectCount)
        } catch {
            return false
        }
        if let live = slots.object[plan.livemodeSlot], live.kind == .bool,
            (document.bytes(live)[0] == UInt8(ascii: "t")) != settings.livemode
        {
            return false
        }
        if hasMore(in: document) { return false }
        guard let arraySlot = plan.unitArraySlot else {
            unitSlots = slots.unit
            mapped.unitsIn = 1
            mapRow(unitId: nil, in: document)
            return true
        }
        guard let array = slots.object[arraySlot], array.kind == .array else { return false }
        let width = extractor.unitSlotCount
        for u in 0..<extractor.unitCount {
            mapped.unitsIn += 1
            unitSlots = extractor.unitRows + u * width
            mapRow(unitId: nil, in: document)
        }
        unitSlots = slots.unit
        return true
    }

    /// Maps an object inside the current document (e.g. an event's `data.object`).
    func map(object: JSONValue, in document: JSONDocument) {
        startObject()
        unitSlots = slots.unit
        mapObject(object, in: document)
        finishDocument(override: nil, in: document)
    }

    private func startObject() {
        mapped.unitsIn = 0
        mapped.rowsOut = 0
        mapped.rejected.removeAll(keepingCapacity: true)
        scratch.removeAll()
        mapped.start = out.count
        // A document that fails before its slots are extracted must not see the previous one's.
        for i in 0..<slots.objectCount { slots.object[i] = nil }
        mapped.cause = nil
        mapped.unreadable = false
        mapped.pendingAmounts.removeAll(keepingCapacity: true)
        mapped.key = nil
        mapped.rowKeys.removeAll(keepingCapacity: true)
        mapped.objectId = nil
    }

    /// Notes the id of the row just written (primary key check).
    @inline(__always) private func noteRowKey(in document: JSONDocument) {
        guard layout.rowIdIsPrimaryKey, let slot = plan.unitIdSlot, let v = unitSlots[slot], v.kind == .string else { return }
        mapped.rowKeys.append(UniqueKeys.hash(document.stringBytes(v), seed: UniqueKeys.rowSeed))
    }

    /// Whether the object's unit list says `has_more: true` (raw holds its first page only).
    private func hasMore(in document: JSONDocument) -> Bool {
        guard let slot = plan.hasMoreSlot, let v = slots.object[slot], v.kind == .bool else { return false }
        return document.bytes(v)[0] == UInt8(ascii: "t")
    }

    /// The object's id as text (for rejects), if readable.
    func objectId(in document: JSONDocument) -> String? {
        guard let v = slots.object[plan.idSlot], v.kind == .string else { return nil }
        return try? document.string(v)
    }

    private func unitId(in document: JSONDocument) -> String? {
        guard let slot = plan.unitIdSlot, let v = unitSlots[slot], v.kind == .string else { return nil }
        return try? document.string(v)
    }

    private func mapObject(_ root: JSONValue, in document: JSONDocument) {
        for i in 0..<slots.objectCount { slots.object[i] = nil }
        do {
            try plan.objectTrie.extract(document, root, into: slots.object)
        } catch {
            mapped.unitsIn = 1
            mapped.unreadable = true
            mapped.rejected.append(Rejected(objectId: nil, unitId: nil, reject: RowReject(.malformedJSON, "not valid JSON: \(error)")))
            return
        }
        var parentReject: RowReject?
        if let live = slots.object[plan.livemodeSlot], live.kind == .bool {
            let isLive = document.bytes(live)[0] == UInt8(ascii: "t")
            if isLive != settings.livemode {
                parentReject = RowReject(
                    .livemodeMismatch,
                    "\(isLive ? "live" : "test")-mode object in a \(settings.livemode ? "live" : "test")-mode pipeline; extract with a \(settings.livemode ? "live" : "test") key or fix the pipeline's mode"
                )
            }
        }
        if hasMore(in: document), let unit = plan.unit {
            let list = unit.dropLast().joined(separator: ".")
            var total = ""
            if let slot = plan.totalCountSlot, let v = slots.object[slot], v.kind == .number,
                let n = try? document.int64(v)
            {
                total = " of \(n)"
            }
            mapped.cause = RowReject(
                .incompleteList,
                "\(list).has_more is true: the raw object holds only the first page of its \(list)\(total); its rows are not mapped partially. The extract completes child lists: re-extract the run"
            )
        }
        guard let arraySlot = plan.unitArraySlot else {
            mapped.unitsIn = 1
            if let parentReject {
                mapped.rejected.append(Rejected(objectId: objectId(in: document), unitId: nil, reject: parentReject))
                return
            }
            mapRow(unitId: nil, in: document)
            return
        }
        guard let array = slots.object[arraySlot], array.kind == .array else {
            mapped.unitsIn = 1
            let path = (plan.unit ?? []).joined(separator: ".")
            let found = slots.object[arraySlot].map { "a \($0.kind)" } ?? "nothing"
            mapped.rejected.append(
                Rejected(
                    objectId: objectId(in: document), unitId: nil,
                    reject: RowReject(.parentInvalid, "\(plan.schema.sourceStream) object has \(found) at \(path); its rows cannot be read")
                ))
            return
        }
        if plan.mrrColumn != nil {
            mapTwoPhase(array, parentReject: parentReject, in: document)
            return
        }
        do {
            try document.forEachElement(array) { element in
                mapped.unitsIn += 1
                for i in 0..<slots.unitCount { unitSlots[i] = nil }
                guard element.kind == .object else {
                    mapped.rejected.append(
                        Rejected(
                            objectId: objectId(in: document), unitId: nil,
                            reject: RowReject(
                                .malformedJSON, "a row of \((plan.unit ?? []).joined(separator: "."))[] is a \(element.kind), not an object"
                            )))
                    return
                }
                try plan.unitTrie.extract(document, element, into: unitSlots)
                if let parentReject {
                    recordAmount(evaluated: false, in: document)
                    mapped.rejected.append(Rejected(objectId: objectId(in: document), unitId: unitId(in: document), reject: parentReject))
                    return
                }
                mapRow(unitId: nil, in: document)
            }
        } catch {
            mapped.unitsIn += 1
            mapped.unreadable = true
            mapped.rejected.append(
                Rejected(objectId: objectId(in: document), unitId: nil, reject: RowReject(.malformedJSON, "not valid JSON: \(error)")))
        }
    }

    /// Evaluates every column of the current row and encodes it, or records the reject.
    private func mapRow(unitId: String?, in document: JSONDocument) {
        fx.ready = false
        do {
            try evaluate(0..<layout.columnCount, in: document)
        } catch {
            recordAmount(evaluated: false, in: document)
            mapped.rejected.append(
                Rejected(objectId: objectId(in: document), unitId: unitId ?? self.unitId(in: document), reject: asReject(error)))
            return
        }
        recordAmount(evaluated: true, in: document)
        do {
            try encodeRow(in: document)
            noteRowKey(in: document)
        } catch {
            mapped.rejected.append(
                Rejected(objectId: objectId(in: document), unitId: unitId ?? self.unitId(in: document), reject: asReject(error)))
        }
    }

    // MARK: Two-phase objects (MRR shares subscription-level discounts across items)

    private func mapTwoPhase(_ array: JSONValue, parentReject: RowReject?, in document: JSONDocument) {
        guard let mrr = plan.mrrColumn else { return }
        let unitSlotCount = slots.unitCount
        twoPhase.removeAll()
        var subscriptionCouponsKnown = true
        do {
            try document.forEachElement(array) { element in
                mapped.unitsIn += 1
                for i in 0..<unitSlotCount { unitSlots[i] = nil }
                twoPhase.appendItem()
                var ok = false
                if element.kind != .object {
                    mapped.rejected.append(
                        Rejected(
                            objectId: objectId(in: document), unitId: nil,
                            reject: RowReject(
                                .malformedJSON, "a row of \((plan.unit ?? []).joined(separator: "."))[] is a \(element.kind), not an object"
                            )))
                } else {
                    try plan.unitTrie.extract(document, element, into: unitSlots)
                    if let parentReject {
                        mapped.rejected.append(
                            Rejected(objectId: objectId(in: document), unitId: unitId(in: document), reject: parentReject))
                    } else {
                        fx.ready = false
                        do {
                            try evaluate(0..<mrr, in: document)
                            slots.values[mrr] = try deriveMRRPhaseOne(in: document)
                            ok = true
                        } catch {
                            mapped.rejected.append(
                                Rejected(objectId: objectId(in: document), unitId: unitId(in: document), reject: asReject(error)))
                        }
                    }
                }
                twoPhase.ok.append(ok)
                for i in 0..<unitSlotCount { twoPhase.slots.append(unitSlots[i]) }
                for i in 0...mrr { twoPhase.values.append(slots.values[i]) }
            }
        } catch {
            mapped.unitsIn += 1
            mapped.unreadable = true
            mapped.rejected.append(
                Rejected(objectId: objectId(in: document), unitId: nil, reject: RowReject(.malformedJSON, "not valid JSON: \(error)")))
            return
        }
        // Subscription-level discounts were resolved with the first item.
        for coupon in twoPhase.subscriptionCoupons where coupon == nil { subscriptionCouponsKnown = false }
        let finals = MRRCalculator.allocate(
            gross: twoPhase.gross, zero: twoPhase.zero, period: twoPhase.period, exponent: twoPhase.exponent, currency: twoPhase.currency,
            subscriptionDiscounts: subscriptionCouponsKnown ? twoPhase.subscriptionCoupons.compactMap { $0 } : nil,
            rule: settings.mrrRule, snapshot: settings.snapshotSeconds)
        for u in 0..<twoPhase.ok.count where twoPhase.ok[u] {
            for i in 0..<unitSlotCount { unitSlots[i] = twoPhase.slots[u * unitSlotCount + i] }
            for i in 0...mrr { slots.values[i] = twoPhase.values[u * (mrr + 1) + i] }
            slots.values[mrr] = finals[u].map { .decimal($0) } ?? .null
            twoPhase.currentStatus = finals[u] == nil ? .unknown : twoPhase.statuses[u]
            fx.ready = false
            do {
                try evaluate((mrr + 1)..<layout.columnCount, in: document)
                try encodeRow(in: document)
                noteRowKey(in: document)
            } catch {
                mapped.rejected.append(Rejected(objectId: objectId(in: document), unitId: unitId(in: document), reject: asReject(error)))
            }
        }
    }

    // MARK: Columns

    private func evaluate(_ range: Range<Int>, in document: JSONDocument) throws {
        for i in range {
            let value: Value
            do {
                value = try eval(layout.program.roots[i], in: document)
            } catch {
                let reject = asReject(error)
                let column = plan.columns[i]
                throw RowReject(reject.code, "column \(column.name) (\(column.source)): \(reject.message)")
            }
            if value.isNull && !layout.columnNullable[i] {
                let column = plan.columns[i]
                throw RowReject(.missingField, "missing required field \(column.source) (column \(column.name))")
            }
            slots.values[i] = value
        }
    }

    private func asReject(_ error: any Error) -> RowReject {
        if let r = error as? RowReject { return r }
        if let r = error as? RatesError {
            return RowReject(
                r.code == .unknownCurrency ? .unknownCurrency : (r.code == .amountOutOfRange ? .outOfRange : .missingRate), r.message)
        }
        if let j = error as? JSONError {
            return RowReject(j.code == .typeMismatch || j.code == .numberOutOfRange ? .typeMismatch : .malformedJSON, j.message)
        }
        return RowReject(.typeMismatch, "\(error)")
    }

    func eval(_ index: Int32, in document: JSONDocument) throws -> Value {
        let node = layout.program.nodes[Int(index)]
        switch node.op {
        case .objectSlot:
            if let v = slots.object[Int(node.index)], v.kind != .null { return .json(v) }
            return .null
        case .unitSlot:
            if let v = unitSlots[Int(node.index)], v.kind != .null { return .json(v) }
            return .null
        case .column: return slots.values[Int(node.index)]
        case .text: return .text(Int(node.index))
        case .bool: return .bool(node.int != 0)
        case .int: return .int(node.int)
        case .null: return .null
        case .coalesce:
            let parts = layout.program.arguments(of: index)
            for i in 0..<parts.count {
                let v = try eval(parts[i], in: document)
                if !v.isNull { return v }
            }
            return .null
        case .derive:
            return try derive(Int(node.index), layout.program.arguments(of: index), in: document)
        }
    }

    // MARK: Accessors

    func kindName(_ v: Value) -> String {
        switch v {
        case .null: return "null"
        case .json(let j): return "\(j.kind)"
        case .int: return "integer"
        case .decimal: return "decimal"
        case .bool: return "bool"
        case .text, .scratch: return "string"
        case .day: return "date"
        }
    }

    func intValue(_ v: Value, in document: JSONDocument) throws -> Int64? {
        switch v {
        case .null: return nil
        case .int(let i): return i
        case .json(let j) where j.kind == .number: return try document.int64(j)
        default: throw RowReject(.typeMismatch, "expected an integer, found \(kindName(v))")
        }
    }

    func boolValue(_ v: Value, in document: JSONDocument) throws -> Bool? {
        switch v {
        case .null: return nil
        case .bool(let b): return b
        case .json(let j) where j.kind == .bool: return document.bytes(j)[0] == UInt8(ascii: "t")
        default: throw RowReject(.typeMismatch, "expected true or false, found \(kindName(v))")
        }
    }

    func dayValue(_ v: Value, in document: JSONDocument) throws -> Int? {
        switch v {
        case .day(let d): return d
        default:
            guard let seconds = try intValue(v, in: document) else { return nil }
            return UTCDate.days(fromUnixSeconds: seconds)
        }
    }

    func decimalValue(_ v: Value, in document: JSONDocument) throws -> ExactDecimal? {
        switch v {
        case .null: return nil
        case .decimal(let d): return d
        case .int(let i): return ExactDecimal(units: Int128(i), scale: 0)
        case .json(let j) where j.kind == .number || j.kind == .string:
            let bytes = j.kind == .string ? document.stringBytes(j) : document.bytes(j)
            guard let d = ExactMath.parse(bytes) else {
                throw RowReject(.typeMismatch, "'\(bytes.text)' is not a plain decimal number")
            }
            return d
        default: throw RowReject(.typeMismatch, "expected a number, found \(kindName(v))")
        }
    }

    /// The length of the raw JSON string text (quotes included) of a string value; nil for others.
    func stringByteCount(_ v: Value) -> Int? {
        switch v {
        case .json(let j) where j.kind == .string: return j.count
        case .text(let i): return layout.textJSON(i).count
        case .scratch(let a, let b): return b - a
        default: return nil
        }
    }

    func stringValue(_ v: Value, in document: JSONDocument) throws -> String? {
        switch v {
        case .null: return nil
        case .json(let j) where j.kind == .string: return try document.string(j)
        case .text(let i): return plan.textStrings[i]
        default: throw RowReject(.typeMismatch, "expected a string, found \(kindName(v))")
        }
    }

    func currency(_ v: Value, in document: JSONDocument) throws -> CurrencyInfo? {
        switch v {
        case .null: return nil
        case .json(let j) where j.kind == .string: return try currency(code: document.stringBytes(j))
        case .text(let i): return try currency(code: plan.textStrings[i].utf8.span)
        default: throw RowReject(.typeMismatch, "currency: expected a string, found \(kindName(v))")
        }
    }

    /// The currency of the code `raw` (any case), cached by its bytes.
    private func currency(code raw: Span<UInt8>) throws -> CurrencyInfo {
        var key: UInt64 = 0
        if raw.count >= 1 && raw.count <= 7 {
            for i in raw.indices { key = key << 8 | UInt64(raw[i] | 0x20) }
            key |= UInt64(raw.count) << 56
            if key == currencies.lastKey, let last = currencies.last { return last }
            if let hit = currencies.cache[key] {
                currencies.lastKey = key
                currencies.last = hit
                return hit
            }
        }
        let code = raw.text.lowercased()
        guard let exponent = Currency.exponent(of: code) else {
            throw RowReject(
                .unknownCurrency,
                "unknown currency '\(code)': Core's currency table has no exponent for it; add it to Sources/Core/Currency.swift if Stripe supports it"
            )
        }
        let info = currencies.add(code: code, exponent: exponent)
        amounts.raw.append(0)
        amounts.staged.append(0)
        if key != 0 { currencies.cache[key] = info }
        return info
    }

    /// Notes the current unit's raw amount for the reconciliation (`evaluated`: the columns hold it).
    private func recordAmount(evaluated: Bool, in document: JSONDocument) {
        guard let a = plan.amountColumn, let c = plan.currencyColumn else { return }
        guard
            let amount = try? intValue(
                evaluated ? slots.values[a] : (try? eval(layout.program.roots[a], in: document)) ?? .null, in: document),
            let info = try? currency(
                evaluated ? slots.values[c] : (try? eval(layout.program.roots[c], in: document)) ?? .null, in: document)
        else { return }
        mapped.pendingAmounts.append((info.serial, amount))
    }

    // MARK: Whole documents

    /// Settles the document: its raw amounts always count on the raw side of the reconciliation and
    /// on the staged side only when its rows are written. A document of a table with a unit array
    /// (invoice lines, credit-note lines, subscription items) with any rejected unit, an incomplete
    /// list or an `override` is rejected whole: its rows leave `out` and every unit gets an entry.
    private func finishDocument(override: RowReject?, in document: JSONDocument) {
        let cause = override ?? mapped.cause
        if cause != nil || (plan.unit != nil && !mapped.rejected.isEmpty) {
            if mapped.rowsOut > 0 || cause != nil || mapped.unreadable { rejectWhole(cause, in: document) }
        }
        if mapped.rowsOut > 0, let v = slots.object[plan.idSlot], v.kind == .string {
            mapped.key = UniqueKeys.Key(id: document.stringBytes(v))
            mapped.hash = UniqueKeys.hash(document.span, seed: UniqueKeys.lineSeed)
        }
        if plan.amountColumn != nil && plan.currencyColumn != nil {
            for p in mapped.pendingAmounts {
                amounts.raw[p.serial] += Int128(p.amount)
                if mapped.rowsOut > 0 { amounts.staged[p.serial] += Int128(p.amount) }
            }
            amounts.unreadableRows += max(0, mapped.unitsIn - mapped.pendingAmounts.count)
        }
        if recordsObjectIds { mapped.objectId = objectId(in: document) }
    }

    /// Replaces the document's rows and rejects by one reject entry per raw unit. A readable document
    /// keeps its own unit rejects and names the other units by id; a damaged one (not readable to its
    /// end) counts its units structurally (`RawUnitCount`), independently of how far mapping got.
    private func rejectWhole(_ cause: RowReject?, in document: JSONDocument) {
        out.truncate(to: mapped.start)
        mapped.rowsOut = 0
        mapped.rowKeys.removeAll(keepingCapacity: true)
        // A document that failed before its slots were read is still named when its id is readable.
        let id = objectId(in: document) ?? UniqueKeys.documentId(document)
        let name = "\(plan.schema.sourceStream) object" + (id.map { " " + $0 } ?? "")
        guard let unit = plan.unit else {
            // One row per object: the object is its only unit.
            if let cause {
                mapped.rejected.removeAll(keepingCapacity: true)
                mapped.rejected.append(Rejected(objectId: id, unitId: nil, reject: cause))
            }
            mapped.unitsIn = 1
            return
        }
        if mapped.unreadable {
            let first = cause ?? mapped.rejected.first?.reject ?? RowReject(.malformedJSON, "not valid JSON")
            let total = max(1, RawUnitCount.count(document.span, unit: unit))
            mapped.rejected.removeAll(keepingCapacity: true)
            mapped.rejected.append(Rejected(objectId: id, unitId: nil, reject: first))
            let whole = RowReject(
                first.code,
                "\(name) is damaged, so all \(total) of its rows (counted in the raw bytes) are rejected with it: \(first.message)")
            for _ in 1..<total { mapped.rejected.append(Rejected(objectId: id, unitId: nil, reject: whole)) }
            mapped.unitsIn = total
            return
        }
        // Readable: own rejects stay (unless a document-level cause replaces them); the other units
        // are named by their ids from a fresh walk of the unit array.
        let primary = cause ?? mapped.rejected[0].reject
        let whole =
            cause
            ?? RowReject(
                primary.code, "\(name) is rejected whole (\(mapped.unitsIn) rows) because one of its rows was rejected: \(primary.message)")
        if cause != nil { mapped.rejected.removeAll(keepingCapacity: true) }
        var owned: [String: Int] = [:]
        var ownedWithoutId = 0
        for r in mapped.rejected { if let u = r.unitId { owned[u, default: 0] += 1 } else { ownedWithoutId += 1 } }
        var missing = mapped.unitsIn - mapped.rejected.count
        if missing > 0, let slot = plan.unitArraySlot, let array = slots.object[slot], array.kind == .array {
            try? document.forEachElement(array) { element in
                var unitId: String?
                if element.kind == .object, let v = try? document.member(element, "id"), v.kind == .string {
                    unitId = try? document.string(v)
                }
                if let unitId, let n = owned[unitId], n > 0 {
                    owned[unitId] = n - 1
                } else if unitId == nil, ownedWithoutId > 0 {
                    ownedWithoutId -= 1
                } else if missing > 0 {
                    mapped.rejected.append(Rejected(objectId: id, unitId: unitId, reject: whole))
                    missing -= 1
                }
            }
        }
        while missing > 0 {
            mapped.rejected.append(Rejected(objectId: id, unitId: nil, reject: whole))
            missing -= 1
        }
        mapped.unitsIn = mapped.rejected.count
    }

    // MARK: FX

    /// The row's rate, looked up once per row (cached per currency and day); nil when the row has no
    /// conversion, or its rate is missing or stale (then `fx.outcome` and `fx.failure` say why).
    func rowFX(in document: JSONDocument) throws -> (FXRate, Int)? {
        if fx.ready { return fx.outcome == .converted ? (fx.rate, fx.sourceExponent) : nil }
        guard layout.fxCurrencyNode >= 0 else { return nil }
        guard let info = try currency(try eval(layout.fxCurrencyNode, in: document), in: document) else {
            throw RowReject(.missingField, "fx: the row has no currency")
        }
        guard let day = try dayValue(try eval(layout.fxDateNode, in: document), in: document) else {
            throw RowReject(.missingField, "fx: the row has no date to convert at")
        }
        let key = day &* 4096 &+ info.serial
        if key == fx.lastKey {
            // Same currency and day as the previous row (every line of a document): `fx.rate` is it.
        } else if let hit = fx.cache[key] {
            fx.rate = hit
            fx.lastKey = key
        } else if let failure = fx.failures[key] {
            fx.ready = true
            (fx.outcome, fx.failure) = failure
            return nil
        } else {
            let conversion: Conversion
            do {
                conversion = try rates.convert(minorUnits: 0, currency: info.code, on: day, to: settings.reportingCurrency)
            } catch let error as RatesError where error.code == .missingRate || error.code == .staleRate {
                let failure = (error.code == .staleRate ? FXOutcome.staleRate : .noRate, error.message)
                fx.failures[key] = failure
                fx.ready = true
                (fx.outcome, fx.failure) = failure
                return nil
            }
            let rate = FXRate(
                sourcePerEUR: conversion.sourceRatePerEUR, reportingPerEUR: conversion.reportingRatePerEUR,
                rate: conversion.rate, rateDay: conversion.rateDay)
            fx.cache[key] = rate
            fx.rate = rate
            fx.lastKey = key
        }
        fx.sourceExponent = info.exponent
        fx.outcome = .converted
        fx.ready = true
        return (fx.rate, fx.sourceExponent)
    }

    /// `major` (source currency major units) in the reporting currency: major x reporting-per-EUR /
    /// source-per-EUR from the published rates, rounded once, half-even, to the reporting exponent.
    func convert(_ major: ExactDecimal, _ rate: FXRate) throws -> ExactDecimal {
        if rate.fast, let units = Int64(exactly: major.units),
            let q = ExactMath.scaledQuotient(
                units, rate.multiplier, rate.divisor, shift: rate.baseShift + settings.reportingExponent - major.scale)
        {
            return ExactDecimal(units: Int128(q), scale: settings.reportingExponent)
        }
        if let product = try? ExactMath.multiply(major, rate.reportingPerEUR),
            let result = try? ExactMath.divide(product, rate.sourcePerEUR, scale: settings.reportingExponent)
        {
            return result
        }
        // Beyond 128 bits (e.g. an MRR of 10^30): exact wide arithmetic, still rounded once.
        let exact = ExactFraction(major) * ExactFraction(rate.reportingPerEUR) / ExactFraction(rate.sourcePerEUR)
        guard let result = exact.rounded(scale: settings.reportingExponent) else { throw ExactMath.overflow() }
        return result
    }

    // MARK: Encoding

    private func encodeRow(in document: JSONDocument) throws {
        // The buffer moved to a local (a pointer and two counts) avoids an exclusivity check per append.
        var buffer = ByteBuffer.empty()
        swap(&buffer, &out)
        defer { swap(&buffer, &out) }
        let start = buffer.count
        do {
            for i in 0..<layout.columnCount {
                buffer.appendSmall(layout.keyBytes + layout.keyOffsets[i], layout.keyOffsets[i + 1] - layout.keyOffsets[i])
                do {
                    try encode(slots.values[i], as: layout.columnTypes[i], into: &buffer, in: document)
                } catch {
                    let reject = asReject(error)
                    let column = plan.columns[i]
                    throw RowReject(reject.code, "column \(column.name) (\(column.source)): \(reject.message)")
                }
            }
            buffer.append(UInt8(ascii: "}"))
            buffer.append(UInt8(ascii: "\n"))
            mapped.rowsOut += 1
            if fx.ready { fx.outcomeCounts[fx.outcome.rawValue] += 1 }
        } catch {
            buffer.truncate(to: start)
            throw error
        }
    }

    private func encode(_ v: Value, as type: ColumnType, into out: inout ByteBuffer, in document: JSONDocument) throws {
        if v.isNull { out.append("null"); return }
        switch type {
        case .string:
            switch v {
            case .json(let j) where j.kind == .string:
                if !validateInput { try document.validate(j) }
                out.append(document.bytes(j))
            case .text(let i): out.append(layout.textJSON(i))
            case .scratch(let a, let b): out.append(UnsafeRawBufferPointer(start: scratch.base + a, count: b - a))
            default: throw RowReject(.typeMismatch, "expected a string, found \(kindName(v))")
            }
        case .int64:
            out.appendInt(try intValue(v, in: document)!)
        case .bool:
            out.append(try boolValue(v, in: document)! ? "true" : "false")
        case .timestamp:
            guard case .day = v else {
                out.append(UInt8(ascii: "\""))
                out.appendTimestamp(unixSeconds: try intValue(v, in: document)!)
                out.append(UInt8(ascii: "\""))
                return
            }
            throw RowReject(.typeMismatch, "expected Unix seconds, found a date")
        case .date:
            out.append(UInt8(ascii: "\""))
            out.appendDay(try dayValue(v, in: document)!)
            out.append(UInt8(ascii: "\""))
        case .decimal(let precision, let scale):
            let d = try ExactMath.rescale(try decimalValue(v, in: document)!, to: scale)
            guard ExactMath.fits(d.units, digits: precision) else {
                throw RowReject(.outOfRange, "\(d) does not fit decimal(\(precision),\(scale))")
            }
            out.append(UInt8(ascii: "\""))
            out.appendDecimal(units: d.units, scale: scale)
            out.append(UInt8(ascii: "\""))
        case .json:
            switch v {
            case .json(let j):
                jsonTemp.removeAll(keepingCapacity: true)
                try document.compact(j, into: &jsonTemp)
                out.append(jsonTemp)
            case .scratch(let a, let b): out.append(UnsafeRawBufferPointer(start: scratch.base + a, count: b - a))
            case .text(let i): out.append(layout.textJSON(i))
            case .int(let i): out.appendInt(i)
            case .bool(let b): out.append(b ? "true" : "false")
            default: throw RowReject(.typeMismatch, "cannot write a \(kindName(v)) as JSON")
            }
        }
    }
}
