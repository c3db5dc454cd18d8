import Curl
import Foundation
import ModuleErrors
import TestSupport
import Testing

/// A small Python HTTP/1.1 peer (an independent implementation) for what our fixture server does not
/// do: gzip bodies, TLS with a self-signed certificate, and counting connections.
final class PythonPeer {
    static let script = #"""
        import gzip, http.server, json, socketserver, ssl, sys, time, threading
        connections = set()
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *args): pass
            def send_body(self, body, extra=()):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                for k, v in extra: self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def do_GET(self):
                connections.add(self.client_address)
                if self.path == "/gzip":
                    raw = json.dumps({"data": ["x" * 50] * 200}).encode()
                    self.send_body(gzip.compress(raw), [("Content-Encoding", "gzip")])
                elif self.path.startswith("/slow"):
                    time.sleep(3)
                    self.send_body(b"{}")
                elif self.path == "/headers":
                    self.send_body(json.dumps({k.lower(): v for k, v in self.headers.items()}).encode())
                elif self.path == "/connections":
                    self.send_body(json.dumps({"count": len(connections)}).encode())
                else:
                    self.send_body(b'{"ok":true}')
        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
        server = Server(("127.0.0.1", 0), Handler)
        if len(sys.argv) > 3:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(sys.argv[2], sys.argv[3])
            server.socket = context.wrap_socket(server.socket, server_side=True)
        import os
        with open(sys.argv[1] + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        os.rename(sys.argv[1] + ".tmp", sys.argv[1])
        server.serve_forever()
        """#

    let process: ChildProcess.Running
    let port: Int

    private init(process: ChildProcess.Running, port: Int) {
        self.process = process
        self.port = port
    }

    static func start(tls: (cert: String, key: String)? = nil, directory: TemporaryDirectory) async throws -> PythonPeer {
        let scriptPath = directory.appending("peer.py")
        try Self.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        // The peer announces its port in a file (renamed into place), polled with a deadline.
        let portFile = directory.appending("port-\(UUID().uuidString)")
        let process = try await ChildProcess.start(
            "/usr/bin/env", ["python3", scriptPath, portFile] + (tls.map { [$0.cert, $0.key] } ?? []))
        var port: Int? = nil
        for _ in 0..<400 where port == nil {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8) { port = Int(text) } else { usleep(50_000) }
        }
        guard let port else {
            await process.kill()
            throw CurlError(.usage, "the python peer did not start within 20 s")
        }
        return PythonPeer(process: process, port: port)
    }

    /// The peer serves until the test ends; Subprocess reaps it.
    deinit { process.send(SIGKILL) }
}

@Suite struct HTTPClientTests {
    @Test func decodesGzipAndSendsOurHeaders() async throws {
        let directory = try TemporaryDirectory(prefix: "curl-test")
        let peer = try await PythonPeer.start(directory: directory)
        let client = try HTTPClient()
        let gz = try client.get(url: "http://127.0.0.1:\(peer.port)/gzip")
        #expect(gz.status == 200)
        #expect(gz.header("content-encoding") == "gzip")
        let decoded = try JSONSerialization.jsonObject(with: Data(gz.body)) as? [String: Any]
        #expect((decoded?["data"] as? [String])?.count == 200)
        #expect(gz.downloadedBytes < gz.body.count, "the wire carried the compressed body")

        let echoed = try client.get(
            url: "http://127.0.0.1:\(peer.port)/headers", headers: [("Stripe-Version", "2025-03-31.basil"), ("X-Test", "1")])
        let headers = try #require(try JSONSerialization.jsonObject(with: Data(echoed.body)) as? [String: String])
        #expect(headers["stripe-version"] == "2025-03-31.basil")
        #expect(headers["accept-encoding"]?.contains("gzip") == true)
        #expect(headers["user-agent"] == "stripe-warehouse")
    }

    @Test func reusesOneConnectionAcrossRequests() async throws {
        let directory = try TemporaryDirectory(prefix: "curl-test")
        let peer = try await PythonPeer.start(directory: directory)
        let client = try HTTPClient()
        for _ in 0..<10 { _ = try client.get(url: "http://127.0.0.1:\(peer.port)/ok") }
        let count = try client.get(url: "http://127.0.0.1:\(peer.port)/connections")
        let object = try JSONSerialization.jsonObject(with: Data(count.body)) as? [String: Int]
        #expect(object?["count"] == 1, "keep-alive: every request on the same connection")
    }

    @Test func timeoutIsARetryableError() async throws {
        let directory = try TemporaryDirectory(prefix: "curl-test")
        let peer = try await PythonPeer.start(directory: directory)
        var configuration = HTTPClientConfiguration()
        configuration.timeoutSeconds = 0.5
        let client = try HTTPClient(configuration: configuration)
        do {
            _ = try client.get(url: "http://127.0.0.1:\(peer.port)/slow?secret=hidden")
            Issue.record("expected a timeout")
        } catch let error as CurlError {
            #expect(error.code == .timeout)
            #expect(error.isRetryable)
            #expect(!error.message.contains("hidden"), "query strings are left out of messages")
        }
    }

    @Test func refusedConnectionIsANetworkError() throws {
        let client = try HTTPClient()
        do {
            _ = try client.get(url: "http://127.0.0.1:9/")
            Issue.record("expected a refused connection")
        } catch let error as CurlError {
            #expect(error.code == .network)
            #expect(error.isRetryable)
        }
    }

    @Test func onlyHTTPAndHTTPSAreAllowed() throws {
        let client = try HTTPClient()
        #expect(throws: CurlError.self) { _ = try client.get(url: "file:///etc/passwd") }
    }

    @Test func selfSignedCertificateIsRefusedUnlessTrusted() async throws {
        let directory = try TemporaryDirectory(prefix: "curl-tls")
        let cert = directory.appending("cert.pem"), key = directory.appending("key.pem")
        let openssl = try await ChildProcess.run(
            "/usr/bin/env",
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"
            ], timeout: 60)
        try #require(openssl.status == 0, "openssl could not make a test certificate: \(openssl)")
        let peer = try await PythonPeer.start(tls: (cert, key), directory: directory)

        do {
            _ = try HTTPClient().get(url: "https://127.0.0.1:\(peer.port)/ok")
            Issue.record("an untrusted certificate was accepted")
        } catch let error as CurlError {
            #expect(error.code == .tls)
            #expect(!error.isRetryable)
        }
        var trusting = HTTPClientConfiguration()
        trusting.caBundlePath = cert
        let response = try HTTPClient(configuration: trusting).get(url: "https://127.0.0.1:\(peer.port)/ok")
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"ok":true}"#)
    }
}
