import Core
import Curl
import Extract
import Foundation
import JSON
import Load
import ModuleErrors
import Parquet
import Rates
import StripeSimulator
import Transform
import Zlib
import Zstd

/// The process exit codes, one per failure class (documented in the README).
public enum ExitStatus: Int32, CaseIterable, Sendable {
    case success = 0
    /// Anything not classified below.
    case failure = 1
    /// Bad command line or pipeline file (BSD EX_USAGE).
    case usage = 64
    /// Too many rows rejected, or input data that cannot be used (EX_DATAERR).
    case dataRejected = 65
    /// Stripe unreachable or failing after every retry (EX_UNAVAILABLE).
    case unavailable = 69
    /// Reading or writing files failed, or a previous stage's run is incomplete (EX_IOERR).
    case io = 74
    /// Stripe answered, but the answer cannot be used: a request it refused (4xx such as a 404 for
    /// an unknown cursor), a body that is not Stripe's JSON, a list that loops (EX_PROTOCOL).
    case protocolError = 76
    /// Another run holds the output's lock (EX_TEMPFAIL: try again later).
    case locked = 75
    /// Stripe refused the key or a permission (EX_NOPERM).
    case authentication = 77

    public var summary: String {
        switch self {
        case .success: "success"
        case .failure: "unexpected failure"
        case .usage: "usage or pipeline configuration error"
        case .dataRejected: "data rejected above the threshold"
        case .unavailable: "Stripe unavailable after retries"
        case .io: "file error or incomplete input run"
        case .protocolError: "Stripe's answer cannot be used"
        case .locked: "another run holds the lock"
        case .authentication: "Stripe key refused or lacking a permission"
        }
    }

    /// The log prefix for `error`: its class's summary, except where the class is shared by
    /// failures of another kind (a rates download is not Stripe; refused rates are not rows; the
    /// demo's own server is not Stripe).
    public static func summary(of error: any Error) -> String {
        if error is LoopbackSocketError { return "demo Stripe server cannot start" }
        if let error = error as? RatesError {
            switch error.code {
            case .download: return "rates source unavailable"
            case .refused: return "downloaded rates refused"
            default: break
            }
        }
        return of(error).summary
    }

    /// Classifies an error thrown by any stage. Every error type of every module has its code
    /// here (the README's table). The wrapper's code decides (it knows the context), except where
    /// noted.
    public static func of(_ error: any Error) -> ExitStatus {
        if let error = error as? StageFailure { return error.status }
        if let error = error as? CoreError {
            switch error.code {
            case .configuration, .schema: return .usage
            case .incompleteRun, .io: return .io
            case .locked: return .locked
            }
        }
        if let error = error as? ExtractError {
            switch error.code {
            case .authentication, .permission: return .authentication
            case .unavailable: return .unavailable
            case .malformedResponse, .paginationLoop, .request: return .protocolError
            case .configuration: return .usage
            case .livemodeMismatch: return .dataRejected
            case .io: return .io
            }
        }
        if let error = error as? TransformError {
            switch error.code {
            case .input, .output: return .io
            // The rates the pipeline names cannot be used: a configuration error, unless reading or
            // writing them failed (a full disk while decompressing or pinning them).
            case .rates: return error.cause.map { of($0) == .io ? .io : .usage } ?? .usage
            case .tooManyRejects: return .dataRejected
            case .invariant: return .failure
            }
        }
        if let error = error as? LoadError {
            switch error.code {
            case .staging, .io: return .io
            case .badRow: return .dataRejected
            case .configuration: return .usage
            }
        }
        if let error = error as? RatesError {
            switch error.code {
            // Downloading failed or the source sent something that is not a rates history.
            case .download: return .unavailable
            // Well-formed downloaded rates refused as implausible against the store.
            case .refused: return .dataRejected
            // The user's rates files (fx.rates, fx.supplementary) or fx settings.
            case .invalidFile, .conflict, .unknownCurrency, .missingRate, .staleRate: return .usage
            case .amountOutOfRange: return .dataRejected
            case .io: return .io
            }
        }
        // Errors of the building blocks that escape a stage unwrapped: a truncated, corrupt or empty
        // input file, a full disk, an unreadable manifest are file errors.
        if let error = error as? ZstdError {
            switch error.code {
            case .io, .truncated, .corrupt: return .io
            case .library: return .failure
            }
        }
        if let error = error as? ZlibError {
            switch error.code {
            case .corrupt, .truncated, .sizeMismatch: return .io
            case .library: return .failure
            }
        }
        if error is JSONError || error is DecodingError || error is EncodingError { return .io }
        if let error = error as? ParquetError {
            switch error.code {
            case .io, .compression: return .io
            case .invalidSchema, .invalidValue, .incompleteRow, .closed: return .failure
            }
        }
        if let error = error as? CurlError {
            switch error.code {
            case .network, .timeout, .tls: return .unavailable
            case .usage: return .usage
            case .library: return .failure
            }
        }
        // The demo's loopback Stripe server cannot open its socket (out of descriptors or ports):
        // the demo's Stripe is unavailable; a later run may succeed.
        if let error = error as? LoopbackSocketError {
            switch error.code {
            case .socket, .bind, .name: return .unavailable
            }
        }
        if error is POSIXError || error is CocoaError { return .io }
        let domain = (error as NSError).domain
        if domain == NSPOSIXErrorDomain || domain == NSCocoaErrorDomain { return .io }
        return .failure
    }
}
