import Core
import Zstd

extension TransformStage {
    /// One batch of consecutive raw lines and, once mapped, its rows and rejects: a value that
    /// moves to a worker and back (its arrays keep their capacity from batch to batch).
    struct MapBatch: Sendable {
        var input: [UInt8] = []
        var lineEnds: [Int] = []
        var lineNumbers: [Int] = []
        /// Lines rejected whole before mapping (earlier copies of duplicated documents), by index.
        var overrides: [Int: RowReject] = [:]
        /// Documents whose rows were written: line index, id, text hash and the end of their row keys.
        var written: [(index: Int, key: UniqueKeys.Key, hash: UInt64, keysEnd: Int)] = []
        var rowKeys: [UInt64] = []
        var out: [UInt8] = []
        var rejected: [(line: Int, reject: RowEvaluator.Rejected)] = []
        var rowsIn = 0
        var rowsOut = 0

        static let targetBytes = 1 << 20

        init() {
            input.reserveCapacity(MapBatch.targetBytes + (1 << 16))
            out.reserveCapacity(1 << 16)
        }

        mutating func reset() {
            input.removeAll(keepingCapacity: true)
            lineEnds.removeAll(keepingCapacity: true)
            lineNumbers.removeAll(keepingCapacity: true)
            overrides.removeAll()
            written.removeAll(keepingCapacity: true)
            rowKeys.removeAll(keepingCapacity: true)
            out.removeAll(keepingCapacity: true)
            rejected.removeAll(keepingCapacity: true)
            rowsIn = 0
            rowsOut = 0
        }

        /// The text of line `index` of the batch.
        func withLine<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            let start = index == 0 ? 0 : lineEnds[index - 1]
            return try input.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<lineEnds[index]])) }
        }

        /// Maps every line with `evaluator` (on the worker that owns it).
        mutating func map(with evaluator: RowEvaluator) {
            evaluator.out.removeAll()
            input.withUnsafeBytes { input in
                var start = 0
                for (i, end) in lineEnds.enumerated() {
                    evaluator.map(
                        line: UnsafeRawBufferPointer(rebasing: input[start..<end]),
                        override: overrides.isEmpty ? nil : overrides[i])
                    start = end
                    rowsIn += evaluator.mapped.unitsIn
                    rowsOut += evaluator.mapped.rowsOut
                    for r in evaluator.mapped.rejected { rejected.append((lineNumbers[i], r)) }
                    if let key = evaluator.mapped.key {
                        rowKeys.append(contentsOf: evaluator.mapped.rowKeys)
                        written.append((i, key, evaluator.mapped.hash, rowKeys.count))
                    }
                    // Between documents: the evaluator's buffer stays small (one copy lives in the batch).
                    if evaluator.out.count >= 1 << 16 {
                        out.appendBytes(evaluator.out.bytes)
                        evaluator.out.removeAll()
                    }
                }
            }
            out.appendBytes(evaluator.out.bytes)
            evaluator.out.removeAll()
        }
    }

    /// Maps a stream on `evaluators.count` worker threads (`OrderedWorkers`, each owning one
    /// evaluator): the calling thread reads and decompresses lines into batches, batch k goes to
    /// worker k mod n, and batches are written and their rejects recorded strictly in input order.
    /// At most 2n batches are in flight, so memory stays flat. Returns the stream's uncompressed
    /// bytes; the evaluators are back with the caller (their sums complete) when it returns.
    func mapInParallel(
        path: String, evaluators: [RowEvaluator], table: String, stream: String,
        losers: [Int: RowReject], keys: inout UniqueKeys, writer: ZstdFileWriter, rejects: RejectsFile, counts: inout TableCounts
    ) throws -> Int {
        let workers = OrderedWorkers<RowEvaluator, MapBatch>(states: evaluators) { evaluator, batch in
            batch.map(with: evaluator)
        }
        // Every submitted batch is mapped, also after a failure, before the evaluators are used again.
        defer { _ = workers.finish() }
        var free: [MapBatch] = (0..<(2 * evaluators.count)).map { _ in MapBatch() }
        var inFlight = 0
        var bytes = 0
        var failure: (any Error)?

        func drainOldest() throws {
            inFlight -= 1
            var batch = try workers.next()
            defer { batch.reset(); free.append(batch) }
            if failure != nil { return }
            counts.rowsIn += batch.rowsIn
            counts.rowsOut += batch.rowsOut
            counts.rowsRejected += batch.rejected.count
            for (line, r) in batch.rejected {
                counts.byCode[r.reject.code.rawValue, default: 0] += 1
                try rejects.add(
                    table: table, stream: stream, objectId: r.objectId, itemId: r.unitId, line: line,
                    code: r.reject.code.rawValue, reason: r.reject.message)
            }
            if !batch.out.isEmpty { try batch.out.withUnsafeBytes { try writer.write($0) } }
            var keysStart = 0
            for w in batch.written {
                batch.withLine(w.index) { text in
                    keys.add(
                        line: batch.lineNumbers[w.index], document: w.key, lineHash: w.hash, rowKeys: batch.rowKeys[keysStart..<w.keysEnd],
                        text: text)
                }
                keysStart = w.keysEnd
            }
        }
        func next() throws -> MapBatch {
            if free.isEmpty { try drainOldest() }
            return free.removeLast()
        }

        do {
            let reader = try ZstdLineReader(path: path)
            var batch = try next()
            while let line = try reader.nextLine() {
                bytes += line.count + 1
                if line.isEmpty { continue }
                counts.lines += 1
                batch.input.appendBytes(line)
                batch.lineEnds.append(batch.input.count)
                batch.lineNumbers.append(reader.lineNumber)
                if !losers.isEmpty, let reject = losers[reader.lineNumber] { batch.overrides[batch.lineEnds.count - 1] = reject }
                if batch.input.count >= MapBatch.targetBytes {
                    var full = try next()
                    swap(&full, &batch)
                    workers.submit(full)
                    inFlight += 1
                }
            }
            if !batch.lineEnds.isEmpty {
                workers.submit(batch)
                inFlight += 1
            }
        } catch {
            failure = error
        }
        while inFlight > 0 {
            do { try drainOldest() } catch { if failure == nil { failure = error } }
        }
        if let failure { throw failure }
        return bytes
    }
}
