/// A failed HTTP transfer. Messages name the URL without its query secrets (keys never travel in URLs).
public struct CurlError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
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

    public let code: Code
    public let message: String
    /// libcurl's CURLcode, when there is one.
    public let curlCode: Int32

    public init(_ code: Code, _ message: String, curlCode: Int32 = 0) {
        self.code = code
        self.message = message
        self.curlCode = curlCode
    }

    public var isRetryable: Bool { code == .network || code == .timeout }
    public var description: String { message }
}
