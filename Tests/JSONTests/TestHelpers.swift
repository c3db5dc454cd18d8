import Foundation
import JSON
import Testing

/// Runs `body` with a document over the UTF-8 bytes of `text`.
func withDocument<R>(_ text: String, _ body: (JSONDocument) throws -> R) rethrows -> R {
    try withDocument(Array(text.utf8), body)
}

func withDocument<R>(_ bytes: [UInt8], _ body: (JSONDocument) throws -> R) rethrows -> R {
    try bytes.withUnsafeBytes { try body(JSONDocument($0)) }
}

/// A copy of a document's byte view.
func copied(_ view: Span<UInt8>) -> [UInt8] {
    view.withUnsafeBufferPointer { Array($0) }
}

/// The error `body` throws, or nil.
func jsonError(_ body: () throws -> Void) -> JSONError? {
    do {
        try body()
        return nil
    } catch let error as JSONError {
        return error
    } catch {
        return nil
    }
}

func compacted(_ text: String) throws -> String {
    var out: [UInt8] = []
    try Array(text.utf8).withUnsafeBytes { try JSONCompactor.compact($0, into: &out) }
    return String(decoding: out, as: UTF8.self)
}

/// A reader-neutral value tree, so the scanner's reading can be compared with what
/// JSONSerialization (the independent reader) makes of the same text. Booleans compare as 1/0
/// because Foundation on Linux hands them back as NSNumber.
indirect enum Canon: Equatable {
    case null
    case number(Double)
    case string(String)
    case array([Canon])
    case object([String: Canon])
}

/// Rebuilds the tree through the scanner's navigation and accessors (first duplicate key wins).
func canonicalValue(_ doc: JSONDocument, _ value: JSONValue) throws -> Canon {
    switch value.kind {
    case .object:
        var dict: [String: Canon] = [:]
        try doc.forEachMember(value) { keyStart, keyEnd, member in
            let key = try doc.keyString(keyStart, keyEnd)
            if dict[key] == nil { dict[key] = try canonicalValue(doc, member) }
        }
        return .object(dict)
    case .array:
        var array: [Canon] = []
        try doc.forEachElement(value) { array.append(try canonicalValue(doc, $0)) }
        return .array(array)
    case .string:
        return .string(try doc.string(value)!)
    case .number:
        if let i = try? doc.int64(value) { return .number(Double(i)) }
        return .number(try doc.double(value)!)
    case .bool:
        return .number(try doc.bool(value)! ? 1 : 0)
    case .null:
        return .null
    }
}

/// The same tree from JSONSerialization's output.
func canonical(_ any: Any) -> Canon? {
    if any is NSNull { return .null }
    if let s = any as? String { return .string(s) }
    if let n = any as? NSNumber { return .number(n.doubleValue) }
    if let b = any as? Bool { return .number(b ? 1 : 0) }
    if let i = any as? Int { return .number(Double(i)) }
    if let d = any as? Double { return .number(d) }
    if let dict = any as? [String: Any] {
        var out: [String: Canon] = [:]
        for (k, v) in dict {
            guard let c = canonical(v) else { return nil }
            out[k] = c
        }
        return .object(out)
    }
    if let array = any as? [Any] {
        var out: [Canon] = []
        for v in array {
            guard let c = canonical(v) else { return nil }
            out.append(c)
        }
        return .array(out)
    }
    return nil
}

func foundationParse(_ bytes: [UInt8]) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
}

func foundationCanon(_ bytes: [UInt8]) throws -> Canon? {
    canonical(try foundationParse(bytes))
}

/// A small deterministic generator (tests must be reproducible).
struct SeededRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 17
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Random JSON text with pretty-printing whitespace, \u escapes (incl. surrogate pairs), raw UTF-8,
/// numbers in various spellings and nesting; exercising what JSONSerialization never writes itself.
func randomJSON(_ r: inout SeededRandom, depth: Int = 0, indent: String = "") -> String {
    let pick = depth > 4 ? r.below(5) : r.below(8)
    switch pick {
    case 0: return ["true", "false", "null"][r.below(3)]
    case 1:
        let numbers = [
            "0", "-0", "12", "-12", "1.5", "-0.25", "1e3", "2E-2", "1.25e+2", "9007199254740991",
            "-9223372036854775808", "9223372036854775807", "3.14159", "100.000"
        ]
        return numbers[r.below(numbers.count)]
    case 2, 3, 4: return randomStringLiteral(&r)
    case 5, 6:
        let n = r.below(5)
        if n == 0 { return r.below(2) == 0 ? "{}" : "{ \n }" }
        let inner = indent + "  "
        var parts: [String] = []
        for k in 0..<n {
            // Unique keys: readers disagree on which duplicate wins.
            parts.append(
                inner + "\"k\(k)" + randomStringLiteral(&r).dropFirst() + (r.below(2) == 0 ? ": " : " :\t")
                    + randomJSON(&r, depth: depth + 1, indent: inner))
        }
        return "{\n" + parts.joined(separator: ",\n") + "\n" + indent + "}"
    default:
        let n = r.below(5)
        if n == 0 { return "[ ]" }
        let inner = indent + "  "
        let parts = (0..<n).map { _ in inner + randomJSON(&r, depth: depth + 1, indent: inner) }
        return "[\r\n" + parts.joined(separator: " ,\n") + "\n" + indent + "]"
    }
}

func randomStringLiteral(_ r: inout SeededRandom) -> String {
    let pieces = [
        "a", "id", "Z", " ", "caf\u{E9}", "\u{20AC}", "\u{1F600}", "\\\"", "\\\\", "\\/", "\\n", "\\t",
        "\\r", "\\b", "\\f", "\\u0041", "\\u00e9", "\\u20AC", "\\ud83d\\ude00", "\\u0000", "\\u001f",
        "x", "\u{65E5}\u{672C}"
    ]
    var s = "\""
    for _ in 0..<r.below(6) { s += pieces[r.below(pieces.count)] }
    return s + "\""
}
