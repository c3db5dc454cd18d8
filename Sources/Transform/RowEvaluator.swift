import Core
import JSON
import ModuleErrors
import Rates

/// Maps source objects of one table into staging rows: extracts the plan's paths in one walk per
/// object (and per unit), evaluates each column in schema order, encodes accepted rows into `out`
/// and records rejected units. One evaluator per table and thread; it reuses all of its buffers.
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

    let plan: TablePlan
    let catalog: TransformCatalog
    let settings: MappingSettings
    let rates: RatesTable
    /// Validate each whole line (full JSON grammar) before mapping it.
    let validateInput: Bool

    private(set) var document = JSONDocument(UnsafeRawBufferPointer(start: nil, count: 0))
    let objectSlots: UnsafeMutablePointer<JSONValue?>
    /// The current unit's slots: `ownUnitSlots`, or a row of the single-pass extractor.
    private(set) var unitSlots: UnsafeMutablePointer<JSONValue?>
    private let ownUnitSlots: UnsafeMutablePointer<JSONValue?>
    /// One-scan extraction for plain (one-phase) tables on trusted input; nil otherwise.
    private let singlePass: SinglePassExtractor?
    let values: UnsafeMutablePointer<Value>
    let columnCount: Int
    let program: FlatProgram
    private let columnTypes: UnsafeMutablePointer<ColumnType>
    private let columnNullable: UnsafeMutablePointer<Bool>
    private let keyBytes: UnsafeMutablePointer<UInt8>
    private let keyOffsets: UnsafeMutablePointer<Int>
    private let textBytes: UnsafeMutablePointer<UInt8>
    private let textOffsets: UnsafeMutablePointer<Int>
    /// Node indexes of the fx_rate arguments (currency, date).
    private var fxCurrencyNode: Int32 = -1
    private var fxDateNode: Int32 = -1
    var scratch = ByteBuffer(capacity: 4096)
    /// Encoded rows (NDJSON) waiting to be written.
    var out = ByteBuffer(capacity: 1 << 18)
    private var jsonTemp: [UInt8] = []

    // Per object results.
    private(set) var unitsIn = 0
    private(set) var rowsOut = 0
    private(set) var rejected: [Rejected] = []
    /// Set by the stage before mapping a customer known to be deleted.
    var forceDeleted = false

    // Per document: a document is mapped whole or rejected whole (see `finishDocument`).
    /// Where the current document's rows start in `out`.
    private var documentStart = 0
    /// Why the whole document is rejected although it could be read (e.g. `has_more: true`).
    private var documentCause: RowReject?
    /// The document could not be read to its end: its rows are counted structurally.
    private var unreadable = false
    /// (currency serial, amount) of every unit of the document whose raw amount could be read.
    private var pendingAmounts: [(serial: Int, amount: Int64)] = []
    /// Units of the table whose raw amount could not be read (damaged documents): the raw side of
    /// the amount reconciliation is incomplete by these rows, and says so.
    private(set) var unreadableAmountRows = 0
    /// For the stage's key check, set when the document's rows are written: its id, a hash of its
    /// raw text and, when row ids are the primary key, their hashes in row order.
    private(set) var documentKey: UniqueKeys.Key?
    private(set) var documentHash: UInt64 = 0
    private(set) var rowKeys: [UInt64] = []
    private lazy var rowIdIsPrimaryKey = plan.rowIdIsPrimaryKey

    // Currency and rates caches.
    private var currencyCache: [UInt64: CurrencyInfo] = [:]
    /// The last currency looked up (rows of one document share it).
    private var lastCurrencyKey: UInt64 = 0
    private var lastCurrency: CurrencyInfo?
    private var lastFXKey = Int.min
    private(set) var currencies: [CurrencyInfo] = []
    private var fxCache: [Int: FXRate] = [:]
    private(set) var fxReady = false
    private var fx = FXRate(
        sourcePerEUR: ExactDecimal(units: 1, scale: 0), reportingPerEUR: ExactDecimal(units: 1, scale: 0),
        rate: ExactDecimal(units: 1, scale: 0), rateDay: 0)
    private var fxSourceExponent = 0
    /// The current row's conversion outcome (valid when `fxReady`) and, when not converted, why.
    private(set) var fxOutcome = FXOutcome.converted
    private(set) var fxFailure = ""
    private var fxFailures: [Int: (FXOutcome, String)] = [:]
    /// Rows written per FXOutcome (tables with a conversion only).
    private(set) var fxOutcomeCounts = [Int](repeating: 0, count: FXOutcome.allCases.count)

    // Quality: per currency serial, sums of the `amount` column in minor units.
    private(set) var rawAmountSums: [Int128] = []
    private(set) var stagedAmountSums: [Int128] = []

    // MRR (two-phase tables).
    private var unitIndex = 0
    private var storedValues: [Value] = []
    private var storedSlots: [JSONValue?] = []
    private var storedOK: [Bool] = []
    private var storedUnitIds: [String?] = []
    var mrrGross: [ExactFraction?] = []
    var mrrZero: [Bool] = []
    var mrrPeriod: [(Int128, Int128)?] = []
    var mrrExponent: [Int] = []
    var mrrCurrency: [String] = []
    var mrrStatuses: [MRRCalculator.Status] = []
    /// The mrr_status of the row being finished (phase two).
    var currentMRRStatus = MRRCalculator.Status.unknown
    var subscriptionCoupons: [MRRCalculator.Discount?] = []
    var itemCoupons: [MRRCalculator.Discount?] = []

    init(plan: TablePlan, catalog: TransformCatalog, settings: MappingSettings, rates: RatesTable, validateInput: Bool = true) {
        self.plan = plan
        self.catalog = catalog
        self.settings = settings
        self.rates = rates
        self.validateInput = validateInput
        objectSlots = .allocate(capacity: max(1, plan.objectTrie.slotCount))
        ownUnitSlots = .allocate(capacity: max(1, plan.unitTrie.slotCount))
        unitSlots = ownUnitSlots
        singlePass = !validateInput && plan.mrrColumn == nil ? SinglePassExtractor(plan: plan) : nil
        columnCount = plan.columns.count
        values = .allocate(capacity: columnCount)
        values.initialize(repeating: .null, count: columnCount)
        var expressions = plan.columns.map(\.expression)
        if let (currency, date) = plan.fxArguments { expressions += [currency, date] }
        program = FlatProgram(expressions: expressions)
        if plan.fxArguments != nil {
            fxCurrencyNode = program.roots[columnCount]
            fxDateNode = program.roots[columnCount + 1]
        }
        columnTypes = .allocate(capacity: max(1, columnCount))
        columnTypes.initialize(from: plan.columns.map(\.type), count: columnCount)
        columnNullable = .allocate(capacity: max(1, columnCount))
        columnNullable.initialize(from: plan.columns.map(\.nullable), count: columnCount)
        let keys = plan.columns.flatMap(\.keyPrefix)
        keyBytes = .allocate(capacity: max(1, keys.count))
        keyBytes.initialize(from: keys, count: keys.count)
        var offsets = [0]
        for c in plan.columns { offsets.append(offsets.last! + c.keyPrefix.count) }
        keyOffsets = .allocate(capacity: offsets.count)
        keyOffsets.initialize(from: offsets, count: offsets.count)
        let texts = plan.texts.flatMap { $0 }
        textBytes = .allocate(capacity: max(1, texts.count))
        textBytes.initialize(from: texts, count: texts.count)
        var textOffsetList = [0]
        for t in plan.texts { textOffsetList.append(textOffsetList.last! + t.count) }
        textOffsets = .allocate(capacity: textOffsetList.count)
        textOffsets.initialize(from: textOffsetList, count: textOffsetList.count)
    }

    /// Whether documents map independently of each other (no lookups filled while mapping, no
    /// two-phase items), so batches of lines may be mapped by several evaluators at once.
    var isDocumentIndependent: Bool {
        if plan.mrrColumn != nil { return false }
        for d in program.derivations {
            if case .discounts = d { return false }
        }
        return true
    }

    /// The interned text `i` as JSON string bytes.
    @inline(__always) func textJSON(_ i: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: textBytes + textOffsets[i], count: textOffsets[i + 1] - textOffsets[i])
    }

    deinit {
        objectSlots.deallocate()
        ownUnitSlots.deallocate()
        values.deinitialize(count: columnCount)
        values.deallocate()
        columnTypes.deallocate()
        columnNullable.deallocate()
        keyBytes.deallocate()
        keyOffsets.deallocate()
        textBytes.deallocate()
        textOffsets.deallocate()
    }

    // MARK: Objects

    /// Maps one raw NDJSON line. Afterwards `unitsIn`, `rowsOut` and `rejected` describe it: either
    /// every unit became a row, or none did and each unit has a reject entry. `override` rejects the
    /// whole document with that reason (e.g. an older copy of a duplicated document).
    func map(line: UnsafeRawBufferPointer, override: RowReject? = nil) {
        defer { finishDocument(override: override) }
        if override == nil, let singlePass, mapSinglePass(line: line, singlePass) { return }
        startObject()
        unitSlots = ownUnitSlots
        document = JSONDocument(line)
        let root: JSONValue
        do {
            root = try document.root(validating: validateInput)
            if validateInput { try document.requireUniqueKeys(root) }
        } catch {
            unitsIn = 1
            unreadable = true
            rejected.append(Rejected(objectId: nil, unitId: nil, reject: RowReject(.malformedJSON, "not valid JSON: \(error)")))
            return
        }
        guard root.kind == .object else {
            unitsIn = 1
            unreadable = true
            rejected.append(
                Rejected(objectId: nil, unitId: nil, reject: RowReject(.malformedJSON, "the line is a JSON \(root.kind), not an object")))
            return
        }
        mapObject(root)
    }

    /// The one-scan path: false (nothing recorded) when the line needs the general path, i.e. it is
    /// not the plain shape the extractor takes or its parent object is rejected.
    private func mapSinglePass(line: UnsafeRawBufferPointer, _ extractor: SinglePassExtractor) -> Bool {
        startObject()
        document = JSONDocument(line)
        do {
            try extractor.extract(document, into: objectSlots, slotCount: plan.objectTrie.slotCount)
        } catch {
            return false
        }
        if let live = objectSlots[plan.livemodeSlot], live.kind == .bool,
            (document.bytes(live).first == UInt8(ascii: "t")) != settings.livemode
        {
            return false
        }
        if hasMore() { return false }
        unitIndex = 0
        guard let arraySlot = plan.unitArraySlot else {
            unitSlots = ownUnitSlots
            unitsIn = 1
            mapRow(unitId: nil)
            return true
        }
        guard let array = objectSlots[arraySlot], array.kind == .array else { return false }
        let width = extractor.unitSlotCount
        for u in 0..<extractor.unitCount {
            unitsIn += 1
            unitSlots = extractor.unitRows + u * width
            mapRow(unitId: nil)
            unitIndex += 1
        }
        unitSlots = ownUnitSlots
        return true
    }

    /// Maps an object inside the current document (e.g. an event's `data.object`).
    func map(object: JSONValue, in document: JSONDocument) {
        startObject()
        unitSlots = ownUnitSlots
        self.document = document
        mapObject(object)
        finishDocument(override: nil)
    }

    private func startObject() {
        unitsIn = 0
        rowsOut = 0
        rejected.removeAll(keepingCapacity: true)
        scratch.removeAll()
        documentStart = out.count
        // A document that fails before its slots are extracted must not see the previous one's.
        for i in 0..<plan.objectTrie.slotCount { objectSlots[i] = nil }
        documentCause = nil
        unreadable = false
        pendingAmounts.removeAll(keepingCapacity: true)
        documentKey = nil
        rowKeys.removeAll(keepingCapacity: true)
    }

    /// Notes the id of the row just written (primary key check).
    @inline(__always) private func noteRowKey() {
        guard rowIdIsPrimaryKey, let slot = plan.unitIdSlot, let v = unitSlots[slot], v.kind == .string else { return }
        rowKeys.append(UniqueKeys.hash(document.stringBytes(v), seed: UniqueKeys.rowSeed))
    }

    /// Whether the object's unit list says `has_more: true` (raw holds its first page only).
    private func hasMore() -> Bool {
        guard let slot = plan.hasMoreSlot, let v = objectSlots[slot], v.kind == .bool else { return false }
        return document.bytes(v).first == UInt8(ascii: "t")
    }

    /// The object's id as text (for rejects), if readable.
    func objectId() -> String? {
        guard let v = objectSlots[plan.idSlot], v.kind == .string else { return nil }
        return try? document.string(v)
    }

    private func unitId() -> String? {
        guard let slot = plan.unitIdSlot, let v = unitSlots[slot], v.kind == .string else { return nil }
        return try? document.string(v)
    }

    private func mapObject(_ root: JSONValue) {
        for i in 0..<plan.objectTrie.slotCount { objectSlots[i] = nil }
        do {
            try plan.objectTrie.extract(document, root, into: objectSlots)
        } catch {
            unitsIn = 1
            unreadable = true
            rejected.append(Rejected(objectId: nil, unitId: nil, reject: RowReject(.malformedJSON, "not valid JSON: \(error)")))
            return
        }
        var parentReject: RowReject?
        if let live = objectSlots[plan.livemodeSlot], live.kind == .bool {
            let isLive = document.bytes(live).first == UInt8(ascii: "t")
            if isLive != settings.livemode {
                parentReject = RowReject(
                    .livemodeMismatch,
                    "\(isLive ? "live" : "test")-mode object in a \(settings.livemode ? "live" : "test")-mode pipeline; extract with a \(settings.livemode ? "live" : "test") key or fix the pipeline's mode"
                )
            }
        }
        if hasMore(), let unit = plan.unit {
            let list = unit.dropLast().joined(separator: ".")
            var total = ""
            if let slot = plan.totalCountSlot, let v = objectSlots[slot], v.kind == .number,
                let n = try? document.int64(v)
            {
                total = " of \(n)"
            }
            documentCause = RowReject(
                .incompleteList,
                "\(list).has_more is true: the raw object holds only the first page of its \(list)\(total); its rows are not mapped partially. The extract completes child lists: re-extract the run"
            )
        }
        guard let arraySlot = plan.unitArraySlot else {
            unitsIn = 1
            unitIndex = 0
            if let parentReject {
                rejected.append(Rejected(objectId: objectId(), unitId: nil, reject: parentReject))
                return
            }
            mapRow(unitId: nil)
            return
        }
        guard let array = objectSlots[arraySlot], array.kind == .array else {
            unitsIn = 1
            let path = (plan.unit ?? []).joined(separator: ".")
            let found = objectSlots[arraySlot].map { "a \($0.kind)" } ?? "nothing"
            rejected.append(
                Rejected(
                    objectId: objectId(), unitId: nil,
                    reject: RowReject(.parentInvalid, "\(plan.schema.sourceStream) object has \(found) at \(path); its rows cannot be read")
                ))
            return
        }
        if plan.mrrColumn != nil {
            mapTwoPhase(array, parentReject: parentReject)
            return
        }
        unitIndex = 0
        do {
            try document.forEachElement(array) { element in
                unitsIn += 1
                for i in 0..<plan.unitTrie.slotCount { unitSlots[i] = nil }
                guard element.kind == .object else {
                    rejected.append(
                        Rejected(
                            objectId: objectId(), unitId: nil,
                            reject: RowReject(
                                .malformedJSON, "a row of \((plan.unit ?? []).joined(separator: "."))[] is a \(element.kind), not an object"
                            )))
                    return
                }
                try plan.unitTrie.extract(document, element, into: unitSlots)
                if let parentReject {
                    recordAmount(evaluated: false)
                    rejected.append(Rejected(objectId: objectId(), unitId: unitId(), reject: parentReject))
                    return
                }
                mapRow(unitId: nil)
                unitIndex += 1
            }
        } catch {
            unitsIn += 1
            unreadable = true
            rejected.append(Rejected(objectId: objectId(), unitId: nil, reject: RowReject(.malformedJSON, "not valid JSON: \(error)")))
        }
    }

    /// Evaluates every column of the current row and encodes it, or records the reject.
    private func mapRow(unitId: String?) {
        fxReady = false
        do {
            try evaluate(0..<columnCount)
        } catch {
            recordAmount(evaluated: false)
            rejected.append(Rejected(objectId: objectId(), unitId: unitId ?? self.unitId(), reject: asReject(error)))
            return
        }
        recordAmount(evaluated: true)
        do {
            try encodeRow()
            noteRowKey()
        } catch {
            rejected.append(Rejected(objectId: objectId(), unitId: unitId ?? self.unitId(), reject: asReject(error)))
        }
    }

    // MARK: Two-phase objects (MRR shares subscription-level discounts across items)

    private func mapTwoPhase(_ array: JSONValue, parentReject: RowReject?) {
        guard let mrr = plan.mrrColumn else { return }
        let unitSlotCount = plan.unitTrie.slotCount
        storedValues.removeAll(keepingCapacity: true)
        storedSlots.removeAll(keepingCapacity: true)
        storedOK.removeAll(keepingCapacity: true)
        storedUnitIds.removeAll(keepingCapacity: true)
        mrrGross.removeAll(keepingCapacity: true)
        mrrZero.removeAll(keepingCapacity: true)
        mrrPeriod.removeAll(keepingCapacity: true)
        mrrExponent.removeAll(keepingCapacity: true)
        mrrCurrency.removeAll(keepingCapacity: true)
        mrrStatuses.removeAll(keepingCapacity: true)
        subscriptionCoupons.removeAll(keepingCapacity: true)
        var subscriptionCouponsKnown = true
        unitIndex = 0
        do {
            try document.forEachElement(array) { element in
                unitsIn += 1
                for i in 0..<unitSlotCount { unitSlots[i] = nil }
                mrrGross.append(nil)
                mrrZero.append(false)
                mrrPeriod.append(nil)
                mrrExponent.append(0)
                mrrCurrency.append("")
                mrrStatuses.append(.unknown)
                var ok = false
                if element.kind != .object {
                    rejected.append(
                        Rejected(
                            objectId: objectId(), unitId: nil,
                            reject: RowReject(
                                .malformedJSON, "a row of \((plan.unit ?? []).joined(separator: "."))[] is a \(element.kind), not an object"
                            )))
                } else {
                    try plan.unitTrie.extract(document, element, into: unitSlots)
                    if let parentReject {
                        rejected.append(Rejected(objectId: objectId(), unitId: unitId(), reject: parentReject))
                    } else {
                        fxReady = false
                        do {
                            try evaluate(0..<mrr)
                            values[mrr] = try deriveMRRPhaseOne()
                            ok = true
                        } catch {
                            rejected.append(Rejected(objectId: objectId(), unitId: unitId(), reject: asReject(error)))
                        }
                    }
                }
                storedOK.append(ok)
                storedUnitIds.append(nil)
                for i in 0..<unitSlotCount { storedSlots.append(unitSlots[i]) }
                for i in 0...mrr { storedValues.append(values[i]) }
                unitIndex += 1
            }
        } catch {
            unitsIn += 1
            unreadable = true
            rejected.append(Rejected(objectId: objectId(), unitId: nil, reject: RowReject(.malformedJSON, "not valid JSON: \(error)")))
            return
        }
        // Subscription-level discounts were resolved with the first item.
        for coupon in subscriptionCoupons where coupon == nil { subscriptionCouponsKnown = false }
        let finals = MRRCalculator.allocate(
            gross: mrrGross, zero: mrrZero, period: mrrPeriod, exponent: mrrExponent, currency: mrrCurrency,
            subscriptionDiscounts: subscriptionCouponsKnown ? subscriptionCoupons.compactMap { $0 } : nil,
            rule: settings.mrrRule, snapshot: settings.snapshotSeconds)
        for u in 0..<storedOK.count where storedOK[u] {
            for i in 0..<unitSlotCount { unitSlots[i] = storedSlots[u * unitSlotCount + i] }
            for i in 0...mrr { values[i] = storedValues[u * (mrr + 1) + i] }
            values[mrr] = finals[u].map { .decimal($0) } ?? .null
            currentMRRStatus = finals[u] == nil ? .unknown : mrrStatuses[u]
            fxReady = false
            do {
                try evaluate((mrr + 1)..<columnCount)
                try encodeRow()
                noteRowKey()
            } catch {
                rejected.append(Rejected(objectId: objectId(), unitId: unitId(), reject: asReject(error)))
            }
        }
    }

    // MARK: Columns

    private func evaluate(_ range: Range<Int>) throws {
        for i in range {
            let value: Value
            do {
                value = try eval(program.roots[i])
            } catch {
                let reject = asReject(error)
                let column = plan.columns[i]
                throw RowReject(reject.code, "column \(column.name) (\(column.source)): \(reject.message)")
            }
            if value.isNull && !columnNullable[i] {
                let column = plan.columns[i]
                throw RowReject(.missingField, "missing required field \(column.source) (column \(column.name))")
            }
            values[i] = value
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

    func eval(_ index: Int32) throws -> Value {
        let node = program.nodes[Int(index)]
        switch node.op {
        case .objectSlot:
            if let v = objectSlots[Int(node.index)], v.kind != .null { return .json(v) }
            return .null
        case .unitSlot:
            if let v = unitSlots[Int(node.index)], v.kind != .null { return .json(v) }
            return .null
        case .column: return values[Int(node.index)]
        case .text: return .text(Int(node.index))
        case .bool: return .bool(node.int != 0)
        case .int: return .int(node.int)
        case .null: return .null
        case .coalesce:
            let parts = program.arguments(of: index)
            for i in 0..<parts.count {
                let v = try eval(parts[i])
                if !v.isNull { return v }
            }
            return .null
        case .derive:
            return try derive(Int(node.index), program.arguments(of: index))
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

    func intValue(_ v: Value) throws -> Int64? {
        switch v {
        case .null: return nil
        case .int(let i): return i
        case .json(let j) where j.kind == .number: return try document.int64(j)
        default: throw RowReject(.typeMismatch, "expected an integer, found \(kindName(v))")
        }
    }

    func boolValue(_ v: Value) throws -> Bool? {
        switch v {
        case .null: return nil
        case .bool(let b): return b
        case .json(let j) where j.kind == .bool: return document.bytes(j).first == UInt8(ascii: "t")
        default: throw RowReject(.typeMismatch, "expected true or false, found \(kindName(v))")
        }
    }

    func dayValue(_ v: Value) throws -> Int? {
        switch v {
        case .day(let d): return d
        default:
            guard let seconds = try intValue(v) else { return nil }
            return UTCDate.days(fromUnixSeconds: seconds)
        }
    }

    func decimalValue(_ v: Value) throws -> ExactDecimal? {
        switch v {
        case .null: return nil
        case .decimal(let d): return d
        case .int(let i): return ExactDecimal(units: Int128(i), scale: 0)
        case .json(let j) where j.kind == .number || j.kind == .string:
            let bytes = j.kind == .string ? document.stringBytes(j) : document.bytes(j)
            guard let d = ExactMath.parse(bytes) else {
                throw RowReject(.typeMismatch, "'\(String(decoding: bytes, as: UTF8.self))' is not a plain decimal number")
            }
            return d
        default: throw RowReject(.typeMismatch, "expected a number, found \(kindName(v))")
        }
    }

    /// The raw JSON string text (quotes included) of a string value.
    func stringBytes(_ v: Value) -> UnsafeRawBufferPointer? {
        switch v {
        case .json(let j) where j.kind == .string: return document.bytes(j)
        case .text(let i): return textJSON(i)
        case .scratch(let a, let b): return UnsafeRawBufferPointer(start: scratch.base + a, count: b - a)
        default: return nil
        }
    }

    func stringValue(_ v: Value) throws -> String? {
        switch v {
        case .null: return nil
        case .json(let j) where j.kind == .string: return try document.string(j)
        case .text(let i): return plan.textStrings[i]
        default: throw RowReject(.typeMismatch, "expected a string, found \(kindName(v))")
        }
    }

    func currency(_ v: Value) throws -> CurrencyInfo? {
        let raw: UnsafeRawBufferPointer
        switch v {
        case .null: return nil
        case .json(let j) where j.kind == .string: raw = document.stringBytes(j)
        case .text(let i):
            raw =
                plan.textStrings[i].utf8.withContiguousStorageIfAvailable { UnsafeRawBufferPointer($0) }
                ?? UnsafeRawBufferPointer(start: nil, count: 0)
        default: throw RowReject(.typeMismatch, "currency: expected a string, found \(kindName(v))")
        }
        var key: UInt64 = 0
        if raw.count >= 1 && raw.count <= 7 {
            for b in raw { key = key << 8 | UInt64(b | 0x20) }
            key |= UInt64(raw.count) << 56
            if key == lastCurrencyKey, let lastCurrency { return lastCurrency }
            if let hit = currencyCache[key] {
                lastCurrencyKey = key
                lastCurrency = hit
                return hit
            }
        }
        let code = String(decoding: raw, as: UTF8.self).lowercased()
        guard let exponent = Currency.exponent(of: code) else {
            throw RowReject(
                .unknownCurrency,
                "unknown currency '\(code)': Core's currency table has no exponent for it; add it to Sources/Core/Currency.swift if Stripe supports it"
            )
        }
        let info = CurrencyInfo(code: code, exponent: exponent, serial: currencies.count)
        currencies.append(info)
        rawAmountSums.append(0)
        stagedAmountSums.append(0)
        if key != 0 { currencyCache[key] = info }
        return info
    }

    /// Notes the current unit's raw amount for the reconciliation (`evaluated`: the columns hold it).
    private func recordAmount(evaluated: Bool) {
        guard let a = plan.amountColumn, let c = plan.currencyColumn else { return }
        guard let amount = try? intValue(evaluated ? values[a] : (try? eval(program.roots[a])) ?? .null),
            let info = try? currency(evaluated ? values[c] : (try? eval(program.roots[c])) ?? .null)
        else { return }
        pendingAmounts.append((info.serial, amount))
    }

    // MARK: Whole documents

    /// Settles the document: its raw amounts always count on the raw side of the reconciliation and
    /// on the staged side only when its rows are written. A document of a table with a unit array
    /// (invoice lines, credit-note lines, subscription items) with any rejected unit, an incomplete
    /// list or an `override` is rejected whole: its rows leave `out` and every unit gets an entry.
    private func finishDocument(override: RowReject?) {
        let cause = override ?? documentCause
        if cause != nil || (plan.unit != nil && !rejected.isEmpty) {
            if rowsOut > 0 || cause != nil || unreadable { rejectWhole(cause) }
        }
        if rowsOut > 0, let v = objectSlots[plan.idSlot], v.kind == .string {
            documentKey = UniqueKeys.Key(id: document.stringBytes(v))
            documentHash = UniqueKeys.hash(document.buffer, seed: UniqueKeys.lineSeed)
        }
        if plan.amountColumn != nil && plan.currencyColumn != nil {
            for p in pendingAmounts {
                rawAmountSums[p.serial] += Int128(p.amount)
                if rowsOut > 0 { stagedAmountSums[p.serial] += Int128(p.amount) }
            }
            unreadableAmountRows += max(0, unitsIn - pendingAmounts.count)
        }
    }

    /// Replaces the document's rows and rejects by one reject entry per raw unit. A readable document
    /// keeps its own unit rejects and names the other units by id; a damaged one (not readable to its
    /// end) counts its units structurally (`RawUnitCount`), independently of how far mapping got.
    private func rejectWhole(_ cause: RowReject?) {
        out.truncate(to: documentStart)
        rowsOut = 0
        rowKeys.removeAll(keepingCapacity: true)
        // A document that failed before its slots were read is still named when its id is readable.
        let id = objectId() ?? UniqueKeys.documentId(document.buffer).map { String(decoding: $0, as: UTF8.self) }
        let name = "\(plan.schema.sourceStream) object" + (id.map { " " + $0 } ?? "")
        guard let unit = plan.unit else {
            // One row per object: the object is its only unit.
            if let cause {
                rejected.removeAll(keepingCapacity: true)
                rejected.append(Rejected(objectId: id, unitId: nil, reject: cause))
            }
            unitsIn = 1
            return
        }
        if unreadable {
            let first = cause ?? rejected.first?.reject ?? RowReject(.malformedJSON, "not valid JSON")
            let total = max(1, RawUnitCount.count(document.buffer, unit: unit))
            rejected.removeAll(keepingCapacity: true)
            rejected.append(Rejected(objectId: id, unitId: nil, reject: first))
            let whole = RowReject(
                first.code,
                "\(name) is damaged, so all \(total) of its rows (counted in the raw bytes) are rejected with it: \(first.message)")
            for _ in 1..<total { rejected.append(Rejected(objectId: id, unitId: nil, reject: whole)) }
            unitsIn = total
            return
        }
        // Readable: own rejects stay (unless a document-level cause replaces them); the other units
        // are named by their ids from a fresh walk of the unit array.
        let primary = cause ?? rejected[0].reject
        let whole =
            cause
            ?? RowReject(
                primary.code, "\(name) is rejected whole (\(unitsIn) rows) because one of its rows was rejected: \(primary.message)")
        if cause != nil { rejected.removeAll(keepingCapacity: true) }
        var owned: [String: Int] = [:]
        var ownedWithoutId = 0
        for r in rejected { if let u = r.unitId { owned[u, default: 0] += 1 } else { ownedWithoutId += 1 } }
        var missing = unitsIn - rejected.count
        if missing > 0, let slot = plan.unitArraySlot, let array = objectSlots[slot], array.kind == .array {
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
                    rejected.append(Rejected(objectId: id, unitId: unitId, reject: whole))
                    missing -= 1
                }
            }
        }
        while missing > 0 {
            rejected.append(Rejected(objectId: id, unitId: nil, reject: whole))
            missing -= 1
        }
        unitsIn = rejected.count
    }

    // MARK: FX

    /// The row's rate, looked up once per row (cached per currency and day); nil when the row has no
    /// conversion, or its rate is missing or stale (then `fxOutcome` and `fxFailure` say why).
    func rowFX() throws -> (FXRate, Int)? {
        if fxReady { return fxOutcome == .converted ? (fx, fxSourceExponent) : nil }
        guard fxCurrencyNode >= 0 else { return nil }
        guard let info = try currency(try eval(fxCurrencyNode)) else { throw RowReject(.missingField, "fx: the row has no currency") }
        guard let day = try dayValue(try eval(fxDateNode)) else { throw RowReject(.missingField, "fx: the row has no date to convert at") }
        let key = day &* 4096 &+ info.serial
        if key == lastFXKey {
            // Same currency and day as the previous row (every line of a document): `fx` is it.
        } else if let hit = fxCache[key] {
            fx = hit
            lastFXKey = key
        } else if let failure = fxFailures[key] {
            fxReady = true
            (fxOutcome, fxFailure) = failure
            return nil
        } else {
            let conversion: Conversion
            do {
                conversion = try rates.convert(minorUnits: 0, currency: info.code, on: day, to: settings.reportingCurrency)
            } catch let error as RatesError where error.code == .missingRate || error.code == .staleRate {
                let failure = (error.code == .staleRate ? FXOutcome.staleRate : .noRate, error.message)
                fxFailures[key] = failure
                fxReady = true
                (fxOutcome, fxFailure) = failure
                return nil
            }
            let rate = FXRate(
                sourcePerEUR: conversion.sourceRatePerEUR, reportingPerEUR: conversion.reportingRatePerEUR,
                rate: conversion.rate, rateDay: conversion.rateDay)
            fxCache[key] = rate
            fx = rate
            lastFXKey = key
        }
        fxSourceExponent = info.exponent
        fxOutcome = .converted
        fxReady = true
        return (fx, fxSourceExponent)
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

    private func encodeRow() throws {
        // The buffer moved to a local (a pointer and two counts) avoids an exclusivity check per append.
        var buffer = ByteBuffer.empty()
        swap(&buffer, &out)
        defer { swap(&buffer, &out) }
        let start = buffer.count
        do {
            for i in 0..<columnCount {
                buffer.appendSmall(keyBytes + keyOffsets[i], keyOffsets[i + 1] - keyOffsets[i])
                do {
                    try encode(values[i], as: columnTypes[i], into: &buffer)
                } catch {
                    let reject = asReject(error)
                    let column = plan.columns[i]
                    throw RowReject(reject.code, "column \(column.name) (\(column.source)): \(reject.message)")
                }
            }
            buffer.append(UInt8(ascii: "}"))
            buffer.append(UInt8(ascii: "\n"))
            rowsOut += 1
            if fxReady { fxOutcomeCounts[fxOutcome.rawValue] += 1 }
        } catch {
            buffer.truncate(to: start)
            throw error
        }
    }

    private func encode(_ v: Value, as type: ColumnType, into out: inout ByteBuffer) throws {
        if v.isNull { out.append("null"); return }
        switch type {
        case .string:
            guard let bytes = stringBytes(v) else { throw RowReject(.typeMismatch, "expected a string, found \(kindName(v))") }
            if !validateInput, case .json(let j) = v { try document.validate(j) }
            out.append(bytes)
        case .int64:
            out.appendInt(try intValue(v)!)
        case .bool:
            out.append(try boolValue(v)! ? "true" : "false")
        case .timestamp:
            guard case .day = v else {
                out.append(UInt8(ascii: "\""))
                out.appendTimestamp(unixSeconds: try intValue(v)!)
                out.append(UInt8(ascii: "\""))
                return
            }
            throw RowReject(.typeMismatch, "expected Unix seconds, found a date")
        case .date:
            out.append(UInt8(ascii: "\""))
            out.appendDay(try dayValue(v)!)
            out.append(UInt8(ascii: "\""))
        case .decimal(let precision, let scale):
            let d = try ExactMath.rescale(try decimalValue(v)!, to: scale)
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
            case .text(let i): out.append(textJSON(i))
            case .int(let i): out.appendInt(i)
            case .bool(let b): out.append(b ? "true" : "false")
            default: throw RowReject(.typeMismatch, "cannot write a \(kindName(v)) as JSON")
            }
        }
    }
}
