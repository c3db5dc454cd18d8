import Core
public import ModuleErrors

/// What can fail in the load stage.
public enum LoadErrorCode: String, ModuleErrorCode {
    /// The staging run is missing, incomplete, or does not match its manifest or the schemas.
    case staging
    /// A staging row does not follow the row encoding of its schema.
    case badRow
    /// Writing, linking or publishing warehouse files failed.
    case io
    /// Options that cannot work (unknown table, unsupported partitioning).
    case configuration
}

/// The one error type of the load stage: a code, a message naming the table, file and line, an optional cause.
public typealias LoadError = ModuleError<LoadErrorCode>
