import CCurl
import Digest

/// A response: status, lowercased header names, the decoded body.
public struct HTTPResponse: Sendable {
    public let status: Int
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]
    /// Wire bytes received for the body (before gzip decoding).
    public let downloadedBytes: Int

    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.last { $0.name == lower }?.value
    }
}

/// Settings of one client.
public struct HTTPClientConfiguration: Sendable {
    public var connectTimeoutSeconds: Double = 10
    public var timeoutSeconds: Double = 60
    public var userAgent: String = "stripe-warehouse"
    /// A bundle of CA certificates to trust instead of the system's (never disables verification).
    public var caBundlePath: String?
    /// Largest body accepted, against a runaway response.
    public var maxBodyBytes: Int = 256 << 20

    public init() {}
}

/// A blocking HTTPS client over one libcurl easy handle: connections are kept alive and reused
/// across requests. It can only issue GET. Not thread-safe: use one client per thread.
public final class HTTPClient {
    /// libcrypto first, without its exit-time cleanup (see `Digest.Libcrypto`), then libcurl, which
    /// initialises OpenSSL for TLS.
    private static let globalInit: CURLcode = Libcrypto.initialised ? curl_global_init(Int(CURL_GLOBAL_DEFAULT)) : CURLE_FAILED_INIT

    private let handle: UnsafeMutableRawPointer
    private let configuration: HTTPClientConfiguration

    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration()) throws {
        guard Self.globalInit == CURLE_OK else { throw CurlError(.library, "libcurl global initialisation failed") }
        guard let handle = curl_easy_init() else { throw CurlError(.library, "libcurl could not create a handle") }
        self.handle = handle
        self.configuration = configuration
    }

    deinit { curl_easy_cleanup(handle) }

    /// Where a response is collected while libcurl calls back.
    private final class Collector {
        var body: [UInt8] = []
        var headers: [(name: String, value: String)] = []
        var overflow = false
        let limit: Int
        init(limit: Int) { self.limit = limit }
    }

    private func set(_ option: CURLoption, _ value: Int) throws {
        try check(CCurl_easy_setopt_long(handle, option, value), "setting option \(option.rawValue)", url: "")
    }

    private func set(_ option: CURLoption, _ value: String) throws {
        try check(CCurl_easy_setopt_string(handle, option, value), "setting option \(option.rawValue)", url: "")
    }

    private func check(_ code: CURLcode, _ what: String, url: String) throws {
        guard code != CURLE_OK else { return }
        throw Self.error(for: code, what: what, url: url)
    }

    static func error(for code: CURLcode, what: String, url: String) -> CurlError {
        let text = String(cString: curl_easy_strerror(code))
        let place = url.isEmpty ? "" : " \(redacted(url))"
        let message = "\(what)\(place) failed: \(text) (curl error \(code.rawValue))"
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return CurlError(.timeout, message, curlCode: Int32(code.rawValue))
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_RECV_ERROR,
            CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM,
            CURLE_BAD_CONTENT_ENCODING, CURLE_WEIRD_SERVER_REPLY:
            return CurlError(.network, message, curlCode: Int32(code.rawValue))
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR:
            return CurlError(
                .tls, message + "; check the system CA certificates (ca-certificates) or the api base URL", curlCode: Int32(code.rawValue))
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return CurlError(.usage, message, curlCode: Int32(code.rawValue))
        default:
            return CurlError(.network, message, curlCode: Int32(code.rawValue))
        }
    }

    /// The URL without its query string: enough to say where, never more.
    public static func redacted(_ url: String) -> String {
        if let q = url.firstIndex(of: "?") { return String(url[..<q]) }
        return url
    }

    /// Issues one GET. HTTP error statuses are returned, not thrown: the caller decides.
    public func get(url: String, headers: [(name: String, value: String)] = []) throws -> HTTPResponse {
        curl_easy_reset(handle)
        try set(CURLOPT_URL, url)
        try set(CURLOPT_HTTPGET, 1)
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_SSL_VERIFYPEER, 1)
        try set(CURLOPT_SSL_VERIFYHOST, 2)
        if let ca = configuration.caBundlePath { try set(CURLOPT_CAINFO, ca) }
        try set(CURLOPT_ACCEPT_ENCODING, "") // every encoding libcurl decodes (gzip, deflate, ...)
        try set(CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeoutSeconds * 1000))
        try set(CURLOPT_TIMEOUT_MS, Int(configuration.timeoutSeconds * 1000))
        try set(CURLOPT_USERAGENT, configuration.userAgent)
        try set(CURLOPT_FOLLOWLOCATION, 0)
        try set(CURLOPT_TCP_KEEPALIVE, 1)

        var list: UnsafeMutablePointer<curl_slist>? = nil
        for (name, value) in headers { list = curl_slist_append(list, "\(name): \(value)") }
        // An empty Expect and no Accept pitfalls: say we want JSON.
        list = curl_slist_append(list, "Accept: application/json")
        defer { curl_slist_free_all(list) }
        try check(CCurl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, list), "setting headers", url: url)

        let collector = Collector(limit: configuration.maxBodyBytes)
        let context = Unmanaged.passRetained(collector)
        defer { context.release() }
        try check(
            CCurl_easy_setopt_write_function(
                handle, CURLOPT_WRITEFUNCTION,
                { data, size, count, context in
                    let collector = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
                    let n = size * count
                    if collector.body.count + n > collector.limit { collector.overflow = true; return 0 }
                    if n > 0, let data { collector.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: n)) }
                    return n
                }), "setting the write callback", url: url)
        try check(CCurl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context.toOpaque()), "setting the write context", url: url)
        try check(
            CCurl_easy_setopt_write_function(
                handle, CURLOPT_HEADERFUNCTION,
                { data, size, count, context in
                    let collector = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
                    let n = size * count
                    guard let data else { return n }
                    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: n), as: UTF8.self)
                    if line.hasPrefix("HTTP/") {
                        collector.headers.removeAll() // a new response (after 100-continue or a redirect)
                    } else if let colon = line.firstIndex(of: ":") {
                        let name = line[..<colon].lowercased()
                        let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t\r\n")
                        collector.headers.append((name, value))
                    }
                    return n
                }), "setting the header callback", url: url)
        try check(CCurl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context.toOpaque()), "setting the header context", url: url)

        let code = curl_easy_perform(handle)
        if collector.overflow {
            throw CurlError(.network, "GET \(Self.redacted(url)) returned a body over \(configuration.maxBodyBytes) bytes")
        }
        try check(code, "GET", url: url)
        var status = 0
        try check(CCurl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status), "reading the status", url: url)
        var downloaded: curl_off_t = 0
        _ = CCurl_easy_getinfo_off_t(handle, CURLINFO_SIZE_DOWNLOAD_T, &downloaded)
        return HTTPResponse(status: status, headers: collector.headers, body: collector.body, downloadedBytes: Int(downloaded))
    }
}

private extension String {
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s.removeFirst() }
        while let l = s.last, chars.contains(l) { s.removeLast() }
        return String(s)
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}
