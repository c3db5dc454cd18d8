public import Core
import Foundation
public import Logging
import Synchronization

/// Progress as structured log lines at milestones (not a terminal): finished items, and every
/// few seconds for long ones.
public final class LogProgress: ProgressReporter, Sendable {
    private let logger: Logger
    /// When each item was last logged.
    private let last = Mutex<[String: Double]>([:])

    public init(logger: Logger) { self.logger = logger }

    public func report(_ event: ProgressEvent) {
        let key = event.stage + "/" + event.item
        let now = Date().timeIntervalSince1970
        let due = last.withLock { last in
            let due = event.finished || now - (last[key] ?? 0) >= 10
            if due { last[key] = now }
            return due
        }
        guard due else { return }
        var metadata: Logger.Metadata = [
            "stage": .string(event.stage), "item": .string(event.item), "count": .stringConvertible(event.count)
        ]
        if event.pages > 0 { metadata["pages"] = .stringConvertible(event.pages) }
        if let total = event.total { metadata["total"] = .stringConvertible(total) }
        if let detail = event.detail { metadata["detail"] = .string(detail) }
        logger.info(event.finished ? "progress done" : "progress", metadata: metadata)
    }
}
