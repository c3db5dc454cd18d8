public import Core
public import Curl
public import Foundation
import JSON
public import Logging
import ModuleErrors

/// Issues GET requests to a Stripe-compatible API: headers, the global rate budget, retries with
/// capped exponential backoff and jitter, and Stripe's error semantics. Only GET exists here.
public final class StripeClient {
    public struct Settings: Sendable {
        public var apiBase: String
        public var apiVersion: String
        public var account: String?
        public var maxRetries: Int
        public var initialBackoffSeconds: Double
        public var maxBackoffSeconds: Double
        public var http: HTTPClientConfiguration

        public init(pipeline: PipelineDefinition, apiBase: String? = nil) {
            var base = apiBase ?? pipeline.stripe.apiBase
            while base.hasSuffix("/") { base.removeLast() }
            self.apiBase = base
            apiVersion = pipeline.stripe.apiVersion
            account = pipeline.stripe.account
            maxRetries = pipeline.stripe.maxRetries
            initialBackoffSeconds = pipeline.stripe.initialBackoffSeconds
            maxBackoffSeconds = pipeline.stripe.maxBackoffSeconds
            http = HTTPClientConfiguration()
            http.connectTimeoutSeconds = pipeline.stripe.connectTimeoutSeconds
            http.timeoutSeconds = pipeline.stripe.timeoutSeconds
            http.userAgent = "\(ToolInfo.name)/\(ToolInfo.version) (+libcurl)"
        }
    }

    /// A successful response whose body is a JSON object.
    public struct Page {
        public let body: [UInt8]
        public let attempts: Int
        /// 404 only when the caller asked for `notFoundIsAnswer` (a retrieval of a deleted object).
        public var status = 200
    }

    public let settings: Settings
    private let key: APIKey
    private let http: HTTPClient
    private let budget: RequestBudget
    private let logger: Logger
    private let sleep: (Double) -> Void
    /// Requests sent, retries included.
    public private(set) var requestCount = 0
    public private(set) var retryCount = 0

    public init(
        settings: Settings, key: APIKey, budget: RequestBudget, logger: Logger,
        sleep: @escaping (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }
    ) throws {
        self.settings = settings
        self.key = key
        self.budget = budget
        self.logger = logger
        self.sleep = sleep
        do { http = try HTTPClient(configuration: settings.http) } catch {
            throw ExtractError(.unavailable, "cannot start the HTTP client: \(error)")
        }
    }

    /// Refuses an api base that is not `http(s)://host[:port][/path]`, before any file or request.
    public static func validate(apiBase: String) throws {
        let problem: String?
        if let components = URLComponents(string: apiBase) {
            if !["http", "https"].contains(components.scheme?.lowercased() ?? "") {
                problem = "it must start with https:// (or http:// for a local test server)"
            } else if (components.host ?? "").isEmpty {
                problem = "it names no host"
            } else if components.query != nil || components.fragment != nil || components.user != nil {
                problem = "it must not carry a query, a fragment or credentials"
            } else {
                problem = nil
            }
        } else {
            problem = "it is not a URL"
        }
        if let problem {
            throw ExtractError(
                .configuration,
                "the api base '\(apiBase)' (--api-base or stripe.api_base) cannot be used: \(problem); e.g. https://api.stripe.com")
        }
    }

    /// Percent-encodes a query component the way Stripe expects (`created[gte]` -> `created%5Bgte%5D`).
    public static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    public func url(path: String, query: [(String, String)]) -> String {
        let q = query.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
        return settings.apiBase + path + (q.isEmpty ? "" : "?" + q)
    }

    private var headers: [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            ("Authorization", "Bearer \(key.secret)"),
            ("Stripe-Version", settings.apiVersion)
        ]
        if let account = settings.account { headers.append(("Stripe-Account", account)) }
        return headers
    }

    /// The delay before retry number `attempt` (1-based): capped exponential with equal jitter
    /// (`ceiling` = min(cap, initial x 2^(attempt-1)); a delay uniformly between `ceiling / 2` and
    /// `ceiling`, `random` in 0...1), never shorter than the server's Retry-After.
    public static func backoff(attempt: Int, initial: Double, cap: Double, retryAfter: Double?, random: Double) -> Double {
        let ceiling = min(cap, initial * pow(2, Double(attempt - 1)))
        let jittered = ceiling / 2 + ceiling / 2 * random
        if let retryAfter { return max(retryAfter, jittered) }
        return jittered
    }

    /// GETs `path` and returns the JSON object body, retrying what is worth retrying.
    /// `context` names the stream and cursor for error messages.
    public func get(path: String, query: [(String, String)], context: String, notFoundIsAnswer: Bool = false) throws -> Page {
        let url = url(path: path, query: query)
        let shown = path + (query.isEmpty ? "" : "?" + query.map { "\($0.0)=\($0.1)" }.joined(separator: "&"))
        var attempt = 0
        var lastProblem = ""
        while true {
            attempt += 1
            budget.acquire()
            requestCount += 1
            var retryAfter: Double? = nil
            do {
                let response: HTTPResponse
                do {
                    defer { budget.release() }
                    response = try http.get(url: url, headers: headers)
                }
                switch response.status {
                case 200..<300:
                    if Self.isJSONObject(response.body) { return Page(body: response.body, attempts: attempt) }
                    lastProblem =
                        "HTTP \(response.status) with a body that is not a complete JSON object (\(response.body.count) bytes: truncated or an HTML page)"
                case 401:
                    throw ExtractError(
                        .authentication,
                        "\(context): GET \(path) was refused with 401: the Stripe key is wrong, expired or revoked; create a restricted read-only key in the Stripe dashboard and set STRIPE_API_KEY. Stripe said: \(stripeMessage(response.body))"
                    )
                case 403:
                    let message = stripeMessage(response.body)
                    let permission = Self.permissionName(in: message)
                    let hint =
                        permission.map {
                            "the restricted key lacks the '\($0)' permission; edit the key in the Stripe dashboard (Developers > API keys) and grant Read on that resource"
                        }
                        ?? "the key lacks a permission for this endpoint; grant Read on it to the restricted key, or disable the stream with enabled: false"
                    throw ExtractError(.permission, "\(context): GET \(path) was refused with 403: \(hint). Stripe said: \(message)")
                case 429:
                    retryAfter = response.header("retry-after").flatMap { Self.retryAfterSeconds($0) }
                    budget.throttled(retryAfter: retryAfter)
                    lastProblem = "HTTP 429 (\(stripeReason(response.body)))"
                case 500..<600:
                    retryAfter = response.header("retry-after").flatMap { Self.retryAfterSeconds($0) }
                    lastProblem = "HTTP \(response.status)"
                case 404 where notFoundIsAnswer:
                    return Page(body: response.body, attempts: attempt, status: 404)
                default:
                    throw ExtractError(
                        .request, "\(context): GET \(shown) failed with HTTP \(response.status): \(stripeMessage(response.body))")
                }
            } catch let error as CurlError {
                guard error.isRetryable else {
                    throw ExtractError(error.code == .usage ? .configuration : .unavailable, "\(context): \(key.scrub(error.message))")
                }
                lastProblem = key.scrub(error.message)
            }
            guard attempt <= settings.maxRetries else {
                throw ExtractError(
                    .unavailable,
                    "\(context): GET \(shown) still failing after \(attempt) attempts (last: \(lastProblem)); Stripe may be degraded: re-run later with the same --run-id to resume, or raise stripe.max_retries"
                )
            }
            retryCount += 1
            let delay = Self.backoff(
                attempt: attempt, initial: settings.initialBackoffSeconds, cap: settings.maxBackoffSeconds,
                retryAfter: retryAfter, random: Double.random(in: 0...1))
            logger.warning(
                "retrying request",
                metadata: [
                    "http.path": .string(path), "attempt": .stringConvertible(attempt), "problem": .string(lastProblem),
                    "delay.seconds": .string(String(format: "%.2f", delay))
                ])
            sleep(delay)
        }
    }

    /// `Retry-After` in either form (RFC 9110): delay-seconds, or an HTTP date (IMF-fixdate, the
    /// obsolete RFC 850 and asctime forms) turned into seconds from `now`. Nil when unreadable;
    /// never negative, and capped at an hour against a clock far off.
    public static func retryAfterSeconds(_ value: String, now: Double = Date().timeIntervalSince1970) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text), seconds.isFinite { return min(max(seconds, 0), 3600) }
        guard let when = httpDate(text) else { return nil }
        return min(max(when - now, 0), 3600)
    }

    /// Unix seconds of an HTTP date in any of its three forms, all GMT.
    static func httpDate(_ text: String) -> Double? {
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        let tokens = text.split { !($0.isLetter || $0.isNumber) }.map { $0.lowercased() }
        guard let monthIndex = tokens.firstIndex(where: { months.contains($0) }), let month = months.firstIndex(of: tokens[monthIndex])
        else { return nil }
        let numbers = tokens.compactMap { Int($0) }
        guard numbers.count == 5 else { return nil }
        let asctime = tokens.firstIndex(where: { Int($0) != nil }).map { $0 > monthIndex } ?? false
        var (day, year, hour, minute, second) =
            asctime
            ? (numbers[0], numbers[4], numbers[1], numbers[2], numbers[3])
            : (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4])
        if year < 100 { year += year < 70 ? 2000 : 1900 }
        guard (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        let days = UTCDate.daysFromCivil(year: year, month: month + 1, day: day)
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second)
    }

    static func isJSONObject(_ body: [UInt8]) -> Bool {
        body.withUnsafeBytes { bytes in
            guard let root = try? JSONDocument(bytes).root() else { return false }
            return root.kind == .object
        }
    }

    /// Stripe's `error.message`, scrubbed of key material; or a short description of the body.
    func stripeMessage(_ body: [UInt8]) -> String {
        body.withUnsafeBytes { bytes -> String in
            let document = JSONDocument(bytes)
            if let root = try? document.root(), root.kind == .object,
                let error = try? document.member(root, "error"), error.kind == .object,
                let message = try? document.member(error, "message"), let text = try? document.string(message)
            {
                return key.scrub(text)
            }
            let prefix = String(decoding: body.prefix(120), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
            return "a non-Stripe body: \(key.scrub(prefix))"
        }
    }

    func stripeReason(_ body: [UInt8]) -> String {
        body.withUnsafeBytes { bytes -> String in
            let document = JSONDocument(bytes)
            if let root = try? document.root(), root.kind == .object,
                let error = try? document.member(root, "error"), error.kind == .object,
                let code = try? document.member(error, "code"), let text = try? document.string(code)
            {
                return text
            }
            return "rate_limit"
        }
    }

    /// Finds the permission Stripe names in a 403 message, such as `rak_invoice_read`.
    static func permissionName(in message: String) -> String? {
        guard let range = message.range(of: "rak_") else { return nil }
        var end = range.lowerBound
        while end < message.endIndex, message[end].isLetter || message[end].isNumber || message[end] == "_" {
            end = message.index(after: end)
        }
        return String(message[range.lowerBound..<end])
    }
}
