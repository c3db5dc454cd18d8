public import Foundation
import Synchronization

/// A fresh directory under the system temporary directory, removed on `cleanup()` or deinit.
public final class TemporaryDirectory: Sendable {
    public let url: URL
    public var path: String { url.path }
    private let removed = Atomic(false)

    /// Creates `<tmp>/<prefix>-<uuid>`.
    public init(prefix: String = "stripe-warehouse-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { cleanup() }

    /// `path/<component>`.
    public func appending(_ component: String) -> String { url.appendingPathComponent(component).path }

    /// Removes the directory and everything in it. Idempotent.
    public func cleanup() {
        guard !removed.exchange(true, ordering: .relaxed) else { return }
        try? FileManager.default.removeItem(at: url)
    }
}
