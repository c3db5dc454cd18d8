import Core
import ModuleErrors

/// Checks the raw inputs' sha256 against the raw manifest on another thread while mapping runs;
/// the stage publishes nothing until `wait()` has passed.
struct InputVerifier {
    private let check: WorkerPool.Background<Void>

    /// Starts checking `entries` (files in `directory`), in stream order.
    init(entries: [String: FileEntry], directory: String) {
        let sorted = entries.sorted { $0.key < $1.key }.map(\.value)
        check = WorkerPool.Background {
            for entry in sorted { try entry.verify(in: directory) }
        }
    }

    /// Waits for the check; throws when a file does not match its manifest entry.
    func wait() throws {
        do { try check.wait() } catch {
            throw TransformError(.input, "the raw run does not match its manifest", cause: error)
        }
    }
}
