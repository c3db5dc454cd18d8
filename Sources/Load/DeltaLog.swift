import Core
import Foundation
import ModuleErrors

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The transaction log of one Delta Lake table (`<table>/_delta_log/<20-digit version>.json`),
/// following delta-io's PROTOCOL.md at reader version 1 / writer version 2: newline-delimited
/// JSON actions (`commitInfo`, `protocol`, `metaData`, `add`, `remove`), one file per version,
/// created atomically and never replaced (a second writer of the same version fails).
struct DeltaLog {
    /// A data file of the table's current snapshot (its latest `add` not followed by a `remove`).
    struct ActiveFile: Equatable {
        var path: String
        var partitionValues: [String: String?]
        var size: Int
    }

    /// What replaying the log gives.
    struct Snapshot {
        var version: Int?
        var files: [String: ActiveFile] = [:]
        var schemaString: String?
        var partitionColumns: [String] = []
        var tableId: String?
        /// The `commitInfo` of the latest version, as written.
        var lastCommitInfo: [String: Any] = [:]
    }

    let tableDirectory: String
    var logDirectory: String { tableDirectory + "/_delta_log" }

    static func fileName(_ version: Int) -> String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".json"
    }

    /// Replays every commit in version order (we write no checkpoints).
    func snapshot() throws -> Snapshot {
        var snapshot = Snapshot()
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: logDirectory)) ?? [])
            .filter { $0.count == 25 && $0.hasSuffix(".json") && Int($0.prefix(20)) != nil }.sorted()
        for (expected, name) in names.enumerated() {
            guard let version = Int(name.prefix(20)), version == expected else {
                throw LoadError(
                    .io,
                    "\(logDirectory) has \(name) but no version \(expected) before it: the Delta log is incomplete; restore it or move the table away"
                )
            }
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: logDirectory + "/" + name)) } catch {
                throw LoadError(.io, "cannot read \(logDirectory)/\(name)", cause: error)
            }
            snapshot.version = version
            snapshot.lastCommitInfo = [:]
            for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
                guard let action = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                    throw LoadError(.io, "\(logDirectory)/\(name): a line is not a JSON object; the Delta log is damaged")
                }
                if let add = action["add"] as? [String: Any], let path = add["path"] as? String {
                    let values = (add["partitionValues"] as? [String: Any] ?? [:]).mapValues { $0 as? String }
                    snapshot.files[path] = ActiveFile(path: path, partitionValues: values, size: (add["size"] as? NSNumber)?.intValue ?? 0)
                } else if let remove = action["remove"] as? [String: Any], let path = remove["path"] as? String {
                    snapshot.files[path] = nil
                } else if let metaData = action["metaData"] as? [String: Any] {
                    snapshot.schemaString = metaData["schemaString"] as? String
                    snapshot.partitionColumns = metaData["partitionColumns"] as? [String] ?? []
                    snapshot.tableId = metaData["id"] as? String
                } else if let info = action["commitInfo"] as? [String: Any] {
                    snapshot.lastCommitInfo = info
                }
            }
        }
        return snapshot
    }

    /// Writes version `version` from `actions` (one JSON object each): to a temporary file, made
    /// durable, then linked to its final name, which fails if another writer got there first.
    func commit(version: Int, actions: [[String: Any]]) throws {
        try AtomicFile.createDirectory(logDirectory)
        var bytes: [UInt8] = []
        for action in actions {
            let data = try JSONSerialization.data(withJSONObject: action, options: [.sortedKeys, .withoutEscapingSlashes])
            bytes.append(contentsOf: data)
            bytes.append(10)
        }
        let final = logDirectory + "/" + Self.fileName(version)
        let temporary = logDirectory + "/.\(Self.fileName(version)).\(getpid()).tmp"
        _ = unlink(temporary)
        try AtomicFile.write(bytes, to: temporary)
        defer { _ = unlink(temporary) }
        guard link(temporary, final) == 0 else {
            let reason = String(cString: strerror(errno))
            throw LoadError(
                .io, "cannot commit \(final) (\(reason)); if it exists, another writer committed version \(version) first: re-run the load")
        }
        AtomicFile.syncDirectory(of: final)
    }

    /// The Delta schema string (Spark's struct JSON) of a table: its columns, then the partition column.
    static func schemaString(_ table: TableSchema, partitionColumn: String, partitionBy: PartitionSpec.Granularity) throws -> String {
        var fields: [[String: Any]] = table.columns.map { column in
            ["name": column.name, "type": deltaType(column.type), "nullable": column.nullable, "metadata": ["comment": column.description]]
        }
        let partitionType: String
        switch partitionBy {
        case .day, .snapshot: partitionType = "date"
        case .month: partitionType = "string"
        case .year: partitionType = "integer"
        }
        // Nullable: an empty fact table's schema-only file sits in the null partition.
        fields.append(["name": partitionColumn, "type": partitionType, "nullable": true, "metadata": [String: String]()])
        let data = try JSONSerialization.data(
            withJSONObject: ["type": "struct", "fields": fields], options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    static func deltaType(_ type: ColumnType) -> String {
        switch type {
        case .string, .json: return "string"
        case .int64: return "long"
        case .decimal(let precision, let scale): return "decimal(\(precision),\(scale))"
        case .bool: return "boolean"
        case .timestamp: return "timestamp"
        case .date: return "date"
        }
    }
}
