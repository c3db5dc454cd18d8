import Digest
import Foundation
import ModuleErrors

/// The type of a table column, as spelled in schemas/*.json.
public enum ColumnType: Equatable, Hashable, Sendable, CustomStringConvertible {
    case string
    case int64
    case decimal(precision: Int, scale: Int)
    case bool
    /// UTC, microsecond precision.
    case timestamp
    case date
    case json

    public init(parsing text: String) throws {
        switch text {
        case "string": self = .string
        case "int64": self = .int64
        case "bool": self = .bool
        case "timestamp": self = .timestamp
        case "date": self = .date
        case "json": self = .json
        default:
            let body = text.dropFirst("decimal(".count).dropLast()
            let parts = body.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard text.hasPrefix("decimal("), text.hasSuffix(")"), parts.count == 2,
                let precision = Int(parts[0]), let scale = Int(parts[1]),
                (1...38).contains(precision), (0...precision).contains(scale)
            else {
                throw CoreError(
                    .schema, "unknown column type '\(text)'; use string, int64, decimal(P,S) with P <= 38, bool, timestamp, date or json")
            }
            self = .decimal(precision: precision, scale: scale)
        }
    }

    public var description: String {
        switch self {
        case .string: "string"
        case .int64: "int64"
        case .decimal(let p, let s): "decimal(\(p),\(s))"
        case .bool: "bool"
        case .timestamp: "timestamp"
        case .date: "date"
        case .json: "json"
        }
    }
}

/// One column of a table: the contract for its name, type, nullability and Stripe source.
public struct ColumnSchema: Sendable, Equatable {
    public let name: String
    public let type: ColumnType
    public let nullable: Bool
    public let description: String
    /// Where the value comes from: Stripe field path(s) or a derivation, in the mapping grammar.
    public let source: String
    /// Any further keys of the column object (mapping hints), as raw JSON-compatible values.
    public let attributes: [String: String]
}

/// How a table's files are split into Hive-style partitions.
public struct PartitionSpec: Sendable, Equatable {
    public enum Granularity: String, Sendable, CaseIterable {
        case day, month, year
        /// Dimension tables: one partition per run, named by the run's snapshot date.
        case snapshot
    }

    /// The partition directory name (`<column>=<value>`).
    public let column: String
    public let by: Granularity
    /// For day/month/year: the date or timestamp column the value is derived from.
    public let sourceColumn: String?
}

/// A table's contract, read from schemas/<table>.json: the single source of truth for columns.
public struct TableSchema: Sendable, Equatable {
    public let table: String
    public let description: String
    public let sourceStream: String
    public let primaryKey: [String]
    public let partition: PartitionSpec
    public let columns: [ColumnSchema]
    /// sha256 of the schema file's bytes: recorded in manifests.
    public let hash: String
    public let path: String

    public func column(named name: String) -> ColumnSchema? { columns.first { $0.name == name } }
    public func index(ofColumn name: String) -> Int? { columns.firstIndex { $0.name == name } }

    /// Parses one schema file.
    public static func load(path: String) throws -> TableSchema {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CoreError(.schema, "cannot read schema \(path)", cause: error)
        }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw CoreError(.schema, "schema \(path) is not valid JSON", cause: error)
        }
        guard let root = object as? [String: Any] else { throw CoreError(.schema, "schema \(path): the top level must be an object") }
        func string(_ key: String, in dict: [String: Any], at place: String) throws -> String {
            guard let value = dict[key] as? String else { throw CoreError(.schema, "schema \(path): \(place) needs a string '\(key)'") }
            return value
        }
        let table = try string("table", in: root, at: "the table")
        guard let columnList = root["columns"] as? [[String: Any]], !columnList.isEmpty else {
            throw CoreError(.schema, "schema \(path): 'columns' must be a non-empty array of objects")
        }
        var columns: [ColumnSchema] = []
        var seen = Set<String>()
        for (i, column) in columnList.enumerated() {
            let place = "column \(i + 1)"
            let name = try string("name", in: column, at: place)
            guard seen.insert(name).inserted else { throw CoreError(.schema, "schema \(path): column '\(name)' appears twice") }
            let type: ColumnType
            do { type = try ColumnType(parsing: try string("type", in: column, at: "column '\(name)'")) } catch let error as CoreError {
                throw CoreError(.schema, "schema \(path): column '\(name)': \(error.message)")
            }
            guard let nullable = column["nullable"] as? Bool else {
                throw CoreError(.schema, "schema \(path): column '\(name)' needs a boolean 'nullable'")
            }
            let description = try string("description", in: column, at: "column '\(name)'")
            let source = try string("source", in: column, at: "column '\(name)'")
            var attributes: [String: String] = [:]
            for (key, value) in column where !["name", "type", "nullable", "description", "source"].contains(key) {
                if let text = value as? String {
                    attributes[key] = text
                } else if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) {
                    attributes[key] = String(decoding: data, as: UTF8.self)
                }
            }
            columns.append(
                ColumnSchema(name: name, type: type, nullable: nullable, description: description, source: source, attributes: attributes))
        }
        guard let keys = root["primary_key"] as? [String], !keys.isEmpty else {
            throw CoreError(.schema, "schema \(path): 'primary_key' must be a non-empty array of column names")
        }
        for key in keys where !seen.contains(key) {
            throw CoreError(.schema, "schema \(path): primary key column '\(key)' is not a column")
        }
        guard let partitionObject = root["partition"] as? [String: Any] else {
            throw CoreError(.schema, "schema \(path): 'partition' must be an object with 'column' and 'by'")
        }
        let partitionColumn = try string("column", in: partitionObject, at: "partition")
        let byText = try string("by", in: partitionObject, at: "partition")
        guard let by = PartitionSpec.Granularity(rawValue: byText) else {
            throw CoreError(.schema, "schema \(path): partition 'by' is '\(byText)'; use day, month, year or snapshot")
        }
        let sourceColumn = partitionObject["source_column"] as? String
        if by != .snapshot {
            guard let sourceColumn, seen.contains(sourceColumn) else {
                throw CoreError(.schema, "schema \(path): partition by \(byText) needs 'source_column' naming a date or timestamp column")
            }
        }
        return TableSchema(
            table: table,
            description: (root["description"] as? String) ?? "",
            sourceStream: try string("source_stream", in: root, at: "the table"),
            primaryKey: keys,
            partition: PartitionSpec(column: partitionColumn, by: by, sourceColumn: sourceColumn),
            columns: columns,
            hash: SHA256.hex([UInt8](data)),
            path: path
        )
    }
}

/// All tables of schemas/, in a fixed order.
public struct SchemaSet: Sendable {
    public static let tableOrder = ["customers", "prices", "subscriptions", "invoice_lines", "credit_note_lines"]
    public let tables: [TableSchema]
    public let directory: String

    public func table(_ name: String) -> TableSchema? { tables.first { $0.table == name } }

    /// Loads every `*.json` in `directory`; the known tables come first in `tableOrder`.
    public static func load(directory: String) throws -> SchemaSet {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw CoreError(.schema, "cannot list schema directory \(directory); pass --schemas or run from the project root", cause: error)
        }
        var tables: [TableSchema] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            let schema = try TableSchema.load(path: directory + "/" + name)
            guard schema.table + ".json" == name else {
                throw CoreError(.schema, "schema \(directory)/\(name) declares table '\(schema.table)'; the file name and table must agree")
            }
            tables.append(schema)
        }
        tables.sort { (tableOrder.firstIndex(of: $0.table) ?? 99, $0.table) < (tableOrder.firstIndex(of: $1.table) ?? 99, $1.table) }
        return SchemaSet(tables: tables, directory: directory)
    }
}
