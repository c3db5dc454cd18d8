import Foundation
import Core
import Logging

/// A live status line per stage item on a terminal: `extract invoices  12,300 objects  123 pages  410/s`.
public final class TerminalProgress: ProgressReporter, @unchecked Sendable {
    nonisolated(unsafe) static var shared: TerminalProgress?
    private let lock = NSLock()
    private var started: [String: Double] = [:]
    private var lastDraw = 0.0
    private var lineShown = false

    public init() { Self.shared = self }

    private static func now() -> Double { Date().timeIntervalSince1970 }

    public func report(_ event: ProgressEvent) {
        lock.lock()
        defer { lock.unlock() }
        let key = event.stage + "/" + event.item
        let now = Self.now()
        let start = started[key] ?? now
        started[key] = start
        if !event.finished && now - lastDraw < 0.1 { return }
        lastDraw = now
        let elapsed = max(now - start, 0.001)
        let rate = Double(event.count) / elapsed
        var text = "\(event.stage) \(event.item.padding(toLength: 17, withPad: " ", startingAt: 0)) \(event.count) \(event.stage == "extract" ? "objects" : "rows")"
        if event.pages > 0 { text += "  \(event.pages) \(event.stage == "extract" ? "pages" : "files")" }
        text += String(format: "  %.0f/s", rate)
        if let total = event.total, total > 0, !event.finished, rate > 0 {
            text += String(format: "  %d%%  ETA %.0fs", min(100, event.count * 100 / total), Double(total - event.count) / rate)
        }
        if let detail = event.detail, !event.finished { text += "  " + detail }
        if event.finished {
            text += String(format: "  done in %.1fs", elapsed)
            writeStderr("\r\u{1B}[2K" + text + "\n")
            lineShown = false
        } else {
            writeStderr("\r\u{1B}[2K" + text)
            lineShown = true
        }
    }

    func clearLine() {
        if lineShown { writeStderr("\r\u{1B}[2K"); lineShown = false }
    }
}

/// Progress as structured log lines at milestones (not a terminal): finished items, and every
/// few seconds for long ones.
public final class LogProgress: ProgressReporter, @unchecked Sendable {
    private let logger: Logger
    private let lock = NSLock()
    private var last: [String: Double] = [:]

    public init(logger: Logger) { self.logger = logger }

    public func report(_ event: ProgressEvent) {
        lock.lock()
        let key = event.stage + "/" + event.item
        let now = Date().timeIntervalSince1970
        let due = event.finished || now - (last[key] ?? 0) >= 10
        if due { last[key] = now }
        lock.unlock()
        guard due else { return }
        var metadata: Logger.Metadata = ["stage": .string(event.stage), "item": .string(event.item), "count": .stringConvertible(event.count)]
        if event.pages > 0 { metadata["pages"] = .stringConvertible(event.pages) }
        if let total = event.total { metadata["total"] = .stringConvertible(total) }
        if let detail = event.detail { metadata["detail"] = .string(detail) }
        logger.info(event.finished ? "progress done" : "progress", metadata: metadata)
    }
}
