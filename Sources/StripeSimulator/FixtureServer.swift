import Foundation
import Synchronization
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// A loopback Stripe-compatible HTTP/1.1 server serving a generated account (GET only).
///
/// Binds 127.0.0.1 on an ephemeral port, one thread per connection, keep-alive with
/// `Content-Length` bodies (`Connection: close` honoured). Checks `Authorization: Bearer <apiKey>`
/// (401 otherwise), answers 403 for `restrictedPaths`, records every request, and injects the faults
/// of its `FaultPlan`. Usable from tests and in-process from the benchmark:
///
///     let server = FixtureServer(generator: AccountGenerator(AccountConfig(invoices: 100_000)))
///     try server.start()
///     defer { server.stop() }
///     // point the extract at server.baseURL with server.configuration.apiKey
public final class FixtureServer: Sendable {
    public struct Configuration: Sendable {
        /// The only key accepted (`Authorization: Bearer <apiKey>`).
        public var apiKey: String
        public var faultPlan: FaultPlan
        /// Path prefix -> permission name: requests under it get Stripe's 403 for a restricted key
        /// lacking that permission (e.g. "/v1/credit_notes": "rak_credit_note_read").
        public var restrictedPaths: [String: String]
        /// Pretty-printed (2-space) bodies like Stripe; false sends compact JSON.
        public var pretty: Bool
        /// Keep a request log (turn off for long benchmarks; the counters still work).
        public var recordRequests: Bool
        /// Time each response takes (per request; connections are served concurrently), like a
        /// real API's list latency.
        public var latencySeconds: Double
        /// A per-account limit like Stripe's: requests over it are answered 429 at once.
        public var rateLimit: RateLimit?

        public init(
            apiKey: String = "rk_test_fixture", faultPlan: FaultPlan = .none, restrictedPaths: [String: String] = [:],
            pretty: Bool = true, recordRequests: Bool = true, latencySeconds: Double = 0, rateLimit: RateLimit? = nil
        ) {
            self.apiKey = apiKey
            self.faultPlan = faultPlan
            self.restrictedPaths = restrictedPaths
            self.pretty = pretty
            self.recordRequests = recordRequests
            self.latencySeconds = latencySeconds
            self.rateLimit = rateLimit
        }
    }

    /// A token bucket per account: `requestsPerSecond` refill, `burst` capacity.
    public struct RateLimit: Sendable {
        public var requestsPerSecond: Double
        public var burst: Double
        /// `Retry-After` sent with the 429 (nil: none, as Stripe often does).
        public var retryAfter: String?

        public init(requestsPerSecond: Double, burst: Double? = nil, retryAfter: String? = nil) {
            self.requestsPerSecond = requestsPerSecond
            self.burst = burst ?? max(1, requestsPerSecond / 10)
            self.retryAfter = retryAfter
        }
    }

    /// One request as the server saw it, and what it did with it.
    public struct RequestRecord: Sendable {
        /// Server-wide, 1-based.
        public let number: Int
        public let method: String
        /// Path plus query, as sent.
        public let target: String
        public let path: String
        public let headers: [(String, String)]
        /// Status line sent; 0 when the connection was closed without a response.
        public let status: Int
        public let fault: FaultPlan.Fault?
        /// 1-based attempt number of this target.
        public let attempt: Int
        /// When the request arrived (Unix seconds).
        public let receivedAt: Double
        /// Answered 429 by the server's rate limit (not a planned fault).
        public let rateLimited: Bool

        /// The first header named `name` (case-insensitive).
        public func header(_ name: String) -> String? {
            let lower = name.lowercased()
            return headers.first { $0.0.lowercased() == lower }?.1
        }
    }

    public let generator: AccountGenerator
    public let configuration: Configuration
    private let router: FixtureRouter
    /// Answers GETs instead of the generated account's router (an `EvolvingAccount`).
    private let responder: (@Sendable (String) -> FixtureResponse)?
    /// Everything the accept and connection threads share.
    private struct State {
        var listenFD: Int32 = -1
        var connections: Set<Int32> = []
        var activeConnections = 0
        var log: [RequestRecord] = []
        var requestCounter = 0
        var attemptsByTarget: [String: Int] = [:]
        var countsByPath: [String: Int] = [:]
        var accepted = 0
        var limitedCount = 0
        var tokens: Double = 0
        var tokensAt: Double = 0
        var inFlight = 0
        var peakInFlight = 0
        var faultPlan: FaultPlan
        var running = false
        var port: UInt16 = 0
    }

    private let state: Mutex<State>
    private let acceptFinished = DispatchSemaphore(value: 0)
    /// The bound port (valid after `start()`).
    public var port: UInt16 { state.withLock { $0.port } }

    public init(
        generator: AccountGenerator = AccountGenerator(), configuration: Configuration = Configuration(),
        responder: (@Sendable (String) -> FixtureResponse)? = nil
    ) {
        self.generator = generator
        self.responder = responder
        self.configuration = configuration
        router = FixtureRouter(generator: generator, pretty: configuration.pretty)
        state = Mutex(State(tokens: configuration.rateLimit?.burst ?? 0, faultPlan: configuration.faultPlan))
    }

    deinit { stop() }

    /// `http://127.0.0.1:<port>` (no trailing slash).
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Creates and starts a server for `config` in one call (for the benchmark and the demo).
    public static func started(_ config: AccountConfig, configuration: Configuration = Configuration()) throws -> FixtureServer {
        let server = FixtureServer(generator: AccountGenerator(config), configuration: configuration)
        try server.start()
        return server
    }

    // MARK: Control

    public func start() throws {
        let fd: Int32? = try state.withLock { state in
            guard !state.running else { return nil }
            let (fd, boundPort) = try LoopbackSocket.bind(listening: 128, reuseAddress: true)
            state.port = boundPort
            state.listenFD = fd
            state.running = true
            return fd
        }
        guard let fd else { return }
        let thread = Thread { [self] in acceptLoop(fd) }
        thread.name = "fixture-server-accept"
        thread.start()
    }

    /// Stops accepting, closes every connection and waits for the connection threads to finish.
    public func stop() {
        let stopped: (fd: Int32, open: Set<Int32>)? = state.withLock { state in
            guard state.running else { return nil }
            state.running = false
            defer { state.listenFD = -1 }
            return (state.listenFD, state.connections)
        }
        guard let (fd, open) = stopped else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        acceptFinished.wait()
        try? FileDescriptor(rawValue: fd).close()
        for connection in open { shutdown(connection, Int32(SHUT_RDWR)) }
        // Connection threads close their own sockets; wait (bounded) until they have.
        for _ in 0..<500 {
            if state.withLock({ $0.activeConnections }) == 0 { break }
            usleep(10_000)
        }
    }

    public var isRunning: Bool { state.withLock { $0.running } }

    /// Replaces the fault plan (attempt counters keep counting).
    public func setFaultPlan(_ plan: FaultPlan) {
        state.withLock { $0.faultPlan = plan }
    }

    // MARK: Request log

    /// Every request so far, in arrival order.
    public var requests: [RequestRecord] { state.withLock { $0.log } }

    /// Requests received so far (also when `recordRequests` is off).
    public var requestCount: Int { state.withLock { $0.requestCounter } }

    /// Requests received so far per path (without query), e.g. "/v1/invoices".
    public var requestsByPath: [String: Int] { state.withLock { $0.countsByPath } }

    /// Connections accepted so far (a client that reuses its connections opens few).
    public var connectionsAccepted: Int { state.withLock { $0.accepted } }

    /// Requests answered 429 by the rate limit so far.
    public var rateLimitedCount: Int { state.withLock { $0.limitedCount } }

    /// The most requests being handled at once so far.
    public var peakConcurrentRequests: Int { state.withLock { $0.peakInFlight } }

    /// Clears the log, the request counters and the per-target attempt counters.
    public func resetLog() {
        state.withLock { state in
            state.log.removeAll()
            state.requestCounter = 0
            state.attemptsByTarget.removeAll()
            state.countsByPath.removeAll()
            state.limitedCount = 0
            state.peakInFlight = 0
        }
    }

    private static func wallClock() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Takes one token from the account's bucket; false when the limit is exceeded.
    private func takeToken(_ state: inout State, now: Double) -> Bool {
        guard let limit = configuration.rateLimit else { return true }
        state.tokens = min(limit.burst, state.tokens + (now - state.tokensAt) * limit.requestsPerSecond)
        state.tokensAt = now
        guard state.tokens >= 1 else { return false }
        state.tokens -= 1
        return true
    }

    // MARK: Sockets

    /// socket, bind, listen, accept, setsockopt, shutdown and send have no swift-system API and stay
    /// direct calls; reads and closes of the accepted sockets go through `FileDescriptor`.
    private func acceptLoop(_ listenFD: Int32) {
        defer { acceptFinished.signal() }
        while true {
            let accepted = accept(listenFD, nil, nil)
            if accepted < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            let fd = FileDescriptor(rawValue: accepted)
            let running = state.withLock { state in
                guard state.running else { return false }
                state.connections.insert(accepted)
                state.activeConnections += 1
                state.accepted += 1
                return true
            }
            guard running else {
                try? fd.close()
                return
            }
            var one: Int32 = 1
            setsockopt(accepted, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let thread = Thread { [self] in serve(fd) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private struct Request {
        let method: String
        let target: String
        let version: String
        let headers: [(String, String)]

        func header(_ name: String) -> String? {
            let lower = name.lowercased()
            return headers.first { $0.0.lowercased() == lower }?.1
        }
    }

    private enum Disposition {
        case keepOpen
        case close
    }

    private func serve(_ fd: FileDescriptor) {
        var buffer: [UInt8] = []
        defer {
            state.withLock { _ = $0.connections.remove(fd.rawValue) }
            try? fd.close()
            state.withLock { $0.activeConnections -= 1 }
        }
        while let request = readRequest(fd, &buffer) {
            if case .close = handle(request, fd) { return }
        }
    }

    private func readRequest(_ fd: FileDescriptor, _ buffer: inout [UInt8]) -> Request? {
        let terminator: [UInt8] = [13, 10, 13, 10]
        var headerEnd: Int?
        var searchFrom = 0
        while headerEnd == nil {
            if buffer.count >= 4 {
                var i = max(0, searchFrom - 3)
                while i + 4 <= buffer.count {
                    if buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 { headerEnd = i; break }
                    i += 1
                }
                searchFrom = buffer.count
            }
            if headerEnd != nil { break }
            guard buffer.count < 64 * 1024, receive(fd, &buffer) else { return nil }
        }
        guard let end = headerEnd else { return nil }
        let head = String(decoding: buffer[0..<end], as: UTF8.self)
        buffer.removeFirst(end + terminator.count)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count == 3 else { return nil }
        var headers: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let request = Request(
            method: String(requestLine[0]), target: String(requestLine[1]), version: String(requestLine[2]), headers: headers)
        // Discard any request body.
        if let length = request.header("Content-Length").flatMap({ Int($0) }), length > 0 {
            while buffer.count < length { guard receive(fd, &buffer) else { return nil } }
            buffer.removeFirst(length)
        }
        return request
    }

    /// Appends what the peer sent next; false at end of stream or on an error (read(2) retried on EINTR).
    private func receive(_ fd: FileDescriptor, _ buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        guard let n = try? chunk.withUnsafeMutableBytes({ try fd.read(into: $0) }), n > 0 else { return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    /// send(2) with MSG_NOSIGNAL, not write(2): a client that has hung up (a timed-out slow fault)
    /// must give EPIPE, not a SIGPIPE that would end the process serving the demo or the benchmark.
    @discardableResult
    private func sendAll(_ fd: FileDescriptor, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd.rawValue, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        default: return "Status \(status)"
        }
    }

    private func head(_ response: FixtureResponse, number: Int, contentLength: Int, keepAlive: Bool) -> [UInt8] {
        var text = "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n"
        for (name, value) in response.headers { text += "\(name): \(value)\r\n" }
        text += "Request-Id: req_T\(AccountGenerator.pad(number, 8))\r\n"
        text += "Stripe-Version: \(generator.config.apiVersion)\r\n"
        text += "Content-Length: \(contentLength)\r\n"
        text += "Connection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n"
        return Array(text.utf8)
    }

    /// An IMF-fixdate (RFC 9110), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    public static func httpDate(unixSeconds: Int64) -> String {
        var time = time_t(unixSeconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return
            "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }

    // MARK: Handling

    private func handle(_ request: Request, _ fd: FileDescriptor) -> Disposition {
        let path = String(request.target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
        let connectionHeader = request.header("Connection")?.lowercased()
        let keepAlive = request.version == "HTTP/1.0" ? connectionHeader == "keep-alive" : connectionHeader != "close"

        let receivedAt = Self.wallClock()
        let (number, attempt, pathNumber, plan, limited) = state.withLock { state in
            state.requestCounter += 1
            let attempt = (state.attemptsByTarget[request.target] ?? 0) + 1
            state.attemptsByTarget[request.target] = attempt
            let pathNumber = (state.countsByPath[path] ?? 0) + 1
            state.countsByPath[path] = pathNumber
            let limited = !takeToken(&state, now: receivedAt)
            if limited { state.limitedCount += 1 }
            state.inFlight += 1
            state.peakInFlight = max(state.peakInFlight, state.inFlight)
            return (state.requestCounter, attempt, pathNumber, state.faultPlan, limited)
        }
        defer { state.withLock { $0.inFlight -= 1 } }

        var response: FixtureResponse
        var fault: FaultPlan.Fault?
        let authorization = request.header("Authorization")
        let presentedKey = authorization.flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        if request.method != "GET" {
            response = router.methodNotAllowedResponse(method: request.method, path: path)
        } else if presentedKey != configuration.apiKey {
            response = router.unauthorizedResponse(presentedKey: presentedKey ?? authorization)
        } else if let permission = configuration.restrictedPaths.first(where: { path.hasPrefix($0.key) })?.value {
            response = router.forbiddenResponse(presentedKey: configuration.apiKey, permission: permission)
        } else if limited {
            fault = .rateLimited(retryAfter: configuration.rateLimit?.retryAfter)
            response = responder?(request.target) ?? router.respond(target: request.target)
        } else {
            fault = plan.fault(forRequest: number, attempt: attempt, path: path, pathNumber: pathNumber)
            if case let .staleLastObject(pagesBack)? = fault {
                response = router.respond(target: request.target, staleLastByPages: pagesBack)
            } else {
                response = responder?(request.target) ?? router.respond(target: request.target)
            }
        }
        if configuration.latencySeconds > 0 && !limited { usleep(useconds_t(configuration.latencySeconds * 1_000_000)) }

        let statusSent: Int
        switch fault {
        case .rateLimited?, .rateLimitedUntil?: statusSent = 429
        case let .serverError(status)?: statusSent = status
        case .malformedJSON?: statusSent = 200
        case .htmlErrorPage?: statusSent = 502
        case .closeWithoutResponse?: statusSent = 0
        default: statusSent = response.status
        }
        // Logged before the response goes out, so a client that has its answer also sees the record.
        if configuration.recordRequests {
            let record = RequestRecord(
                number: number, method: request.method, target: request.target, path: path, headers: request.headers,
                status: statusSent, fault: limited ? nil : fault, attempt: attempt, receivedAt: receivedAt, rateLimited: limited)
            state.withLock { $0.log.append(record) }
        }

        var disposition: Disposition = keepAlive ? .keepOpen : .close
        switch fault {
        case nil, .staleLastObject?:
            sendAll(fd, head(response, number: number, contentLength: response.body.count, keepAlive: keepAlive) + response.body)
        case let .rateLimited(retryAfter)?:
            var limited = router.errorResponse(
                .init(
                    status: 429, type: "invalid_request_error",
                    message: "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.",
                    code: "rate_limit"))
            if let retryAfter { limited.headers.append(("Retry-After", retryAfter)) }
            sendAll(fd, head(limited, number: number, contentLength: limited.body.count, keepAlive: keepAlive) + limited.body)
        case let .rateLimitedUntil(seconds)?:
            var limited = router.errorResponse(
                .init(
                    status: 429, type: "invalid_request_error",
                    message: "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.",
                    code: "rate_limit"))
            let until = Int64(receivedAt.rounded(.up)) + Int64(seconds)
            limited.headers.append(("Retry-After", Self.httpDate(unixSeconds: until)))
            sendAll(fd, head(limited, number: number, contentLength: limited.body.count, keepAlive: keepAlive) + limited.body)
        case let .serverError(status)?:
            let failed = router.errorResponse(
                .init(
                    status: status, type: "api_error",
                    message: "Something went wrong on Stripe's end. (Fixture fault \(status) on request \(number).)"))
            sendAll(fd, head(failed, number: number, contentLength: failed.body.count, keepAlive: keepAlive) + failed.body)
        case let .slow(seconds)?:
            var waited = 0.0
            while waited < seconds && isRunning {
                let step = min(0.02, seconds - waited)
                usleep(useconds_t(step * 1_000_000))
                waited += step
            }
            sendAll(fd, head(response, number: number, contentLength: response.body.count, keepAlive: keepAlive) + response.body)
        case .malformedJSON?:
            response.status = 200
            response.body = Array(response.body.prefix(max(1, response.body.count / 2)))
            sendAll(fd, head(response, number: number, contentLength: response.body.count, keepAlive: keepAlive) + response.body)
        case .truncatedBody?:
            let part = Array(response.body.prefix(response.body.count / 2))
            sendAll(fd, head(response, number: number, contentLength: response.body.count, keepAlive: false) + part)
            shutdown(fd.rawValue, Int32(SHUT_WR))
            disposition = .close
        case .droppedMidBody?:
            let part = Array(response.body.prefix(response.body.count / 3))
            sendAll(fd, head(response, number: number, contentLength: response.body.count, keepAlive: keepAlive) + part)
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd.rawValue, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            disposition = .close
        case .htmlErrorPage?:
            let html = FixtureResponse(
                status: 502, headers: [("Content-Type", "text/html; charset=utf-8")],
                body: Array(
                    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
                        .utf8))
            sendAll(fd, head(html, number: number, contentLength: html.body.count, keepAlive: keepAlive) + html.body)
        case .closeWithoutResponse?:
            disposition = .close
        }

        return disposition
    }
}
