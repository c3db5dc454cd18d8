import Foundation
public import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How the executables log: readable lines on a terminal, JSON lines for schedulers.
public enum LogFormat: String, CaseIterable, Sendable {
    case auto, human, json
}

public enum LogSetup {
    public static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }
    /// nil until `bootstrap` ran; then whether it chose JSON lines.
    private static let chosenJSON = Mutex<Bool?>(nil)

    /// Whether `bootstrap` chose JSON lines.
    public static var usesJSON: Bool { chosenJSON.withLock { $0 } ?? false }

    /// Bootstraps swift-log once per process (only executables call this); later calls change nothing.
    public static func bootstrap(format: LogFormat, level: Logger.Level) {
        let json = format == .json || (format == .auto && !stderrIsTerminal)
        chosenJSON.withLock { chosen in
            guard chosen == nil else { return }
            chosen = json
            LoggingSystem.bootstrap { label in
                var handler = StderrLogHandler(label: label, json: json)
                handler.logLevel = level
                return handler
            }
        }
    }
}

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
            var out = "{\"ts\":\(quote(isoNow())),\"level\":\(quote(event.level.rawValue)),\"logger\":\(quote(label)),\"msg\":\(quote(event.message.description))"
            for key in keys { out += ",\(quote(key)):\(quote("\(merged[key]!)"))" }
            writeStderr(out + "}\n")
        } else {
            let fields = keys.map { "\($0)=\(merged[$0]!)" }.joined(separator: " ")
            let time = String(isoNow().dropFirst(11).prefix(8))
            TerminalProgress.writeAboveStatusLine("\(time) \(event.level.rawValue) \(event.message)\(fields.isEmpty ? "" : " " + fields)\n")
        }
    }
}

func isoNow() -> String {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    var t = time_t(ts.tv_sec)
    var parts = tm()
    gmtime_r(&t, &parts)
    return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                  parts.tm_hour, parts.tm_min, parts.tm_sec, Int(ts.tv_nsec / 1_000_000))
}

func quote(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
        }
    }
    return out + "\""
}
