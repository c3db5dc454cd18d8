import Core
import JSON
import ModuleErrors
import Parquet

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads one staging NDJSON row (CONTRACTS.md "Staging row encoding") column by column.
///
/// `parse` finds every column's value in one pass over the line: staging rows carry the schema's
/// keys in schema order, so the fast path just checks each expected `"key":` in turn and finds the
/// value's end; any other shape (reordered keys, whitespace, extra keys) takes the general JSON
/// walk, which accepts every valid object and names what is wrong with an invalid one. The
/// accessors then decode single values. Nothing is copied unless a string holds escapes. Values
/// are only valid until the next `parse`, and only while the line's bytes are.
struct StagingRowDecoder {
    let table: TableSchema
    let file: String
    private let keys: JSONKeySet
    /// `"name":` of every column, concatenated, and where each starts.
    private let keyPatterns: [UInt8]
    private let keyOffsets: [Int]
    private var line = UnsafeRawBufferPointer(start: nil, count: 0)
    /// Value ranges in `line` (strings with their quotes).
    private var starts: [Int]
    private var ends: [Int]
    private var found: [JSONValue?] = []
    private var unescaped: [UInt8] = []
    private(set) var lineNumber = 0

    init(table: TableSchema, file: String) {
        self.table = table
        self.file = file
        keys = JSONKeySet(table.columns.map(\.name))
        var patterns: [UInt8] = []
        var offsets: [Int] = [0]
        for column in table.columns {
            patterns.append(UInt8(ascii: "\""))
            patterns.append(contentsOf: column.name.utf8)
            patterns.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
            offsets.append(patterns.count)
        }
        keyPatterns = patterns
        keyOffsets = offsets
        starts = Array(repeating: 0, count: table.columns.count)
        ends = Array(repeating: 0, count: table.columns.count)
    }

    mutating func parse(_ line: UnsafeRawBufferPointer, lineNumber: Int) throws {
        self.lineNumber = lineNumber
        self.line = line
        if scanInSchemaOrder() { return }
        let document = JSONDocument(line)
        do {
            let root = try document.root(validating: false)
            guard root.kind == .object else { throw failure(nil, "the row is not a JSON object") }
            try document.members(root, keys, into: &found)
        } catch let error as LoadError {
            throw error
        } catch {
            throw LoadError(.badRow, "\(file) line \(lineNumber): not a JSON object row", cause: error)
        }
        for index in found.indices {
            guard let value = found[index] else {
                throw failure(index, "the key is missing (staging rows carry every schema column)")
            }
            starts[index] = value.start
            ends[index] = value.end
        }
    }

    /// The fast path: `{"c1":v1,"c2":v2,...}` exactly, keys in schema order. False when the line
    /// has any other shape (the caller then takes the general walk); never reads out of bounds.
    private mutating func scanInSchemaOrder() -> Bool {
        guard let base = line.baseAddress?.assumingMemoryBound(to: UInt8.self), line.count >= 2,
            base[0] == UInt8(ascii: "{")
        else { return false }
        let count = line.count
        var i = 1
        let columns = starts.count
        return keyPatterns.withUnsafeBufferPointer { patterns in
            keyOffsets.withUnsafeBufferPointer { offsets in
                starts.withUnsafeMutableBufferPointer { starts in
                    ends.withUnsafeMutableBufferPointer { ends in
                        for column in 0..<columns {
                            if column > 0 {
                                guard i < count, base[i] == UInt8(ascii: ",") else { return false }
                                i += 1
                            }
                            let keyLength = offsets[column + 1] - offsets[column]
                            guard count - i > keyLength,
                                memcmp(base + i, patterns.baseAddress! + offsets[column], keyLength) == 0
                            else { return false }
                            i += keyLength
                            starts[column] = i
                            guard let end = StagingRowDecoder.valueEnd(base, i, count) else { return false }
                            ends[column] = end
                            i = end
                        }
                        return i + 1 == count && base[i] == UInt8(ascii: "}")
                    }
                }
            }
        }
    }

    /// One past the end of the compact JSON value starting at `i`, or nil when it is not one.
    @inline(__always)
    private static func valueEnd(_ base: UnsafePointer<UInt8>, _ start: Int, _ count: Int) -> Int? {
        guard start < count else { return nil }
        switch base[start] {
        case UInt8(ascii: "\""):
            return stringEnd(base, start + 1, count)
        case UInt8(ascii: "n"):
            return literal(base, start, count, 0x6C6C_756E, 4) // "null"
        case UInt8(ascii: "t"):
            return literal(base, start, count, 0x6575_7274, 4) // "true"
        case UInt8(ascii: "f"):
            guard start + 5 <= count, base[start + 4] == UInt8(ascii: "e") else { return nil }
            return literal(base, start, count, 0x736C_6166, 5) // "fals" + "e"
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            return containerEnd(base, start, count)
        default:
            var i = start
            while i < count {
                let c = base[i]
                if c == UInt8(ascii: ",") || c == UInt8(ascii: "}") { break }
                guard
                    (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+")
                        || c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
                else { return nil }
                i += 1
            }
            return i > start ? i : nil
        }
    }

    @inline(__always)
    private static func literal(_ base: UnsafePointer<UInt8>, _ start: Int, _ count: Int, _ word: UInt32, _ length: Int) -> Int? {
        guard start + 4 <= count,
            UnsafeRawPointer(base + start).loadUnaligned(as: UInt32.self) == UInt32(littleEndian: word)
        else { return nil }
        return start + length
    }

    /// One past the closing quote of the string whose contents start at `i`.
    @inline(__always)
    private static func stringEnd(_ base: UnsafePointer<UInt8>, _ contentStart: Int, _ count: Int) -> Int? {
        var i = contentStart
        while i < count {
            guard let hit = memchr(base + i, Int32(UInt8(ascii: "\"")), count - i) else { return nil }
            let quote = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
            var backslashes = 0
            while quote - backslashes - 1 >= contentStart && base[quote - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
            if backslashes % 2 == 0 { return quote + 1 }
            i = quote + 1
        }
        return nil
    }

    /// One past the bracket closing the object or array at `start` (strings skipped).
    private static func containerEnd(_ base: UnsafePointer<UInt8>, _ start: Int, _ count: Int) -> Int? {
        var depth = 0
        var i = start
        while i < count {
            switch base[i] {
            case UInt8(ascii: "\""):
                guard let end = stringEnd(base, i + 1, count) else { return nil }
                i = end
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return i + 1 }
            default:
                break
            }
            i += 1
        }
        return nil
    }

    @inline(__always)
    private func firstByte(_ column: Int) -> UInt8 { line[starts[column]] }

    func isNull(_ column: Int) -> Bool { firstByte(column) == UInt8(ascii: "n") }

    /// The raw JSON text of the value (strings with their quotes).
    func raw(_ column: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: line[starts[column]..<ends[column]])
    }

    /// The raw, still-escaped text between a string's quotes.
    func rawString(_ column: Int) throws -> UnsafeRawBufferPointer {
        guard firstByte(column) == UInt8(ascii: "\"") else { throw failure(column, "expected a JSON string, found \(kindName(column))") }
        return UnsafeRawBufferPointer(rebasing: line[(starts[column] + 1)..<(ends[column] - 1)])
    }

    /// A string column's UTF-8 bytes with escapes resolved.
    mutating func withString<T>(_ column: Int, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        let text = try rawString(column)
        if text.isEmpty || memchr(text.baseAddress!, 0x5C, text.count) == nil { return try body(text) }
        let decoded: String
        do {
            let document = JSONDocument(raw(column))
            decoded = try document.string(try document.root()) ?? ""
        } catch {
            throw LoadError(
                .badRow, "\(file) line \(lineNumber): column '\(table.columns[column].name)': invalid string escape", cause: error)
        }
        unescaped.removeAll(keepingCapacity: true)
        unescaped.append(contentsOf: decoded.utf8)
        return try unescaped.withUnsafeBytes { try body($0) }
    }

    func int64(_ column: Int) throws -> Int64 {
        let text = raw(column)
        if let value = StagingRowDecoder.parseInt64(text) { return value }
        if isNull(column) { throw failure(column, "unexpected null") }
        do {
            let document = JSONDocument(text)
            if let number = try document.int64(try document.root()) { return number }
        } catch {
            throw LoadError(
                .badRow, "\(file) line \(lineNumber): column '\(table.columns[column].name)': expected an integer", cause: error)
        }
        throw failure(column, "expected an integer")
    }

    /// `-?[0-9]+` within Int64, else nil (the caller then explains what is wrong).
    @inline(__always)
    static func parseInt64(_ text: UnsafeRawBufferPointer) -> Int64? {
        var i = 0
        let count = text.count
        let negative = count > 0 && text[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        guard i < count, count - i <= 19 else { return nil }
        var magnitude: UInt64 = 0
        while i < count {
            let digit = text[i] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            magnitude = magnitude &* 10 &+ UInt64(digit)
            i += 1
        }
        if negative { return magnitude <= UInt64(Int64.max) + 1 ? Int64(bitPattern: 0 &- magnitude) : nil }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    func bool(_ column: Int) throws -> Bool {
        switch firstByte(column) {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        default: throw failure(column, "expected true or false, found \(kindName(column))")
        }
    }

    func decimal(_ column: Int, scale: Int) throws -> ParquetDecimal {
        let text = try rawString(column)
        if let unscaled = StagingRowDecoder.parseSmallDecimal(text, scale: scale) { return ParquetDecimal(unscaled) }
        do { return try ParquetDecimal(parsing: text, scale: scale) } catch {
            throw failure(column, "'\(String(decoding: text, as: UTF8.self))' is not a decimal with at most \(scale) fraction digits")
        }
    }

    /// The unscaled value of `-?digits[.digits]` with at most `scale` fraction digits and at most
    /// 18 digits in all (so it fits Int64), else nil (the general parser then decides).
    @inline(__always)
    static func parseSmallDecimal(_ text: UnsafeRawBufferPointer, scale: Int) -> Int64? {
        let count = text.count
        var i = 0
        let negative = count > 0 && text[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        var value: Int64 = 0
        var digits = 0
        var fraction = -1
        while i < count {
            let c = text[i]
            if c == UInt8(ascii: ".") {
                guard fraction < 0 else { return nil }
                fraction = 0
            } else {
                let digit = c &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value &* 10 &+ Int64(digit)
                digits += 1
                if fraction >= 0 { fraction += 1 }
            }
            i += 1
        }
        let fractionDigits = max(fraction, 0)
        guard digits > 0, fraction != 0, fractionDigits <= scale, digits + scale - fractionDigits <= 18 else { return nil }
        for _ in fractionDigits..<scale { value &*= 10 }
        return negative ? -value : value
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

    private func kindName(_ column: Int) -> String {
        switch firstByte(column) {
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "["): return "an array"
        case UInt8(ascii: "\""): return "a string"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return "a boolean"
        case UInt8(ascii: "n"): return "null"
        default: return "a number"
        }
    }
}
