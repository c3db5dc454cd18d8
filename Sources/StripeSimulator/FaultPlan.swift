/// Deterministic fault injection for `FixtureServer`. Every rule is recoverable: a client that
/// retries the same request eventually gets the normal response, so a faulted run yields the same
/// objects as a clean one.
public struct FaultPlan: Sendable, Equatable {
    public enum Fault: Sendable, Equatable, CustomStringConvertible {
        /// 429 with a Stripe `rate_limit` error; `Retry-After: <value>` when non-nil ("0", "1", ...).
        case rateLimited(retryAfter: String?)
        /// 500, 502 or 503 with a Stripe `api_error` JSON body.
        case serverError(status: Int)
        /// The normal response after `seconds` (longer than the client's timeout, to force a retry).
        case slow(seconds: Double)
        /// 200 with a body cut in half: valid HTTP, invalid JSON.
        case malformedJSON
        /// Full `Content-Length`, half the body, then an orderly close (FIN).
        case truncatedBody
        /// Headers and part of the body, then the connection is reset (RST).
        case droppedMidBody
        /// 502 with a `text/html` page, like a proxy in front of the API.
        case htmlErrorPage
        /// The connection is closed without any response.
        case closeWithoutResponse
        /// A list page whose last object is replaced by the one `pagesBack` pages newer (as a server
        /// that lost its place would): a client that follows the cursor is sent back to old pages.
        case staleLastObject(pagesBack: Int)
        /// 429 with `Retry-After` as an HTTP date this many seconds out (whole seconds, rounded up).
        case rateLimitedUntil(secondsFromNow: Int)

        public var description: String {
            switch self {
            case let .rateLimited(retryAfter): return retryAfter.map { "429 (Retry-After \($0))" } ?? "429"
            case let .serverError(status): return "\(status)"
            case let .slow(seconds): return "slow \(seconds)s"
            case .malformedJSON: return "malformed JSON"
            case .truncatedBody: return "truncated body"
            case .droppedMidBody: return "dropped mid-body"
            case .htmlErrorPage: return "HTML 502"
            case .closeWithoutResponse: return "closed without response"
            case let .staleLastObject(pagesBack): return "stale object from \(pagesBack) pages back"
            case let .rateLimitedUntil(seconds): return "429 (Retry-After date +\(seconds)s)"
            }
        }

        /// One of each fault, with fast settings (Retry-After 0, 2 s delay), for "every scenario" loops.
        public static func allScenarios(slowSeconds: Double = 2) -> [Fault] {
            [
                .rateLimited(retryAfter: "0"), .rateLimited(retryAfter: nil), .serverError(status: 500),
                .serverError(status: 502), .serverError(status: 503), .slow(seconds: slowSeconds), .malformedJSON,
                .truncatedBody, .droppedMidBody, .htmlErrorPage, .closeWithoutResponse
            ]
        }
    }

    public enum Trigger: Sendable, Equatable {
        /// Server-wide request numbers divisible by `n` (n >= 2, so the retry is not faulted again
        /// when requests are sequential).
        case everyNthRequest(Int)
        /// The first `count` attempts of every distinct request target (path and query): the fault is
        /// hit by every request exactly `count` times, whatever the concurrency.
        case firstAttempts(Int)
        /// Server-wide request numbers divisible by `n` that are the first attempt of their target:
        /// every retry succeeds, however many requests are in flight.
        case everyNthFirstAttempt(Int)
        /// Exactly these server-wide request numbers (1-based).
        case requestNumbers(Set<Int>)
        /// Exactly these request numbers (1-based) counted per path (without query): with a rule's
        /// `pathPrefix` set to a list path, "the 14th page request of /v1/invoices".
        case pathRequestNumbers(Set<Int>)
    }

    public struct Rule: Sendable, Equatable {
        public var fault: Fault
        public var trigger: Trigger
        /// Only requests whose path starts with this (e.g. "/v1/invoices"); nil: all.
        public var pathPrefix: String?

        public init(_ fault: Fault, _ trigger: Trigger, pathPrefix: String? = nil) {
            if case let .everyNthRequest(n) = trigger { precondition(n >= 2, "every 1st request would never recover") }
            self.fault = fault
            self.trigger = trigger
            self.pathPrefix = pathPrefix
        }
    }

    /// Rules in priority order; the first that matches a request applies.
    public var rules: [Rule]

    public init(_ rules: [Rule] = []) { self.rules = rules }

    public static let none = FaultPlan()

    /// `fault` on every n-th request.
    public static func every(_ n: Int, _ fault: Fault, pathPrefix: String? = nil) -> FaultPlan {
        FaultPlan([Rule(fault, .everyNthRequest(n), pathPrefix: pathPrefix)])
    }

    /// `fault` on the first attempt of every request (or of those under `pathPrefix`).
    public static func firstAttempt(_ fault: Fault, pathPrefix: String? = nil) -> FaultPlan {
        FaultPlan([Rule(fault, .firstAttempts(1), pathPrefix: pathPrefix)])
    }

    /// The fault for request number `number` (1-based, server-wide), which is attempt `attempt`
    /// (1-based) of its target.
    public func fault(forRequest number: Int, attempt: Int, path: String, pathNumber: Int = 0) -> Fault? {
        for rule in rules {
            if let prefix = rule.pathPrefix, !path.hasPrefix(prefix) { continue }
            switch rule.trigger {
            case let .everyNthRequest(n): if number % n == 0 { return rule.fault }
            case let .everyNthFirstAttempt(n): if attempt == 1 && number % n == 0 { return rule.fault }
            case let .firstAttempts(count): if attempt <= count { return rule.fault }
            case let .requestNumbers(numbers): if numbers.contains(number) { return rule.fault }
            case let .pathRequestNumbers(numbers): if numbers.contains(pathNumber) { return rule.fault }
            }
        }
        return nil
    }
}
