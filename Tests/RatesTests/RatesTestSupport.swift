import Core
import Foundation
import TestSupport
import Testing

@testable import Rates

/// Fixtures, temporary directories and the python3 oracle shared by the rates tests.
enum Fixture {
    static func path(_ name: String) throws -> String {
        let url = try #require(
            Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"),
            "fixture \(name) is missing from the RatesTests bundle")
        return url.path
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try #require(FileManager.default.contents(atPath: try path(name))))
    }

    /// The shipped snapshot, parsed once for all tests.
    static let snapshot = Result { try RatesTable(ecbPath: RatesStore.shippedSnapshotPath()) }

    /// The shipped snapshot merged with Fixtures/supplementary.csv (BHD, AED), parsed once.
    static let supplementedSnapshot = Result {
        try RatesTable(ecbPath: RatesStore.shippedSnapshotPath(), supplementaryPath: path("supplementary.csv"))
    }

    /// The shipped snapshot's CSV bytes.
    static let snapshotCSV = Result { try RatesData.readFile(RatesStore.shippedSnapshotPath()) }

    static func day(_ text: String) throws -> Int {
        try #require(UTCDate.parseDay(text), "bad test date \(text)")
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/rates-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// Runs a command-line tool, failing on a non-zero exit (its output and errors are read as they
/// come: a tool that fills its error pipe before it writes its output does not stall).
enum Shell {
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], timeout: Double = 300) async throws -> String {
        let run = try await ChildProcess.run("/usr/bin/env", [tool] + arguments, timeout: timeout)
        guard run.status == 0, !run.signalled else {
            throw Python.Failure(description: "\(tool) failed (\(run.signalled ? "signal" : "exit") \(run.status)): \(run.stderr)")
        }
        return run.stdout
    }
}

/// Runs python3 as an independent oracle.
enum Python {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func run(_ script: String, arguments: [String] = []) async throws -> String {
        try await Shell.run("python3", ["-c", script] + arguments)
    }
}

@Suite struct ShellTests {
    /// A tool that fills its error pipe before it writes its output does not stall the test (the
    /// old helper read stdout to its end, then stderr: the child blocked on the full stderr pipe).
    @Test(.timeLimit(.minutes(1))) func toolWritingErrorsFirstDoesNotStall() async throws {
        let out = try await Shell.run(
            "python3", ["-c", "import sys; sys.stderr.write('x' * 500000); sys.stderr.flush(); print('done')"], timeout: 50)
        #expect(out == "done\n")
    }
}
