public import ModuleErrors

/// What can fail in an HTTP transfer.
public enum CurlErrorCode: String, ModuleErrorCode {
    /// libcurl's CURLcode, when there is one (0 otherwise).
    public typealias Details = Int32

    /// Connection refused, reset, dropped mid-body, DNS failure: worth retrying.
    case network
    /// Connect or total timeout: worth retrying.
    case timeout
    /// Certificate or TLS failure: not retried, the setup is wrong.
    case tls
    /// A bad URL or option: not retried.
    case usage
    /// libcurl itself failed (out of memory, init).
    case library
}

/// A failed HTTP transfer. Messages name the URL without its query secrets (keys never travel in URLs).
public typealias CurlError = ModuleError<CurlErrorCode>

extension ModuleError where Code == CurlErrorCode {
    public init(_ code: CurlErrorCode, _ message: String, curlCode: Int32 = 0) {
        self.init(code, message, details: curlCode)
    }

    /// libcurl's CURLcode, when there is one (0 otherwise).
    public var curlCode: Int32 { details }

    public var isRetryable: Bool { code == .network || code == .timeout }
}
