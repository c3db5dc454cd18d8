import Core
import JSON
import ModuleErrors
import Zstd

extension TransformStage {
    /// One table mapped into its temporary staging file, with its counts and quality entries.
    struct MappedTable {
        let counts: TableCounts
        /// Uncompressed bytes of the source stream.
        let inputBytes: Int
        let temporary: String
        let final: String
        let quality: [String: String]
    }

    /// Maps the source stream of `schema` into `staging/<run>/<table>` under its temporary name,
    /// writing its rejects. A table whose documents repeat a primary key is mapped a second time
    /// with the earlier copies rejected whole.
    func mapTable(_ schema: TableSchema, plan: TablePlan, runId: String, context: MappingContext) throws -> MappedTable {
        let final = paths.stagingFile(runId, table: schema.table)
        let temporary = AtomicFile.temporaryPath(for: final)
        // Lines rejected whole before mapping so that every primary key is written once (earlier
        // copies of a document, documents re-using a row id): found while mapping, so a table with
        // any is mapped a second time with them rejected (its first output is discarded).
        var losers: [Int: RowReject] = [:]
        var evaluator: RowEvaluator
        var extraEvaluators: [RowEvaluator] = []
        var counts = TableCounts()
        var tableBytes = 0
        while true {
            let mark = try context.rejects.checkpoint()
            evaluator = RowEvaluator(
                plan: plan, catalog: context.catalog, settings: context.settings, rates: context.rates, validateInput: options.validateInput
            )
            extraEvaluators = []
            counts = TableCounts()
            tableBytes = 0
            var keys = UniqueKeys(stream: schema.sourceStream, unit: plan.rowIdIsPrimaryKey ? plan.unit : nil)
            let writer = try ZstdFileWriter(path: temporary, level: options.zstdLevel, workers: options.compressionWorkers)
            let parallel = options.mappingThreads > 1 && schema.table != "customers" && evaluator.isDocumentIndependent
            if parallel, let path = context.rawPath(schema.sourceStream) {
                extraEvaluators = (1..<options.mappingThreads).map { _ in
                    RowEvaluator(
                        plan: plan, catalog: context.catalog, settings: context.settings, rates: context.rates,
                        validateInput: options.validateInput)
                }
                tableBytes = try mapInParallel(
                    path: path, evaluators: [evaluator] + extraEvaluators, table: schema.table,
                    stream: schema.sourceStream, losers: losers, keys: &keys, writer: writer, rejects: context.rejects, counts: &counts)
            } else if let path = context.rawPath(schema.sourceStream) {
                let reader = try ZstdLineReader(path: path)
                var deletedSeen = Set<String>()
                let isCustomers = schema.table == "customers"
                evaluator.recordsObjectIds = isCustomers && !context.catalog.deletedCustomers.isEmpty
                while let line = try reader.nextLine() {
                    tableBytes += line.count + 1
                    if line.isEmpty { continue }
                    counts.lines += 1
                    // A deleted stub retrieved for the facts that name it, when a customer.deleted
                    // event of the run holds the customer as it was: the event's copy (with its
                    // name, email, ...) is mapped below instead, once.
                    if isCustomers, !context.catalog.deletedCustomers.isEmpty, let id = Self.deletedStubId(line),
                        context.catalog.deletedCustomers[id] != nil
                    {
                        continue
                    }
                    evaluator.map(line: line, override: losers.isEmpty ? nil : losers[reader.lineNumber])
                    if evaluator.recordsObjectIds, let id = evaluator.mapped.objectId,
                        context.catalog.deletedCustomers[id] != nil
                    {
                        deletedSeen.insert(id)
                    }
                    if let key = evaluator.mapped.key {
                        keys.add(
                            line: reader.lineNumber, document: key, lineHash: evaluator.mapped.hash, rowKeys: evaluator.mapped.rowKeys[...],
                            text: line)
                    }
                    try collect(
                        evaluator, table: schema.table, stream: schema.sourceStream, line: reader.lineNumber,
                        writer: writer, rejects: context.rejects, counts: &counts)
                }
                if isCustomers {
                    for id in context.catalog.deletedCustomerOrder where !deletedSeen.contains(id) {
                        guard let (line, object) = context.catalog.deletedCustomers[id] else { continue }
                        try object.withUnsafeBytes { bytes in
                            let document = JSONDocument(bytes)
                            evaluator.forceDeleted = true
                            evaluator.map(object: try document.root(), in: document)
                            evaluator.forceDeleted = false
                            try collect(
                                evaluator, table: schema.table, stream: "events", line: line,
                                writer: writer, rejects: context.rejects, counts: &counts)
                        }
                    }
                }
            }
            if evaluator.out.count > 0 { try writer.write(evaluator.out.bytes); evaluator.out.removeAll() }
            try writer.close()
            let found = keys.losers()
            if found.isEmpty { break }
            guard losers.isEmpty else {
                throw TransformError(
                    .invariant,
                    "table \(schema.table): mapped again without the \(losers.count) documents that repeated a key, it still repeats \(found.count); this is a bug in the transform, nothing was published; please report it with the raw run"
                )
            }
            losers = found
            try context.rejects.rollback(to: mark)
        }
        // The raw side, independent of mapping: every object the raw manifest lists was read.
        if let entry = context.raw.streams[schema.sourceStream], counts.lines != entry.objects {
            throw Self.incompleteStream(
                schema.sourceStream, entry, read: counts.lines, rawDirectory: context.rawDirectory, manifest: context.rawManifestPath)
        }
        guard counts.rowsIn == counts.rowsOut + counts.rowsRejected else {
            throw TransformError(
                .invariant,
                "table \(schema.table): rows in \(counts.rowsIn) != rows out \(counts.rowsOut) + rows rejected \(counts.rowsRejected); this is a bug in the transform, nothing was published; please report it with the raw run"
            )
        }
        var quality: [String: String] = [:]
        for (code, n) in counts.byCode { quality["rejects.\(schema.table).\(code)"] = String(n) }
        if plan.amountColumn != nil {
            // Per currency code, summed over every evaluator that mapped rows of the table.
            var sums: [String: (exponent: Int, raw: Int128, staged: Int128)] = [:]
            for e in [evaluator] + extraEvaluators {
                for info in e.currencies.seen {
                    var entry = sums[info.code] ?? (info.exponent, 0, 0)
                    entry.raw += e.amounts.raw[info.serial]
                    entry.staged += e.amounts.staged[info.serial]
                    sums[info.code] = entry
                }
            }
            for (code, entry) in sums {
                let prefix = "\(schema.table).amount_sum.\(code)"
                quality[prefix + ".raw"] = ExactDecimal(units: entry.raw, scale: entry.exponent).description
                quality[prefix + ".staged"] = ExactDecimal(units: entry.staged, scale: entry.exponent).description
                quality[prefix + ".rejected"] = ExactDecimal(units: entry.raw - entry.staged, scale: entry.exponent).description
            }
            // Rows of damaged documents whose amount cannot be read: the raw side above lacks them.
            let unreadable = ([evaluator] + extraEvaluators).reduce(0) { $0 + $1.amounts.unreadableRows }
            if unreadable > 0 { quality["\(schema.table).amount_unreadable_rows"] = String(unreadable) }
        }
        if plan.fxArguments != nil {
            // Rows kept per conversion outcome (a missing rate never rejects a row).
            for outcome in RowEvaluator.FXOutcome.allCases {
                let n = ([evaluator] + extraEvaluators).reduce(0) { $0 + $1.fx.outcomeCounts[outcome.rawValue] }
                quality["\(schema.table).fx_status.\(outcome.text)"] = String(n)
            }
        }
        return MappedTable(counts: counts, inputBytes: tableBytes, temporary: temporary, final: final, quality: quality)
    }

    struct TableCounts {
        /// Non-empty raw lines read (objects of the stream).
        var lines = 0
        var rowsIn = 0
        var rowsOut = 0
        var rowsRejected = 0
        var byCode: [String: Int] = [:]
    }

    /// The id of a `{"id": ..., "deleted": true}` customer stub (any other line: nil).
    static func deletedStubId(_ line: UnsafeRawBufferPointer) -> String? {
        let document = JSONDocument(line)
        guard let root = try? document.root(validating: false), root.kind == .object,
            let deleted = (try? document.member(root, "deleted")) ?? nil, (try? document.bool(deleted)) == true,
            (try? document.member(root, "created")) ?? nil == nil,
            let id = (try? document.member(root, "id")) ?? nil, id.kind == .string
        else { return nil }
        return (try? document.string(id)) ?? nil
    }

    private func collect(
        _ evaluator: RowEvaluator, table: String, stream: String, line: Int,
        writer: ZstdFileWriter, rejects: RejectsFile, counts: inout TableCounts
    ) throws {
        counts.rowsIn += evaluator.mapped.unitsIn
        counts.rowsOut += evaluator.mapped.rowsOut
        if !evaluator.mapped.rejected.isEmpty {
            counts.rowsRejected += evaluator.mapped.rejected.count
            for r in evaluator.mapped.rejected {
                counts.byCode[r.reject.code.rawValue, default: 0] += 1
                try rejects.add(
                    table: table, stream: stream, objectId: r.objectId, itemId: r.unitId, line: line, code: r.reject.code.rawValue,
                    reason: r.reject.message)
            }
        }
        if evaluator.out.count >= 1 << 20 {
            try writer.write(evaluator.out.bytes)
            evaluator.out.removeAll()
        }
    }
}
