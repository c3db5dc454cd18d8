/// A JSON value whose object keys keep their insertion order, so that generated Stripe objects
/// serialise byte-for-byte the same way every time (compact for raw files, 2-space pretty like the
/// Stripe API). Used only by the generator, the fixture server and tests; the pipeline has its own
/// byte-level JSON module.
public indirect enum FixtureJSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    /// A number kept as its literal text (e.g. `12.5`), emitted verbatim.
    case number(String)
    case string(String)
    case array([FixtureJSON])
    case object([(String, FixtureJSON)])

    public static func == (lhs: FixtureJSON, rhs: FixtureJSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            guard a.count == b.count else { return false }
            for (x, y) in zip(a, b) where x.0 != y.0 || x.1 != y.1 { return false }
            return true
        default: return false
        }
    }

    // MARK: Convenience constructors

    public static func int(_ value: Int) -> FixtureJSON { .int(Int64(value)) }
    public static func optionalString(_ value: String?) -> FixtureJSON { value.map { .string($0) } ?? .null }
    public static func optionalInt(_ value: Int64?) -> FixtureJSON { value.map { .int($0) } ?? .null }

    // MARK: Access

    /// The value under `key` when this is an object.
    public subscript(key: String) -> FixtureJSON? {
        guard case let .object(pairs) = self else { return nil }
        for (k, v) in pairs where k == key { return v }
        return nil
    }

    /// Follows a dotted path such as `parent.subscription_details.subscription`.
    public func value(atPath path: String) -> FixtureJSON? {
        var current: FixtureJSON? = self
        for part in path.split(separator: ".") { current = current?[String(part)] }
        return current
    }

    public var stringValue: String? { if case let .string(s) = self { return s }; return nil }
    public var intValue: Int64? { if case let .int(i) = self { return i }; return nil }
    public var boolValue: Bool? { if case let .bool(b) = self { return b }; return nil }
    public var arrayValue: [FixtureJSON]? { if case let .array(a) = self { return a }; return nil }
    public var objectValue: [(String, FixtureJSON)]? { if case let .object(o) = self { return o }; return nil }
    public var isNull: Bool { if case .null = self { return true }; return false }

    /// A copy with `key` replaced (or appended when absent). Only meaningful on objects.
    public func setting(_ key: String, to value: FixtureJSON) -> FixtureJSON {
        guard case var .object(pairs) = self else { return self }
        if let index = pairs.firstIndex(where: { $0.0 == key }) {
            pairs[index].1 = value
        } else {
            pairs.append((key, value))
        }
        return .object(pairs)
    }

    // MARK: Serialisation

    /// Compact JSON (no whitespace), the form written to raw run files.
    public func compactBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        writeCompact(into: &out)
        return out
    }

    public func compactString() -> String { String(decoding: compactBytes(), as: UTF8.self) }

    /// Pretty JSON with a 2-space indent and `": "`, the way the Stripe API renders responses.
    public func prettyBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(2048)
        writePretty(into: &out, depth: 0)
        return out
    }

    public func prettyString() -> String { String(decoding: prettyBytes(), as: UTF8.self) }

    public func writeCompact(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: Self.nullBytes)
        case let .bool(b): out.append(contentsOf: b ? Self.trueBytes : Self.falseBytes)
        case let .int(i): Self.appendInt(i, to: &out)
        case let .number(n): out.append(contentsOf: n.utf8)
        case let .string(s): Self.appendString(s, to: &out)
        case let .array(items):
            out.append(UInt8(ascii: "["))
            for (n, item) in items.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                item.writeCompact(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(pairs):
            out.append(UInt8(ascii: "{"))
            for (n, pair) in pairs.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                Self.appendString(pair.0, to: &out)
                out.append(UInt8(ascii: ":"))
                pair.1.writeCompact(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private func writePretty(into out: inout [UInt8], depth: Int) {
        switch self {
        case let .array(items):
            if items.isEmpty { out.append(contentsOf: [UInt8(ascii: "["), UInt8(ascii: "]")]); return }
            out.append(UInt8(ascii: "["))
            for (n, item) in items.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                Self.newline(&out, depth + 1)
                item.writePretty(into: &out, depth: depth + 1)
            }
            Self.newline(&out, depth)
            out.append(UInt8(ascii: "]"))
        case let .object(pairs):
            if pairs.isEmpty { out.append(contentsOf: [UInt8(ascii: "{"), UInt8(ascii: "}")]); return }
            out.append(UInt8(ascii: "{"))
            for (n, pair) in pairs.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                Self.newline(&out, depth + 1)
                Self.appendString(pair.0, to: &out)
                out.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
                pair.1.writePretty(into: &out, depth: depth + 1)
            }
            Self.newline(&out, depth)
            out.append(UInt8(ascii: "}"))
        default:
            writeCompact(into: &out)
        }
    }

    private static let nullBytes = Array("null".utf8)
    private static let trueBytes = Array("true".utf8)
    private static let falseBytes = Array("false".utf8)
    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static let spaces = [UInt8](repeating: UInt8(ascii: " "), count: 256)

    private static func newline(_ out: inout [UInt8], _ depth: Int) {
        out.append(UInt8(ascii: "\n"))
        var remaining = depth * 2
        while remaining > 0 {
            let n = min(remaining, spaces.count)
            out.append(contentsOf: spaces[0..<n])
            remaining -= n
        }
    }

    static func appendInt(_ value: Int64, to out: inout [UInt8]) {
        if value == 0 { out.append(UInt8(ascii: "0")); return }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = out.count
        while magnitude > 0 {
            out.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        }
        out[start...].reverse()
    }

    /// Escapes only what JSON requires (quote, backslash, control characters); non-ASCII stays UTF-8.
    static func appendString(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Fast path: most strings need no escaping and are copied in one go.
        if !string.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == 92 }) {
            out.append(contentsOf: string.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, UInt8(ascii: "\"")])
            case 92: out.append(contentsOf: [92, 92])
            case 10: out.append(contentsOf: [92, UInt8(ascii: "n")])
            case 13: out.append(contentsOf: [92, UInt8(ascii: "r")])
            case 9: out.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: [92, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension FixtureJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
}
