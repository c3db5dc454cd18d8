import Core
import JSON

/// Why a source unit (an object, or one line of it) did not become a row.
enum RejectCode: String, CaseIterable, Sendable {
    case malformedJSON = "malformed_json"
    case missingField = "missing_field"
    case typeMismatch = "type_mismatch"
    case unknownCurrency = "unknown_currency"
    case missingRate = "missing_rate"
    case livemodeMismatch = "livemode_mismatch"
    case outOfRange = "out_of_range"
    case parentInvalid = "parent_invalid"
    /// The object's embedded child list says `has_more: true`: raw holds its first page only.
    case incompleteList = "incomplete_list"
    /// An identical copy of a document kept elsewhere in the stream (collapsed, nothing lost).
    case duplicate = "duplicate"
    /// An older version of a document whose newer version (read later) is kept.
    case superseded = "superseded"
    /// A row whose primary key another document of the stream already wrote.
    case duplicateKey = "duplicate_key"
}

struct RowReject: Error {
    let code: RejectCode
    let message: String

    init(_ code: RejectCode, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// A value while a row is evaluated: a reference into the source line, or a derived value.
enum Value {
    case null
    case json(JSONValue)
    case int(Int64)
    case decimal(ExactDecimal)
    case bool(Bool)
    /// An interned text of the plan (already a JSON string).
    case text(Int)
    /// Days since 1970-01-01.
    case day(Int)
    /// JSON text built in the evaluator's scratch buffer.
    case scratch(Int, Int)

    @inline(__always) var isNull: Bool { if case .null = self { return true } else { return false } }
}
