import Core
import Foundation
import JSON
import ModuleErrors

/// `staging/<run_id>/rejects.ndjson`, written under its temporary name: one JSON object per rejected
/// unit with table (null for a line of a lookup stream: products, coupons, events), stream,
/// object_id, item_id (the line or item), line (1-based line of the raw file), code and reason.
final class RejectsFile {
    let temporaryPath: String
    private let handle: FileHandle
    private var writer = JSONWriter(capacity: 1 << 16)
    private var countsByCode: [String: Int] = [:]
    private(set) var count = 0
    /// Bytes written to the file so far.
    private var written: UInt64 = 0

    /// A point to come back to: what the file held when a table started.
    struct Checkpoint {
        fileprivate let count: Int
        fileprivate let bytes: UInt64
        fileprivate let countsByCode: [String: Int]
    }

    init(path: String) throws {
        temporaryPath = AtomicFile.temporaryPath(for: path)
        try AtomicFile.createParentDirectory(of: path)
        guard FileManager.default.createFile(atPath: temporaryPath, contents: nil),
            let handle = FileHandle(forWritingAtPath: temporaryPath)
        else {
            throw TransformError(.output, "cannot create \(temporaryPath)")
        }
        self.handle = handle
    }

    func add(table: String?, stream: String, objectId: String?, itemId: String?, line: Int, code: String, reason: String) throws {
        writer.beginObject()
        writer.key("table"); if let table { writer.string(table) } else { writer.null() }
        writer.key("stream"); writer.string(stream)
        writer.key("object_id"); if let objectId { writer.string(objectId) } else { writer.null() }
        writer.key("item_id"); if let itemId { writer.string(itemId) } else { writer.null() }
        writer.key("line"); writer.int64(Int64(line))
        writer.key("code"); writer.string(code)
        writer.key("reason"); writer.string(reason)
        writer.endObject()
        writer.newline()
        count += 1
        countsByCode[code, default: 0] += 1
        if writer.bytes.count >= 1 << 16 { try flush() }
    }

    private func flush() throws {
        guard !writer.bytes.isEmpty else { return }
        do { try handle.write(contentsOf: writer.bytes) } catch {
            throw TransformError(.output, "cannot write \(temporaryPath)", cause: error)
        }
        written += UInt64(writer.bytes.count)
        writer.reset()
    }

    func checkpoint() throws -> Checkpoint {
        try flush()
        return Checkpoint(count: count, bytes: written, countsByCode: countsByCode)
    }

    /// Forgets every entry added since `checkpoint` (a table mapped again).
    func rollback(to checkpoint: Checkpoint) throws {
        writer.reset()
        do {
            try handle.truncate(atOffset: checkpoint.bytes)
            try handle.seekToEnd()
        } catch {
            throw TransformError(.output, "cannot truncate \(temporaryPath)", cause: error)
        }
        written = checkpoint.bytes
        count = checkpoint.count
        countsByCode = checkpoint.countsByCode
    }

    func close() throws {
        try flush()
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw TransformError(.output, "cannot close \(temporaryPath)", cause: error)
        }
    }

    /// `code=count` for the most frequent reject codes, most frequent first ("none" without rejects).
    func topReasons(limit: Int) -> String {
        guard !countsByCode.isEmpty else { return "none" }
        return countsByCode.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(limit)
            .map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }
}
