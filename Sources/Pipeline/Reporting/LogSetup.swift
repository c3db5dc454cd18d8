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
