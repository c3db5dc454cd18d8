import Core
import ModuleErrors

/// A column's `source` in schemas/*.json, parsed. The grammar (documented in schemas/MAPPING.md):
///
///     source      := alternative ( "|" alternative )*        first non-null alternative wins
///     alternative := path | "@" column | literal | "derive:" name [ "(" source ( "," source )* ")" ]
///     path        := [ unit "[]." ] key ( "." key )*         e.g. lines.data[].price.id
///     literal     := "'" text "'" | true | false | null | integer
///
/// A path is read from the Stripe object; `lines.data[].x` reads `x` from each element of the
/// object's `lines.data` array, and a table whose sources use such a prefix has one row per element
/// (its "unit"). `@column` is the value of an earlier column of the same row.
public indirect enum MappingExpression: Equatable, Sendable, CustomStringConvertible {
    /// `unit` is the array path (`["lines", "data"]`) when the path starts with `unit[].`.
    case path(unit: [String]?, keys: [String])
    case column(String)
    case literal(Literal)
    case derive(name: String, arguments: [MappingExpression])
    case coalesce([MappingExpression])

    public enum Literal: Equatable, Sendable {
        case string(String)
        case bool(Bool)
        case int(Int64)
        case null
    }

    public var description: String {
        switch self {
        case .path(let unit, let keys):
            return (unit.map { $0.joined(separator: ".") + "[]." } ?? "") + keys.joined(separator: ".")
        case .column(let name): return "@" + name
        case .literal(.string(let s)): return "'" + s + "'"
        case .literal(.bool(let b)): return b ? "true" : "false"
        case .literal(.int(let i)): return String(i)
        case .literal(.null): return "null"
        case .derive(let name, let arguments):
            return arguments.isEmpty ? "derive:" + name : "derive:\(name)(" + arguments.map(\.description).joined(separator: ", ") + ")"
        case .coalesce(let parts): return parts.map(\.description).joined(separator: " | ")
        }
    }

    /// Every Stripe path the expression reads, in order of appearance.
    public var paths: [(unit: [String]?, keys: [String])] {
        switch self {
        case .path(let unit, let keys): return [(unit, keys)]
        case .column, .literal: return []
        case .derive(_, let arguments): return arguments.flatMap(\.paths)
        case .coalesce(let parts): return parts.flatMap(\.paths)
        }
    }

    /// Names of the columns referenced with `@`.
    public var columnReferences: [String] {
        switch self {
        case .column(let name): return [name]
        case .path, .literal: return []
        case .derive(_, let arguments): return arguments.flatMap(\.columnReferences)
        case .coalesce(let parts): return parts.flatMap(\.columnReferences)
        }
    }

    /// Names of the derivations used, outermost first.
    public var derivations: [String] {
        switch self {
        case .derive(let name, let arguments): return [name] + arguments.flatMap(\.derivations)
        case .coalesce(let parts): return parts.flatMap(\.derivations)
        case .path, .column, .literal: return []
        }
    }

    /// Parses a source expression; errors name the position and what was expected.
    public static func parse(_ text: String) throws -> MappingExpression {
        var parser = Parser(text: Array(text.utf8), source: text)
        let expression = try parser.parseSource()
        parser.skipSpaces()
        guard parser.position == parser.text.count else { throw parser.error("unexpected '\(parser.rest)'") }
        return expression
    }

    private struct Parser {
        let text: [UInt8]
        let source: String
        var position = 0

        var rest: String { String(decoding: text[position...], as: UTF8.self) }

        func error(_ message: String) -> CoreError {
            CoreError(.schema, "source '\(source)' at character \(position + 1): \(message)")
        }

        mutating func skipSpaces() {
            while position < text.count, text[position] == UInt8(ascii: " ") { position += 1 }
        }

        func peek() -> UInt8? { position < text.count ? text[position] : nil }

        mutating func parseSource() throws -> MappingExpression {
            var parts = [try parseAlternative()]
            while true {
                skipSpaces()
                guard peek() == UInt8(ascii: "|") else { break }
                position += 1
                parts.append(try parseAlternative())
            }
            return parts.count == 1 ? parts[0] : .coalesce(parts)
        }

        static func isWordByte(_ c: UInt8) -> Bool {
            (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "_")
        }

        mutating func word() -> String {
            let start = position
            while let c = peek(), Self.isWordByte(c) { position += 1 }
            return String(decoding: text[start..<position], as: UTF8.self)
        }

        mutating func parseAlternative() throws -> MappingExpression {
            skipSpaces()
            guard let c = peek() else { throw error("expected a path, @column, literal or derive:name") }
            if c == UInt8(ascii: "'") {
                position += 1
                let start = position
                while let d = peek(), d != UInt8(ascii: "'") { position += 1 }
                guard peek() == UInt8(ascii: "'") else { throw error("unterminated string literal") }
                let value = String(decoding: text[start..<position], as: UTF8.self)
                position += 1
                return .literal(.string(value))
            }
            if c == UInt8(ascii: "@") {
                position += 1
                let name = word()
                guard !name.isEmpty else { throw error("expected a column name after '@'") }
                return .column(name)
            }
            if c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39) {
                let start = position
                position += 1
                while let d = peek(), d >= 0x30 && d <= 0x39 { position += 1 }
                guard let value = Int64(String(decoding: text[start..<position], as: UTF8.self)) else { throw error("bad integer literal") }
                return .literal(.int(value))
            }
            let first = word()
            guard !first.isEmpty else { throw error("expected a path, @column, literal or derive:name") }
            if first == "derive", peek() == UInt8(ascii: ":") {
                position += 1
                let name = word()
                guard !name.isEmpty else { throw error("expected a derivation name after 'derive:'") }
                var arguments: [MappingExpression] = []
                if peek() == UInt8(ascii: "(") {
                    position += 1
                    skipSpaces()
                    if peek() == UInt8(ascii: ")") {
                        position += 1
                    } else {
                        while true {
                            arguments.append(try parseSource())
                            skipSpaces()
                            if peek() == UInt8(ascii: ",") { position += 1; continue }
                            if peek() == UInt8(ascii: ")") { position += 1; break }
                            throw error("expected ',' or ')' in the arguments of derive:\(name)")
                        }
                    }
                }
                return .derive(name: name, arguments: arguments)
            }
            if first == "true" { return .literal(.bool(true)) }
            if first == "false" { return .literal(.bool(false)) }
            if first == "null" { return .literal(.null) }
            var keys = [first]
            var unit: [String]?
            while true {
                if peek() == UInt8(ascii: "["), position + 1 < text.count, text[position + 1] == UInt8(ascii: "]") {
                    guard unit == nil else { throw error("only one '[]' (the row unit) is allowed in a path") }
                    position += 2
                    unit = keys
                    keys = []
                    guard peek() == UInt8(ascii: ".") else { throw error("expected '.field' after '[]'") }
                }
                guard peek() == UInt8(ascii: ".") else { break }
                position += 1
                let key = word()
                guard !key.isEmpty else { throw error("expected a field name after '.'") }
                keys.append(key)
            }
            return .path(unit: unit, keys: keys)
        }
    }
}
