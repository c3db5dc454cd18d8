public import ModuleErrors

/// What can fail in the zlib module: the library itself, or the deflate data it was given.
public enum ZlibErrorCode: String, ModuleErrorCode {
    case library
    case corrupt
    case truncated
    case sizeMismatch

    public static func describe(_ error: ZlibError) -> String { "zlib \(error.code.rawValue): \(error.messageAndCause)" }
}

/// An error from zlib or from the deflate data it was given.
public typealias ZlibError = ModuleError<ZlibErrorCode>
