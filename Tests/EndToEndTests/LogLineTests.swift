import Foundation
import Testing

@testable import Pipeline

/// The bytes of one JSON log line: keys in order, strings escaped as RFC 8259 (and Python's
/// `json.dumps(..., ensure_ascii=False)`) writes them.
struct LogLineTests {
    /// The escape of every control character, written out by hand: the short forms JSON has, else `\u00xx`.
    static let controlEscapes: [String] = (0..<0x20).map { (c: Int) -> String in
        switch c {
        case 0x08: return "\\b"
        case 0x09: return "\\t"
        case 0x0A: return "\\n"
        case 0x0C: return "\\f"
        case 0x0D: return "\\r"
        default: return "\\u00" + (c < 0x10 ? "0" : "1") + String("0123456789abcdef".map { $0 }[c & 0xF])
        }
    }

    @Test func fieldsInOrderWithEveryControlCharacterQuoteAndNonASCII() throws {
        let controls = String(String.UnicodeScalarView((0..<0x20).map { Unicode.Scalar(UInt8($0)) }))
        let message = "say \"hi\" \\ to Zoë 😀\u{7F}\u{2028}/" + controls
        let line = StderrLogHandler.jsonLine(
            ts: "2026-12-01T05:00:00.000Z", level: "info", logger: "stripe\tetl", message: message,
            fields: [("run.id", "r\n1"), ("é\"key", "")])
        let escapedMessage = "say \\\"hi\\\" \\\\ to Zoë 😀\u{7F}\u{2028}/" + Self.controlEscapes.joined()
        let expected =
            "{\"ts\":\"2026-12-01T05:00:00.000Z\",\"level\":\"info\",\"logger\":\"stripe\\tetl\",\"msg\":\"\(escapedMessage)\","
            + "\"run.id\":\"r\\n1\",\"é\\\"key\":\"\"}\n"
        #expect(Array(line.utf8) == Array(expected.utf8), "\(line)")

        // An independent reader gets every value back.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(
            object == [
                "ts": "2026-12-01T05:00:00.000Z", "level": "info", "logger": "stripe\tetl", "msg": message, "run.id": "r\n1", "é\"key": ""
            ])
    }
}
