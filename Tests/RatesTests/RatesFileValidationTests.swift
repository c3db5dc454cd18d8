import Core
import Digest
import Foundation
import ModuleErrors
import Testing

@testable import Rates

/// Strict validation of ECB and supplementary files: every rejection names the file and the line.
@Suite struct RatesFileValidationTests {
    static let header = "Date,USD,JPY,GBP,\n"

    func parse(_ text: String, name: String = "ecb.csv") throws -> RatesTable {
        try RatesTable(ecbCSV: Array(text.utf8), ecbName: name)
    }

    func rejection(_ text: String) throws -> RatesError {
        try #require(throws: RatesError.self) { try parse(text) }
    }

    @Test func acceptsECBShapes() throws {
        let table = try parse(Self.header + "2024-03-01,1.0813,162.82,0.85588,\n2024-02-29,1.0826,N/A,0.85655,\n")
        #expect(table.currencies == ["EUR", "GBP", "JPY", "USD"])
        #expect(UTCDate.dayString(table.ecbFirstDay) == "2024-02-29")
        #expect(UTCDate.dayString(table.ecbLastDay) == "2024-03-01")
        #expect(table.rateCount == 5)
        // CRLF line ends, a BOM, no trailing comma, oldest-first order are all fine.
        let other = try parse("\u{FEFF}Date,USD\r\n2024-02-29,1.0826\r\n2024-03-01,1.0813\r\n")
        #expect(try other.rate(of: "usd", on: Fixture.day("2024-03-02")).ratePerEUR.description == "1.0813")
        // JPY is N/A on 2024-02-29: that day falls back to nothing earlier.
        #expect(throws: RatesError.self) { try table.rate(of: "jpy", on: Fixture.day("2024-02-29")) }
    }

    @Test func truncatedFileNamesFileAndLine() throws {
        let good = Self.header + "2024-03-01,1.0813,162.82,0.85588,\n2024-02-29,1.0826,162.53,0.85655,\n"
        let cut = String(good.dropLast(12)) // "...,162.53" without the rest of the row
        let error = try rejection(cut)
        #expect(error.code == .invalidFile)
        #expect(error.message.hasPrefix("ecb.csv line 3: has 3 fields but the header has 5"))
        // A cut right after the last field still lacks the final newline.
        let noNewline = try rejection(String(good.dropLast()))
        #expect(noNewline.message == "ecb.csv line 3: does not end with a newline: the file is truncated")
    }

    @Test func htmlPageIsRejected() throws {
        let error = try #require(throws: RatesError.self) {
            try RatesTable(ecbCSV: Fixture.bytes("ecb-error-page.html"), ecbName: "download.csv")
        }
        #expect(error.message.hasPrefix("download.csv line 1: is an HTML page, not ECB's eurofxref-hist CSV"))
    }

    @Test func malformedContentIsRejected() throws {
        #expect(try rejection("").message.contains("is empty"))
        #expect(try rejection("Day,USD\n2024-03-01,1\n").message.hasPrefix("ecb.csv line 1: expected the header 'Date,USD,JPY,...'"))
        #expect(try rejection("Date,USD,USD\n2024-03-01,1,1\n").message == "ecb.csv line 1: header lists USD twice")
        #expect(try rejection("Date,USD,EUR\n2024-03-01,1,1\n").message.contains("EUR column"))
        #expect(try rejection("Date,US1\n2024-03-01,1\n").message.contains("not a 3-letter currency code"))
        #expect(try rejection("Date,USD\n").message == "ecb.csv line 1: has a header but no rows")
        #expect(try rejection("Date,USD\n2024-02-30,1.1\n").message == "ecb.csv line 2: '2024-02-30' is not a date (YYYY-MM-DD)")
        #expect(try rejection("Date,USD\n03/01/2024,1.1\n").message.contains("is not a date"))
        #expect(try rejection("Date,USD\n2024-03-01,-1.1\n").message == "ecb.csv line 2: USD rate '-1.1' is not a positive decimal or N/A")
        #expect(try rejection("Date,USD\n2024-03-01,0\n").message.contains("not a positive decimal"))
        #expect(try rejection("Date,USD\n2024-03-01,1e3\n").message.contains("not a positive decimal"))
        #expect(try rejection("Date,USD\n2024-03-01,\n").message.contains("not a positive decimal"))
        #expect(
            try rejection("Date,USD\n2024-03-01,1.1\n\n2024-02-29,1.2\n").message
                == "ecb.csv line 3: is empty (a row per business day expected)")
        #expect(
            try rejection("Date,USD\n2024-03-01,1.1\n2024-02-29,1.2\n2024-03-01,1.1\n").message
                == "ecb.csv line 4: repeats date 2024-03-01 of line 2")
    }

    @Test func zstdAndZipInputsAreDecoded() async throws {
        let csv = try Fixture.bytes("ecb-small.csv")
        let fromZip = try RatesTable(ecbPath: Fixture.path("ecb-small.zip"))
        let plain = try RatesTable(ecbCSV: csv)
        #expect(fromZip.ecbSha256 == plain.ecbSha256)
        #expect(plain.ecbSha256 == SHA256.hex(csv))
        let directory = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let zst = directory + "/rates.csv.zst"
        let plainPath = directory + "/rates.csv"
        #expect(FileManager.default.createFile(atPath: plainPath, contents: Data(csv)))
        try await Shell.run("zstd", ["-q", "-f", plainPath, "-o", zst]) // the zstd CLI, not our own writer
        #expect(try RatesTable(ecbPath: zst).ecbSha256 == plain.ecbSha256)
        let zstBytes = [UInt8](try #require(FileManager.default.contents(atPath: zst)))
        #expect(try RatesTable(ecbCSV: zstBytes).ecbSha256 == plain.ecbSha256)
        // A cut zstd file is an error, not a short table.
        #expect(throws: RatesError.self) { try RatesTable(ecbCSV: Array(zstBytes.prefix(zstBytes.count / 2)), ecbName: "cut.zst") }
    }

    @Test func snapshotMatchesItsRecordedSource() throws {
        let table = try Fixture.snapshot.get()
        // Values recorded in Sources/Rates/Resources/SOURCE.md.
        #expect(table.ecbSha256 == "7ae8526817cea5c7374478a5a8d66eb1355c51b6775e161aa239bf46a48f554e")
        #expect(table.sha256 == table.ecbSha256)
        #expect(UTCDate.dayString(table.ecbFirstDay) == "1999-01-04")
        #expect(UTCDate.dayString(table.ecbLastDay) == "2026-10-30")
        let store = RatesStore(directory: "/nonexistent-rates-store")
        #expect(try store.current().origin == .shippedSnapshot)
    }
}

/// The supplementary file: merged with ECB, conflicts are errors.
@Suite struct SupplementaryRatesTests {
    @Test func mergesAndHashes() async throws {
        let ecb = try Fixture.path("ecb-small.csv")
        let supplementary = try Fixture.path("supplementary.csv")
        let table = try RatesTable(ecbPath: ecb, supplementaryPath: supplementary)
        #expect(table.currencies.contains("BHD"))
        #expect(table.currencies.contains("AED")) // lowercase "aed" in the file
        #expect(try table.rate(of: "aed", on: Fixture.day("2024-03-03")).ratePerEUR.description == "3.97107")
        // The combined hash, recomputed independently with python's hashlib.
        let expected = try await Python.run(
            """
            import hashlib, sys
            e = hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest()
            s = hashlib.sha256(open(sys.argv[2], 'rb').read()).hexdigest()
            print(hashlib.sha256(f"{e}  ecb\\n{s}  supplementary\\n".encode()).hexdigest())
            """, arguments: [ecb, supplementary]
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(table.sha256 == expected)
        #expect(table.sha256 != table.ecbSha256)
    }

    @Test func conflictWithECBIsAnError() throws {
        let path = try Fixture.path("supplementary-conflict.csv")
        let error = try #require(throws: RatesError.self) {
            try RatesTable(
                ecbCSV: Fixture.bytes("ecb-small.csv"), ecbName: "ecb-small.csv",
                supplementaryCSV: Fixture.bytes("supplementary-conflict.csv"), supplementaryName: path)
        }
        #expect(error.code == .conflict)
        #expect(
            error.message
                == "\(path) line 3: USD on 2024-03-01 is 1.09 per EUR but ecb-small.csv line 4 publishes 1.0813; supplementary rates cannot override ECB: remove or correct the line"
        )
    }

    @Test func identicalRateIsAccepted() throws {
        let table = try RatesTable(ecbPath: Fixture.path("ecb-small.csv"), supplementaryPath: Fixture.path("supplementary-same-as-ecb.csv"))
        #expect(try table.rate(of: "usd", on: Fixture.day("2024-03-01")).ratePerEUR.description == "1.0813")
    }

    @Test func malformedSupplementaryIsRejected() throws {
        let ecb = try Fixture.bytes("ecb-small.csv")
        func rejection(_ text: String) throws -> String {
            try #require(throws: RatesError.self) {
                try RatesTable(ecbCSV: ecb, supplementaryCSV: Array(text.utf8), supplementaryName: "extra.csv")
            }.message
        }
        #expect(
            try rejection("date,currency,rate\n")
                == "extra.csv line 1: expected the header 'date,currency,rate_per_eur', found 'date,currency,rate'")
        #expect(try rejection("") == "extra.csv is empty: expected the header 'date,currency,rate_per_eur'")
        #expect(try rejection("date,currency,rate_per_eur\n2024-03-01,BHD\n").hasPrefix("extra.csv line 2: has 2 fields, expected 3"))
        #expect(
            try rejection("date,currency,rate_per_eur\n2024-03-01,BHD,abc\n")
                == "extra.csv line 2: rate_per_eur 'abc' is not a positive decimal")
        #expect(try rejection("date,currency,rate_per_eur\n2024-03-01,EUR,1\n").contains("EUR is always 1"))
        #expect(try rejection("date,currency,rate_per_eur\n2024-3-1,BHD,0.4\n").contains("is not a date"))
        #expect(
            try rejection("date,currency,rate_per_eur\n2024-03-01,BHD,0.4\n2024-03-01,bhd,0.4\n")
                == "extra.csv line 3: repeats BHD on 2024-03-01 of line 2")
    }
}
