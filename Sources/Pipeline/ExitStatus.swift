import Core
import Extract
import Load
import Rates
import Transform

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

    /// Classifies an error thrown by any stage.
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
            case .rates: return .usage
            case .tooManyRejects: return .dataRejected
            }
        }
        if let error = error as? LoadError {
            switch error.code {
            case .staging, .io: return .io
            case .badRow: return .dataRejected
            case .configuration: return .usage
            }
        }
        if error is RatesError { return .usage }
        return .failure
    }
}

/// A failure the pipeline runner classified itself (e.g. reject ratio over the threshold).
public struct StageFailure: Error, CustomStringConvertible, Sendable {
    public let status: ExitStatus
    public let message: String

    public init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }
}
