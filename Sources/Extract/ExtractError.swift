import Core
public import ModuleErrors

/// Why an extract stopped.
public enum ExtractErrorCode: String, ModuleErrorCode {
    /// The key is missing, malformed, of the wrong mode, or refused by Stripe (401).
    case authentication
    /// A restricted key lacks a permission (403).
    case permission
    /// Stripe refused the request (other 4xx): the message is Stripe's.
    case request
    /// Retries ran out on 429/5xx/network failures.
    case unavailable
    /// Pagination went round in circles or returned more than it said it had.
    case paginationLoop
    /// An object's livemode disagrees with the pipeline's mode.
    case livemodeMismatch
    /// A response that is not the JSON Stripe sends.
    case malformedResponse
    /// Writing the run failed.
    case io
    /// A setting the extract cannot use (a malformed api base).
    case configuration
}

/// Why an extract stopped. Messages name the stream, the URL path and the cursor, never the key.
public typealias ExtractError = ModuleError<ExtractErrorCode>
