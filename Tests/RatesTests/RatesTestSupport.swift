import Foundation
import Testing
import Core
@testable import Rates

/// Fixtures, temporary directories and the python3 oracle shared by the rates tests.
enum Fixture {
    static func path(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"),
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

/// Runs a command-line tool, failing on a non-zero exit.
enum Shell {
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting: a full pipe would block the child forever.
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Python.Failure(description: "\(tool) failed (\(process.terminationStatus)): \(String(decoding: errors, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Runs python3 as an independent oracle.
enum Python {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func run(_ script: String, arguments: [String] = []) throws -> String {
        try Shell.run("python3", ["-c", script] + arguments)
    }
}
