import Core
import JSON

/// The parts a `RowEvaluator` is composed of: what it makes from the plan once and owns (`Layout`,
/// `Slots`: `~Copyable`, their `deinit` frees the raw memory), what one document gave (`Mapped`),
/// what is kept across documents (`Currencies`, `FX`, `AmountSums`), and `TwoPhase`, kept between
/// the two phases of one object.
extension RowEvaluator {
    /// The table's plan compiled for evaluating and encoding rows: the column program and, behind
    /// raw pointers so the hot loop touches no reference counts, column types, nullability, the
    /// `"name":` key prefixes and the interned texts. Immutable once made.
    struct Layout: ~Copyable {
        let program: FlatProgram
        let columnCount: Int
        let columnTypes: UnsafeMutablePointer<ColumnType>
        let columnNullable: UnsafeMutablePointer<Bool>
        let keyBytes: UnsafeMutablePointer<UInt8>
        let keyOffsets: UnsafeMutablePointer<Int>
        let textBytes: UnsafeMutablePointer<UInt8>
        let textOffsets: UnsafeMutablePointer<Int>
        /// Node indexes of the fx_rate arguments (currency, date); -1 without a conversion.
        let fxCurrencyNode: Int32
        let fxDateNode: Int32
        let rowIdIsPrimaryKey: Bool

        init(plan: TablePlan) {
            columnCount = plan.columns.count
            var expressions = plan.columns.map(\.expression)
            if let (currency, date) = plan.fxArguments { expressions += [currency, date] }
            program = FlatProgram(expressions: expressions)
            if plan.fxArguments != nil {
                fxCurrencyNode = program.roots[columnCount]
                fxDateNode = program.roots[columnCount + 1]
            } else {
                fxCurrencyNode = -1
                fxDateNode = -1
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
            rowIdIsPrimaryKey = plan.rowIdIsPrimaryKey
        }

        deinit {
            columnTypes.deallocate()
            columnNullable.deallocate()
            keyBytes.deallocate()
            keyOffsets.deallocate()
            textBytes.deallocate()
            textOffsets.deallocate()
        }

        /// The interned text `i` as JSON string bytes.
        @inline(__always) func textJSON(_ i: Int) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(start: textBytes + textOffsets[i], count: textOffsets[i + 1] - textOffsets[i])
        }
    }

    /// Where the plan's paths are extracted to (object level and unit level) and where the row's
    /// evaluated columns are kept. The slots hold `JSONValue`s, byte ranges that mean something
    /// only with the document being mapped (passed to every call, never stored).
    struct Slots: ~Copyable {
        let object: UnsafeMutablePointer<JSONValue?>
        let objectCount: Int
        /// The unit slots of the general path (the single-pass extractor has its own rows).
        let unit: UnsafeMutablePointer<JSONValue?>
        let unitCount: Int
        let values: UnsafeMutablePointer<Value>
        let valueCount: Int

        init(plan: TablePlan) {
            objectCount = plan.objectTrie.slotCount
            unitCount = plan.unitTrie.slotCount
            object = .allocate(capacity: max(1, objectCount))
            unit = .allocate(capacity: max(1, unitCount))
            valueCount = plan.columns.count
            values = .allocate(capacity: max(1, valueCount))
            values.initialize(repeating: .null, count: valueCount)
        }

        deinit {
            object.deallocate()
            unit.deallocate()
            values.deinitialize(count: valueCount)
            values.deallocate()
        }
    }

    // `Mapped`, `Currencies` and `FX` are changed for every row: they are final classes rather
    // than structs so that the compiler proves exclusive access field by field, statically. As struct
    // properties of the evaluator, one collection mutation anywhere in a struct made every access to
    // any of its fields a runtime exclusivity check (+1.35% instructions on the transform benchmark).

    /// What mapping one document gave, and the state of mapping it: a document is mapped whole or
    /// rejected whole (see `finishDocument`). The stage reads it after each `map`.
    final class Mapped {
        var unitsIn = 0
        var rowsOut = 0
        var rejected: [Rejected] = []
        /// Where the document's rows start in `out`.
        var start = 0
        /// Why the whole document is rejected although it could be read (e.g. `has_more: true`).
        var cause: RowReject?
        /// The document could not be read to its end: its rows are counted structurally.
        var unreadable = false
        /// (currency serial, amount) of every unit of the document whose raw amount could be read.
        var pendingAmounts: [(serial: Int, amount: Int64)] = []
        /// For the stage's key check, set when the document's rows are written: its id, a hash of
        /// its raw text and, when row ids are the primary key, their hashes in row order.
        var key: UniqueKeys.Key?
        var hash: UInt64 = 0
        var rowKeys: [UInt64] = []
        /// The object's id (when the evaluator `recordsObjectIds`), if readable.
        var objectId: String?
    }

    /// Currencies met so far: a cache by the code's bytes, the last one (rows of a document share
    /// it), and every currency in the order met (its `serial` indexes `AmountSums`).
    final class Currencies {
        var cache: [UInt64: CurrencyInfo] = [:]
        var lastKey: UInt64 = 0
        var last: CurrencyInfo?
        private(set) var seen: [CurrencyInfo] = []

        func add(code: String, exponent: Int) -> CurrencyInfo {
            let info = CurrencyInfo(code: code, exponent: exponent, serial: seen.count)
            seen.append(info)
            return info
        }
    }

    /// Quality: per currency serial, sums of the `amount` column in minor units, raw and staged.
    struct AmountSums {
        var raw: [Int128] = []
        var staged: [Int128] = []
        /// Units of the table whose raw amount could not be read (damaged documents): the raw side
        /// of the amount reconciliation is incomplete by these rows, and says so.
        var unreadableRows = 0
    }

    /// The current row's conversion, and the rates looked up so far (per currency serial and day).
    final class FX {
        var cache: [Int: FXRate] = [:]
        var failures: [Int: (FXOutcome, String)] = [:]
        var lastKey = Int.min
        var rate = FXRate(
            sourcePerEUR: ExactDecimal(units: 1, scale: 0), reportingPerEUR: ExactDecimal(units: 1, scale: 0),
            rate: ExactDecimal(units: 1, scale: 0), rateDay: 0)
        var sourceExponent = 0
        /// Whether `outcome` (and, when not converted, `failure`) describe the current row.
        var ready = false
        var outcome = FXOutcome.converted
        var failure = ""
        /// Rows written per FXOutcome (tables with a conversion only).
        var outcomeCounts = [Int](repeating: 0, count: FXOutcome.allCases.count)
    }

    /// The items of a two-phase object (MRR shares subscription-level discounts across items): what
    /// phase one evaluated per item, kept for phase two.
    struct TwoPhase {
        var values: [Value] = []
        var slots: [JSONValue?] = []
        var ok: [Bool] = []
        var gross: [ExactFraction?] = []
        var zero: [Bool] = []
        var period: [(Int128, Int128)?] = []
        var exponent: [Int] = []
        var currency: [String] = []
        var statuses: [MRRCalculator.Status] = []
        /// The mrr_status of the row being finished (phase two).
        var currentStatus = MRRCalculator.Status.unknown
        var subscriptionCoupons: [MRRCalculator.Discount?] = []
        var itemCoupons: [MRRCalculator.Discount?] = []

        mutating func removeAll() {
            values.removeAll(keepingCapacity: true)
            slots.removeAll(keepingCapacity: true)
            ok.removeAll(keepingCapacity: true)
            gross.removeAll(keepingCapacity: true)
            zero.removeAll(keepingCapacity: true)
            period.removeAll(keepingCapacity: true)
            exponent.removeAll(keepingCapacity: true)
            currency.removeAll(keepingCapacity: true)
            statuses.removeAll(keepingCapacity: true)
            subscriptionCoupons.removeAll(keepingCapacity: true)
        }

        /// A new item for phase one, unknown until evaluated.
        mutating func appendItem() {
            gross.append(nil)
            zero.append(false)
            period.append(nil)
            exponent.append(0)
            currency.append("")
            statuses.append(.unknown)
        }
    }
}
