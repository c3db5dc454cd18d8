import Core
public import ModuleErrors

/// What can fail in the transform stage as a whole (per-row problems are rejects, not errors).
public enum TransformErrorCode: String, ModuleErrorCode {
    /// The raw run is missing, incomplete or does not match its manifest.
    case input
    /// The rates could not be loaded or pinned.
    case rates
    /// More rows were rejected than `transform.max_reject_ratio` allows.
    case tooManyRejects
    /// Writing the staging files failed.
    case output
    /// The stage's own counts do not reconcile (rows in != rows out + rows rejected): a bug; nothing
    /// is published.
    case invariant
}

/// An error of the transform stage.
public typealias TransformError = ModuleError<TransformErrorCode>
