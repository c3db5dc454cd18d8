public import ModuleErrors

/// What can fail in the shared core: configuration, files, manifests and schemas.
public enum CoreErrorCode: String, ModuleErrorCode {
    /// A pipeline file or command line that is wrong; exit code 64.
    case configuration
    /// A schema file that is missing or malformed.
    case schema
    /// A run directory that is missing, incomplete or inconsistent.
    case incompleteRun
    /// Reading or writing a file failed.
    case io
    /// Another process holds the pipeline's lock.
    case locked
}

/// An error from the shared core.
public typealias CoreError = ModuleError<CoreErrorCode>
