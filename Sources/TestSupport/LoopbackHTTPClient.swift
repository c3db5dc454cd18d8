import Foundation
public import StripeSimulator

#if canImport(Glibc)
import Glibc
#endif

/// A tiny blocking HTTP/1.1 GET client for tests of the fixture server (one connection per request,
/// `Connection: close`). Independent of the pipeline's libcurl client on purpose.
public enum LoopbackHTTPClient {
    public struct Response: Sendable {
        public let status: Int
        public let headers: [(String, String)]
        public let body: [UInt8]

        public func header(_ name: String) -> String? {
            let lower = name.lowercased()
            return headers.first { $0.0.lowercased() == lower }?.1
        }

        public func json() throws -> FixtureJSON { try FixtureJSON.parse(body) }
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public enum Kind: String, Sendable {
            case connect, timeout, closedBeforeResponse, truncatedBody, reset, malformed
        }

        public let kind: Kind
        public let message: String
        public var description: String { "\(kind.rawValue): \(message)" }
    }

    /// GETs `target` (path and query) from 127.0.0.1:`port`. `timeout` bounds each socket read.
    public static func get(
        port: UInt16, _ target: String, headers: [(String, String)] = [], method: String = "GET", timeout: Double = 30
    ) throws -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(kind: .connect, message: String(cString: strerror(errno))) }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(kind: .connect, message: String(cString: strerror(errno))) }
        var request = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        let bytes = Array(request.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(kind: .connect, message: "send: \(String(cString: strerror(errno)))") }
            offset += n
        }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { data.append(contentsOf: chunk[0..<n]); continue }
            if n == 0 { break }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw Failure(kind: .timeout, message: "no data within \(timeout)s") }
            if errno == ECONNRESET { throw Failure(kind: .reset, message: "connection reset after \(data.count) bytes") }
            throw Failure(kind: .malformed, message: String(cString: strerror(errno)))
        }
        guard !data.isEmpty else { throw Failure(kind: .closedBeforeResponse, message: "connection closed without a response") }
        guard let split = find([13, 10, 13, 10], in: data) else { throw Failure(kind: .malformed, message: "no header terminator") }
        let head = String(decoding: data[0..<split], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(kind: .malformed, message: head[0]) }
        var responseHeaders: [(String, String)] = []
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            responseHeaders.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let body = Array(data[(split + 4)...])
        let response = Response(status: status, headers: responseHeaders, body: body)
        if let length = response.header("Content-Length").flatMap({ Int($0) }), body.count < length {
            throw Failure(kind: .truncatedBody, message: "got \(body.count) of \(length) body bytes")
        }
        return response
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}
