import Core
import Digest
import Foundation
import ModuleErrors
import Testing

@testable import Rates

/// `rates update` refuses well-formed but wrong data (issue 11.9): a new history must cover the
/// currencies and dates of the one it replaces, and no rate may jump implausibly.
@Suite struct RatesUpdatePlausibilityTests {

    static func snapshotLines() throws -> [String] {
        String(decoding: try Fixture.snapshotCSV.get(), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    static func csv(_ lines: [String]) -> [UInt8] { Array((lines.joined(separator: "\n") + "\n").utf8) }

    /// The snapshot plus one newer day whose rates are the newest day's times `factor`.
    static func withNewDay(_ lines: [String], day: String = "2026-11-02", factor: Double) -> [String] {
        let newest = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let moved =
            [day]
            + newest.dropFirst().map { field -> String in
                guard let value = Double(field) else { return field }
                return String(format: "%.4f", value * factor)
            }
        return [lines[0], moved.joined(separator: ",")] + lines.dropFirst()
    }

    func refused(_ body: [UInt8], store: RatesStore, maxChange: Double = RatesStore.defaultMaxChange) throws -> RatesError {
        try #require(throws: RatesError.self) {
            try store.update(from: "https://rates.example/eurofxref-hist.csv", maxChange: maxChange) { _ in (200, body) }
        }
    }

    @Test func wrongButWellFormedHistoriesAreRefusedAndTheOldRatesStay() throws {
        let directory = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = RatesStore(directory: directory + "/rates")
        let lines = try Self.snapshotLines()
        #expect(lines[1].hasPrefix("2026-10-30,1.1172,"), "the snapshot's newest day changed: \(lines[1].prefix(30))")
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let usd = try #require(header.firstIndex(of: "USD"))

        let cases: [(name: String, body: [UInt8], mentions: [String])] = [
            ("the 10 newest rows", Self.csv(Array(lines.prefix(11))), ["cover 2026-10", "less than the 1999-01-04 to 2026-10-30"]),
            (
                "USD only",
                Self.csv(
                    lines.map { line in
                        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                        return fields[0] + "," + fields[usd]
                    }), ["lack", "currencies", "JPY"]
            ),
            ("history ending 2019", Self.csv([lines[0]] + lines.dropFirst().filter { $0 < "2020" }), ["to 2019-12-31", "less than"]),
            (
                "111,720,000 USD per EUR",
                Self.csv(
                    [lines[0], lines[1].replacingOccurrences(of: "2026-10-30,1.1172,", with: "2026-10-30,111720000,")] + lines.dropFirst(2)),
                ["USD on 2026-10-30 is 111720000 per EUR", "1.1172", "fx.max_rate_change"]
            ),
            ("a new day 100x the last", Self.csv(Self.withNewDay(lines, factor: 100)), ["on 2026-11-02", "its previous published day"])
        ]
        for (name, body, mentions) in cases {
            let error = try refused(body, store: store)
            #expect(error.code == .refused, "\(name): \(error)")
            for text in mentions { #expect(error.message.contains(text), "\(name): \(error.message)") }
            #expect(error.message.contains("unchanged") && error.message.contains("--force"), "\(name): \(error.message)")
            #expect(!FileManager.default.fileExists(atPath: store.storePath), "\(name) replaced the shipped snapshot")
        }

        // A plausible next day is installed; the store is then what later downloads are held against.
        let next = try store.update(from: "https://rates.example/h.csv") { _ in (200, Self.csv(Self.withNewDay(lines, factor: 1.01))) }
        #expect(UTCDate.dayString(next.lastDay) == "2026-11-02")
        let installed = try SHA256.hexOfFile(atPath: store.storePath)
        let snapshotAgain = try refused(Self.csv(lines), store: store)
        #expect(snapshotAgain.message.contains("less than the 1999-01-04 to 2026-11-02"), "\(snapshotAgain.message)")
        #expect(try SHA256.hexOfFile(atPath: store.storePath) == installed)

        // The allowed move is configurable (fx.max_rate_change): 1% is too much at 0.5%.
        let tight = try refused(Self.csv(Self.withNewDay(lines, day: "2026-11-03", factor: 1.01 * 1.01)), store: store, maxChange: 0.005)
        #expect(tight.message.contains("on 2026-11-03"), "\(tight.message)")
        #expect(try SHA256.hexOfFile(atPath: store.storePath) == installed)
    }

    @Test func theShippedSnapshotPassesItsOwnCheck() throws {
        let table = try Fixture.snapshot.get()
        try table.checkReplaces(table, maxChange: RatesStore.defaultMaxChange, source: "snapshot")
    }
}
