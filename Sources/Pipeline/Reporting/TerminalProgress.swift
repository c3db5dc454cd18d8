public import Core
import Foundation
import Logging
import Synchronization

/// A live status line per stage item on a terminal: `extract invoices  12,300 objects  123 pages  410/s`.
public final class TerminalProgress: ProgressReporter, Sendable {
    /// The reporter whose line is on screen, if any: the log handler clears that line before it prints.
    static let shared = Mutex<TerminalProgress?>(nil)

    private struct State {
        var started: [String: Double] = [:]
        var lastDraw = 0.0
        var lineShown = false
    }

    /// Drawing and clearing share one lock: a log line never interleaves with a half-drawn status line.
    private let state = Mutex(State())

    public init() { Self.shared.withLock { $0 = self } }

    private static func now() -> Double { Date().timeIntervalSince1970 }

    public func report(_ event: ProgressEvent) {
        state.withLock { state in
            let key = event.stage + "/" + event.item
            let now = Self.now()
            let start = state.started[key] ?? now
            state.started[key] = start
            if !event.finished && now - state.lastDraw < 0.1 { return }
            state.lastDraw = now
            let elapsed = max(now - start, 0.001)
            let rate = Double(event.count) / elapsed
            var text =
                "\(event.stage) \(event.item.padding(toLength: 17, withPad: " ", startingAt: 0)) \(event.count) \(event.stage == "extract" ? "objects" : "rows")"
            if event.pages > 0 { text += "  \(event.pages) \(event.stage == "extract" ? "pages" : "files")" }
            text += String(format: "  %.0f/s", rate)
            if let total = event.total, total > 0, !event.finished, rate > 0 {
                text += String(format: "  %d%%  ETA %.0fs", min(100, event.count * 100 / total), Double(total - event.count) / rate)
            }
            if let detail = event.detail, !event.finished { text += "  " + detail }
            if event.finished {
                text += String(format: "  done in %.1fs", elapsed)
                writeStderr("\r\u{1B}[2K" + text + "\n")
                state.lineShown = false
            } else {
                writeStderr("\r\u{1B}[2K" + text)
                state.lineShown = true
            }
        }
    }

    /// Writes a log line to stderr, first clearing the status line if one is shown, under the drawing lock.
    static func writeAboveStatusLine(_ text: String) {
        guard let progress = shared.withLock({ $0 }) else { return writeStderr(text) }
        progress.state.withLock { state in
            if state.lineShown {
                writeStderr("\r\u{1B}[2K")
                state.lineShown = false
            }
            writeStderr(text)
        }
    }
}
