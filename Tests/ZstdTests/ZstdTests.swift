import Foundation
import ModuleErrors
import TestSupport
import Testing

@testable import Zstd

@Suite struct ZstdTests {
    func tempPath(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zstd-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    @Test func roundTripsLinesAcrossBufferBoundaries() throws {
        let path = tempPath("lines.ndjson.zst")
        let writer = try ZstdFileWriter(path: path)
        var expected: [String] = []
        for i in 0..<20_000 {
            let line = "{\"i\":\(i),\"pad\":\"\(String(repeating: "x", count: i % 300))\"}"
            expected.append(line)
            try writer.write(line + "\n")
        }
        try writer.close()
        let reader = try ZstdLineReader(path: path, bufferSize: 4096)
        var got: [String] = []
        try reader.forEachLine { got.append(String(decoding: $0, as: UTF8.self)) }
        #expect(got == expected)
        #expect(reader.lineNumber == expected.count)
    }

    @Test func readsALongLineLargerThanTheBuffer() throws {
        let path = tempPath("long.zst")
        let long = String(repeating: "é", count: 100_000)
        let writer = try ZstdFileWriter(path: path)
        try writer.write("a\n" + long + "\nb")
        try writer.close()
        let reader = try ZstdLineReader(path: path, bufferSize: 1024)
        var got: [String] = []
        try reader.forEachLine { got.append(String(decoding: $0, as: UTF8.self)) }
        #expect(got == ["a", long, "b"])
    }

    @Test func unfinishedFrameIsReportedAsTruncated() throws {
        let path = tempPath("cut.zst")
        let writer = try ZstdFileWriter(path: path)
        for i in 0..<50_000 { try writer.write("line \(i) with some text to compress\n") }
        try writer.close()
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count - 7).write(to: URL(fileURLWithPath: path))
        let reader = try ZstdLineReader(path: path)
        #expect(throws: ZstdError.self) {
            try reader.forEachLine { _ in }
        }
        do {
            try ZstdLineReader(path: path).forEachLine { _ in }
        } catch let error as ZstdError {
            #expect(error.code == .truncated)
        }
    }

    @Test func emptyFileIsNotReadAsEmptyStream() throws {
        let path = tempPath("empty.zst")
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        #expect(throws: ZstdError.self) { try ZstdLineReader(path: path).forEachLine { _ in } }
    }

    @Test func zstdCommandLineToolReadsOurFiles() async throws {
        let path = tempPath("cli.zst")
        let writer = try ZstdFileWriter(path: path)
        try writer.write("hello\nworld\n")
        try writer.close()
        let run = try await ChildProcess.run("/usr/bin/env", ["zstd", "-dc", path], timeout: 60)
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout == "hello\nworld\n")
    }

    @Test func oneShotCompressionRoundTrips() throws {
        let compressor = try ZstdCompressor(level: 3)
        let input = [UInt8]((0..<100_000).map { UInt8($0 % 7) })
        let frame = try compressor.compress(input)
        #expect(frame.count < input.count / 10)
        let back = try frame.withUnsafeBytes { try ZstdDecompression.decompress($0, decompressedSize: input.count) }
        #expect(back == input)
    }
}
