import Core
import JSON
import Parquet
#if canImport(Glibc)
import Glibc
#endif

/// Reads one staging NDJSON row (CONTRACTS.md "Staging row encoding") column by column.
///
/// `parse` finds every column's value in one pass over the line; the accessors then decode single
/// values. Nothing is copied unless a string holds escapes. Values are only valid until the next
/// `parse`, and only while the line's bytes are.
struct StagingRowDecoder {
    let table: TableSchema
    let file: String
    private let keys: JSONKeySet
    private var document = JSONDocument(UnsafeRawBufferPointer(start: nil, count: 0))
    private var values: [JSONValue?] = []
    private var unescaped: [UInt8] = []
    private(set) var lineNumber = 0

    init(table: TableSchema, file: String) {
        self.table = table
        self.file = file
        keys = JSONKeySet(table.columns.map(\.name))
    }

    mutating func parse(_ line: UnsafeRawBufferPointer, lineNumber: Int) throws {
        self.lineNumber = lineNumber
        document = JSONDocument(line)
        do {
            let root = try document.root(validating: false)
            guard root.kind == .object else { throw failure(nil, "the row is not a JSON object") }
            try document.members(root, keys, into: &values)
        } catch let error as LoadError {
            throw error
        } catch {
            throw LoadError(.badRow, "\(file) line \(lineNumber): not a JSON object row", cause: error)
        }
        for index in values.indices where values[index] == nil {
            throw failure(index, "the key is missing (staging rows carry every schema column)")
        }
    }

    @inline(__always)
    private func value(_ column: Int) -> JSONValue {
        // parse() proved every column present.
        values[column]!
    }

    func isNull(_ column: Int) -> Bool { value(column).kind == .null }

    /// The raw JSON text of the value (strings with their quotes).
    func raw(_ column: Int) -> UnsafeRawBufferPointer { document.bytes(value(column)) }

    /// The raw, still-escaped text between a string's quotes.
    func rawString(_ column: Int) throws -> UnsafeRawBufferPointer {
        let v = value(column)
        guard v.kind == .string else { throw failure(column, "expected a JSON string, found \(kindName(v))") }
        return document.stringBytes(v)
    }

    /// A string column's UTF-8 bytes with escapes resolved.
    mutating func withString<T>(_ column: Int, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        let text = try rawString(column)
        if text.isEmpty || memchr(text.baseAddress!, 0x5C, text.count) == nil { return try body(text) }
        let decoded: String
        do { decoded = try document.string(value(column)) ?? "" } catch {
            throw LoadError(.badRow, "\(file) line \(lineNumber): column '\(table.columns[column].name)': invalid string escape", cause: error)
        }
        unescaped.removeAll(keepingCapacity: true)
        unescaped.append(contentsOf: decoded.utf8)
        return try unescaped.withUnsafeBytes { try body($0) }
    }

    func int64(_ column: Int) throws -> Int64 {
        do {
            if let number = try document.int64(value(column)) { return number }
        } catch {
            throw LoadError(.badRow, "\(file) line \(lineNumber): column '\(table.columns[column].name)': expected an integer", cause: error)
        }
        throw failure(column, "unexpected null")
    }

    func bool(_ column: Int) throws -> Bool {
        let v = value(column)
        guard v.kind == .bool else { throw failure(column, "expected true or false, found \(kindName(v))") }
        return document.bytes(v).first == UInt8(ascii: "t")
    }

    func decimal(_ column: Int, scale: Int) throws -> ParquetDecimal {
        let text = try rawString(column)
        do { return try ParquetDecimal(parsing: text, scale: scale) } catch {
            throw failure(column, "'\(String(decoding: text, as: UTF8.self))' is not a decimal with at most \(scale) fraction digits")
        }
    }

    /// Microseconds since the epoch of "YYYY-MM-DDTHH:MM:SS[.ffffff]Z".
    func timestampMicros(_ column: Int) throws -> Int64 {
        let text = try rawString(column)
        guard let micros = StagingTime.parseTimestamp(text) else {
            throw failure(column, "'\(String(decoding: text, as: UTF8.self))' is not a timestamp YYYY-MM-DDTHH:MM:SS.ffffffZ")
        }
        return micros
    }

    /// Days since 1970-01-01 of "YYYY-MM-DD".
    func days(_ column: Int) throws -> Int32 {
        let text = try rawString(column)
        guard let days = StagingTime.parseDate(text) else {
            throw failure(column, "'\(String(decoding: text, as: UTF8.self))' is not a date YYYY-MM-DD")
        }
        return days
    }

    func failure(_ column: Int?, _ message: String) -> LoadError {
        let place = column.map { " column '\(table.columns[$0].name)'" } ?? ""
        return LoadError(.badRow, "\(file) line \(lineNumber):\(place): \(message)")
    }

    private func kindName(_ value: JSONValue) -> String {
        switch value.kind {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }
}
