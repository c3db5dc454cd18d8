import Foundation
import JSON
public import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Serialises stderr writes from several threads.
private let stderrLock = Mutex(())

func writeStderr(_ text: String) {
    stderrLock.withLock { _ in FileHandle.standardError.write(Data(text.utf8)) }
}

/// Log lines on stderr, in one of two formats:
/// - JSON, one object per line: `{"ts":...,"level":...,"logger":...,"msg":...,"run.id":...}`;
/// - human, for a terminal: `12:00:01 warning retrying request http.path=/v1/invoices attempt=2`.
public struct StderrLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    let json: Bool

    public init(label: String, json: Bool) {
        self.label = label
        self.json = json
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 })
        let keys = merged.keys.sorted()
        if json {
            writeStderr(
                Self.jsonLine(
                    ts: isoNow(), level: event.level.rawValue, logger: label, message: event.message.description,
                    fields: keys.map { ($0, "\(merged[$0]!)") }))
        } else {
            let fields = keys.map { "\($0)=\(merged[$0]!)" }.joined(separator: " ")
            let time = String(isoNow().dropFirst(11).prefix(8))
            TerminalProgress.writeAboveStatusLine("\(time) \(event.level.rawValue) \(event.message)\(fields.isEmpty ? "" : " " + fields)\n")
        }
    }

    /// One JSON log line: ts, level, logger and msg first, then the fields in the given order; strings
    /// are escaped by `JSONWriter`, as every JSON the product writes.
    static func jsonLine(ts: String, level: String, logger: String, message: String, fields: [(String, String)]) -> String {
        var writer = JSONWriter(capacity: 256)
        writer.beginObject()
        writer.key("ts"); writer.string(ts)
        writer.key("level"); writer.string(level)
        writer.key("logger"); writer.string(logger)
        writer.key("msg"); writer.string(message)
        for (key, value) in fields { writer.key(key); writer.string(value) }
        writer.endObject()
        writer.newline()
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

func isoNow() -> String {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    var t = time_t(ts.tv_sec)
    var parts = tm()
    gmtime_r(&t, &parts)
    return String(
        format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
        parts.tm_hour, parts.tm_min, parts.tm_sec, Int(ts.tv_nsec / 1_000_000))
}
