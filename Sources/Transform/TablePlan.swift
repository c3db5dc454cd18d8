import Core
import JSON
import ModuleErrors

/// A named derivation of the mapping grammar (`derive:<name>(...)`), resolved at compile time.
enum Derivation {
    case major
    case fx
    case fxRate
    case fxRateDate
    case fxStatus
    case fxReason
    case reportingCurrency
    /// Text index per coalesce alternative: the last key of the path that produced the value.
    case which([Int])
    /// (raw `from` bytes, text index of `to`).
    case map([([UInt8], Int)])
    /// Member name summed over an array's elements.
    case sum([UInt8])
    case netOfInclusiveTax
    /// Sum of the inclusive (true) or exclusive (false) entries of a tax array.
    case taxSplit(inclusive: Bool)
    /// Sum of `amount` over the elements whose `type` is not the given text (raw bytes).
    case sumExceptType([UInt8])
    case identityKey
    case identityKeySource
    case customerDeleted
    case productName
    case subscriptionStatus
    case effectiveCancelAt
    case discounts
    case mrr
    case mrrFxDate
    case mrrStatus
    case discountSplit(permanent: Bool)
    /// Arg 2 when arg 1 is the given text (raw bytes), else null.
    case when([UInt8])
    case whole

    /// name -> (argument count, or nil for "any", description for the mapping document).
    static let catalog: [String: (arity: Int?, summary: String)] = [
        "major": (
            2, "integer minor units (arg 1) in major units of the currency (arg 2), exact: minor / 10^exponent (JPY 0, EUR 2, BHD 3)"
        ),
        "fx": (
            1,
            "the value (minor units, or a major-units decimal) converted to the reporting currency at the row's fx rate, rounded half-even to the reporting currency's exponent"
        ),
        "fx_rate": (
            2,
            "defines the row's conversion: currency (arg 1) on the UTC date of arg 2 (Unix seconds or a date); the value is reporting units per unit of the currency"
        ),
        "fx_rate_date": (0, "the publication day of the rate used for the row"),
        "fx_status": (
            0,
            "converted, stale_rate (the latest rate is older than fx.max_staleness_days) or no_rate (none on or before the date, or conversion off) for the row's conversion"
        ),
        "fx_reason": (0, "why the row's conversion could not be done and how to fix it; null when converted"),
        "reporting_currency": (0, "the pipeline's fx.reporting_currency, lowercase"),
        "which": (1, "the last field name of the coalesce alternative that supplied a value"),
        "map": (nil, "arg 1 renamed by 'from=to' pairs (unlisted values pass through unchanged)"),
        "sum": (2, "sum of the integer member named by arg 2 over the elements of the array arg 1"),
        "sum_except_type": (
            2, "sum of the amount member over the elements of the array arg 1 whose type is not the literal arg 2 (a null list is empty)"
        ),
        "tax_split": (
            2,
            "sum of the amounts of the tax array (arg 1: taxes[] by tax_behavior, or tax_amounts[] by inclusive) that are 'inclusive' or 'exclusive' (arg 2); a null list is empty"
        ),
        "net_of_inclusive_tax": (
            2,
            "amount (arg 1) minus the inclusive entries of the tax array (arg 2: taxes[].tax_behavior = inclusive, or tax_amounts[].inclusive = true)"
        ),
        "identity_key": (
            3, "per transform.identity_key: email (arg 1), metadata.<field> (from arg 2) or id (arg 3); falls back to the id when empty"
        ),
        "identity_key_source": (3, "which field identity_key used: email, metadata.<field> or id"),
        "customer_deleted": (1, "true when arg 1 is true or the customer was deleted by a customer.deleted event of the run"),
        "product_name": (1, "the name of the product with id arg 1, from the run's products stream"),
        "subscription_status": (2, "paused when pause_collection (arg 2) is set, else the status (arg 1)"),
        "effective_cancel_at": (3, "cancel_at (arg 1), else the current period end (arg 3) when cancel_at_period_end (arg 2), else null"),
        "discounts": (
            3,
            "subscription discounts (arg 1, ids or objects), the legacy single discount (arg 2) and the item's discounts (arg 3), coupons resolved from the coupons stream, as a JSON array"
        ),
        "when": (3, "arg 3 when arg 1 equals the literal arg 2 (e.g. pick the branch parent.type names), else null"),
        "whole": (1, "the decimal arg 1 as an integer when it has no fraction, else null"),
        "mrr": (13, "monthly recurring revenue of the item under transform.mrr_rule (see the column description)"),
        "mrr_status": (
            0, "why the item contributes what it does to MRR: counted, trialing, paused, churned, incomplete, metered or unknown"
        ),
        "mrr_fx_date": (1, "the subscription's creation (arg 1) or the run's snapshot date, per fx.mrr_date"),
        "discount_split": (
            2,
            "sum of the discount amounts (arg 1) whose coupon is temporary (once/repeating) or permanent (forever), per arg 2; null when a coupon is unknown"
        )
    ]
}

/// A compiled source expression: paths resolved to trie slots, columns to indexes.
indirect enum CompiledExpression {
    case objectSlot(Int)
    case unitSlot(Int)
    case column(Int)
    case text(Int)
    case bool(Bool)
    case int(Int64)
    case null
    case coalesce([CompiledExpression])
    case derive(Derivation, [CompiledExpression])
}

/// One schema column ready to evaluate and encode.
struct CompiledColumn {
    let name: String
    let type: ColumnType
    let nullable: Bool
    let source: String
    let expression: CompiledExpression
    /// `{"name":` for the first column, `,"name":` for the rest.
    let keyPrefix: [UInt8]
}

/// A table's schema compiled for mapping: which paths to read, and how to evaluate each column.
final class TablePlan {
    let schema: TableSchema
    /// The array each row comes from (`["lines", "data"]`), or nil for one row per object.
    let unit: [String]?
    let objectTrie: FieldTrie
    let unitTrie: FieldTrie
    let unitArraySlot: Int?
    let idSlot: Int
    let livemodeSlot: Int
    let unitIdSlot: Int?
    /// The unit array's list object's `has_more` (`lines.has_more`): true means raw holds a first page only.
    let hasMoreSlot: Int?
    /// The primary key is the unit's `id` (`lines.data[].id`): checked across documents before mapping.
    var rowIdIsPrimaryKey: Bool {
        guard let unit, schema.primaryKey.count == 1,
            let column = schema.columns.first(where: { $0.name == schema.primaryKey[0] })
        else { return false }
        return column.source == unit.joined(separator: ".") + "[].id"
    }
    /// The unit list's `total_count`, when raw has it (named in an incomplete list's reject).
    let totalCountSlot: Int?
    let columns: [CompiledColumn]
    /// Interned texts as JSON strings (quotes included) and as plain strings.
    let texts: [[UInt8]]
    let textStrings: [String]
    /// The fx_rate derivation's arguments: (currency, date).
    let fxArguments: (CompiledExpression, CompiledExpression)?
    /// Index of the column using derive:mrr: rows of one object are evaluated in two phases around it.
    let mrrColumn: Int?
    let reportingTextIndex: Int
    /// Index of the `amount` column (quality totals), if any.
    let amountColumn: Int?
    let currencyColumn: Int?

    init(schema: TableSchema, settings: MappingSettings) throws {
        self.schema = schema
        var objectTrie = FieldTrie()
        var unitTrie = FieldTrie()
        var texts: [[UInt8]] = []
        var textStrings: [String] = []
        var textIndex: [String: Int] = [:]
        func intern(_ s: String) -> Int {
            if let i = textIndex[s] { return i }
            var w = JSONWriter(capacity: s.utf8.count + 8)
            w.string(s)
            texts.append(w.bytes)
            textStrings.append(s)
            textIndex[s] = texts.count - 1
            return texts.count - 1
        }
        let reportingTextIndex = intern(settings.reportingCurrency)

        // The unit: every `x[]` prefix in the table must agree.
        var unit: [String]?
        var parsed: [MappingExpression] = []
        for column in schema.columns {
            let expression: MappingExpression
            do { expression = try MappingExpression.parse(column.source) } catch let error as CoreError {
                throw CoreError(.schema, "\(schema.path): column '\(column.name)': \(error.message)")
            }
            for path in expression.paths {
                guard let u = path.unit else { continue }
                if let existing = unit, existing != u {
                    throw CoreError(
                        .schema,
                        "\(schema.path): column '\(column.name)' reads rows from \(u.joined(separator: "."))[] but other columns from \(existing.joined(separator: "."))[]; a table has one row unit"
                    )
                }
                unit = u
            }
            parsed.append(expression)
        }
        self.unit = unit
        let unitArraySlot = unit.map { objectTrie.slot(for: $0) }
        let idSlot = objectTrie.slot(for: ["id"])
        let livemodeSlot = objectTrie.slot(for: ["livemode"])
        let unitIdSlot = unit == nil ? nil : unitTrie.slot(for: ["id"])
        let hasMoreSlot = unit.flatMap { $0.count >= 2 ? objectTrie.slot(for: Array($0.dropLast()) + ["has_more"]) : nil }
        let totalCountSlot = unit.flatMap { $0.count >= 2 ? objectTrie.slot(for: Array($0.dropLast()) + ["total_count"]) : nil }

        let names = schema.columns.map(\.name)
        var fxArguments: (CompiledExpression, CompiledExpression)?
        var mrrColumn: Int?
        var firstConversionColumn: Int?

        func compile(_ e: MappingExpression, column: Int) throws -> CompiledExpression {
            let place = "\(schema.path): column '\(names[column])'"
            switch e {
            case .path(let u, let keys):
                if u != nil { return .unitSlot(unitTrie.slot(for: keys)) }
                return .objectSlot(objectTrie.slot(for: keys))
            case .column(let name):
                guard let index = names.firstIndex(of: name) else {
                    throw CoreError(.schema, "\(place): @\(name) is not a column of \(schema.table)")
                }
                guard index < column else {
                    throw CoreError(.schema, "\(place): @\(name) must be an earlier column (columns are evaluated in order)")
                }
                return .column(index)
            case .literal(.string(let s)): return .text(intern(s))
            case .literal(.bool(let b)): return .bool(b)
            case .literal(.int(let i)): return .int(i)
            case .literal(.null): return .null
            case .coalesce(let parts): return .coalesce(try parts.map { try compile($0, column: column) })
            case .derive(let name, let arguments):
                guard let entry = Derivation.catalog[name] else {
                    throw CoreError(
                        .schema,
                        "\(place): unknown derivation derive:\(name); known: \(Derivation.catalog.keys.sorted().joined(separator: ", "))")
                }
                if let arity = entry.arity, arity != arguments.count {
                    throw CoreError(.schema, "\(place): derive:\(name) takes \(arity) argument(s), not \(arguments.count)")
                }
                func literalText(_ a: MappingExpression) throws -> String {
                    guard case .literal(.string(let s)) = a else {
                        throw CoreError(.schema, "\(place): derive:\(name) needs a quoted literal here, not \(a)")
                    }
                    return s
                }
                let compiled = try arguments.map { try compile($0, column: column) }
                let derivation: Derivation
                switch name {
                case "major": derivation = .major
                case "fx":
                    derivation = .fx
                    firstConversionColumn = min(firstConversionColumn ?? column, column)
                case "fx_rate":
                    derivation = .fxRate
                    if fxArguments != nil { throw CoreError(.schema, "\(place): only one derive:fx_rate per table") }
                    fxArguments = (compiled[0], compiled[1])
                case "fx_rate_date": derivation = .fxRateDate
                case "fx_status":
                    derivation = .fxStatus
                    for status in RowEvaluator.FXOutcome.allCases { _ = intern(status.text) }
                case "fx_reason": derivation = .fxReason
                case "reporting_currency": derivation = .reportingCurrency
                case "which":
                    let alternatives: [MappingExpression]
                    if case .coalesce(let parts) = arguments[0] { alternatives = parts } else { alternatives = [arguments[0]] }
                    derivation = .which(
                        try alternatives.map { alt in
                            guard case .path(_, let keys) = alt, let last = keys.last else {
                                throw CoreError(.schema, "\(place): derive:which takes paths")
                            }
                            return intern(last)
                        })
                case "map":
                    guard arguments.count >= 2 else { throw CoreError(.schema, "\(place): derive:map needs a value and 'from=to' pairs") }
                    derivation = .map(
                        try arguments.dropFirst().map { a in
                            let pair = try literalText(a).split(separator: "=", maxSplits: 1).map(String.init)
                            guard pair.count == 2 else { throw CoreError(.schema, "\(place): derive:map pairs are 'from=to'") }
                            return (Array(pair[0].utf8), intern(pair[1]))
                        })
                    return .derive(derivation, [compiled[0]])
                case "sum":
                    derivation = .sum(Array(try literalText(arguments[1]).utf8))
                    return .derive(derivation, [compiled[0]])
                case "net_of_inclusive_tax": derivation = .netOfInclusiveTax
                case "sum_except_type":
                    derivation = .sumExceptType(Array(try literalText(arguments[1]).utf8))
                    return .derive(derivation, [compiled[0]])
                case "tax_split":
                    let which = try literalText(arguments[1])
                    guard which == "inclusive" || which == "exclusive" else {
                        throw CoreError(.schema, "\(place): derive:tax_split takes 'inclusive' or 'exclusive'")
                    }
                    derivation = .taxSplit(inclusive: which == "inclusive")
                    return .derive(derivation, [compiled[0]])
                case "identity_key": derivation = .identityKey
                case "identity_key_source":
                    derivation = .identityKeySource
                    _ = intern("email"); _ = intern("id"); _ = intern(settings.identityKey)
                case "customer_deleted": derivation = .customerDeleted
                case "product_name": derivation = .productName
                case "subscription_status":
                    derivation = .subscriptionStatus
                    _ = intern("paused")
                case "effective_cancel_at": derivation = .effectiveCancelAt
                case "discounts": derivation = .discounts
                case "mrr":
                    derivation = .mrr
                    if mrrColumn != nil { throw CoreError(.schema, "\(place): only one derive:mrr per table") }
                    mrrColumn = column
                case "mrr_fx_date": derivation = .mrrFxDate
                case "mrr_status":
                    derivation = .mrrStatus
                    for status in MRRCalculator.Status.allCases { _ = intern(status.rawValue) }
                case "when":
                    derivation = .when(Array(try literalText(arguments[1]).utf8))
                    return .derive(derivation, [compiled[0], compiled[2]])
                case "whole": derivation = .whole
                case "discount_split":
                    let which = try literalText(arguments[1])
                    guard which == "temporary" || which == "permanent" else {
                        throw CoreError(.schema, "\(place): derive:discount_split takes 'temporary' or 'permanent'")
                    }
                    derivation = .discountSplit(permanent: which == "permanent")
                    return .derive(derivation, [compiled[0]])
                default: throw CoreError(.schema, "\(place): derive:\(name) is not implemented")
                }
                return .derive(derivation, compiled)
            }
        }

        var columns: [CompiledColumn] = []
        for (i, column) in schema.columns.enumerated() {
            let expression = try compile(parsed[i], column: i)
            var prefix: [UInt8] = i == 0 ? [UInt8(ascii: "{")] : [UInt8(ascii: ",")]
            var w = JSONWriter(capacity: 64)
            w.string(column.name)
            prefix += w.bytes + [UInt8(ascii: ":")]
            columns.append(
                CompiledColumn(
                    name: column.name, type: column.type, nullable: column.nullable, source: column.source,
                    expression: expression, keyPrefix: prefix))
        }
        if firstConversionColumn != nil, fxArguments == nil {
            throw CoreError(
                .schema, "\(schema.path): derive:fx needs a column with derive:fx_rate(currency, date) that sets the row's rate")
        }
        if let mrr = mrrColumn {
            for (i, column) in columns.enumerated() where i < mrr {
                if parsed[i].columnReferences.contains(names[mrr]) {
                    throw CoreError(.schema, "\(schema.path): column '\(column.name)' uses @\(names[mrr]) before it")
                }
            }
        }
        objectTrie.seal()
        unitTrie.seal()
        self.objectTrie = objectTrie
        self.unitTrie = unitTrie
        self.unitArraySlot = unitArraySlot
        self.idSlot = idSlot
        self.livemodeSlot = livemodeSlot
        self.unitIdSlot = unitIdSlot
        self.hasMoreSlot = hasMoreSlot
        self.totalCountSlot = totalCountSlot
        self.columns = columns
        self.texts = texts
        self.textStrings = textStrings
        self.fxArguments = fxArguments
        self.mrrColumn = mrrColumn
        self.reportingTextIndex = reportingTextIndex
        self.amountColumn = names.firstIndex(of: "amount")
        self.currencyColumn = names.firstIndex(of: "currency")
    }
}
