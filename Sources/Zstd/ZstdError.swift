public import ModuleErrors

/// What can fail in the zstd module: the library itself, or a zstd file.
public enum ZstdErrorCode: String, ModuleErrorCode {
    case library
    case io
    case truncated
    case corrupt

    public static func describe(_ error: ZstdError) -> String { "zstd \(error.code.rawValue): \(error.messageAndCause)" }
}

/// An error from the zstd library or from a zstd file.
public typealias ZstdError = ModuleError<ZstdErrorCode>
