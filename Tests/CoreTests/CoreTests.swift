import Core
import Digest
import Foundation
import ModuleErrors
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

// MARK: - SHA256

struct SHA256Tests {
    /// FIPS 180-2 appendix B and the NIST CAVS short-message vectors.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        ),
        ("The quick brown fox jumps over the lazy dog", "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592")
    ])
    func knownVectors(input: String, digest: String) {
        #expect(SHA256.hex(input) == digest)
        #expect(SHA256.hex(Array(input.utf8)) == digest)
    }

    @Test func oneMillionAs() {
        var hasher = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { chunk.withUnsafeBytes { hasher.update($0) } }
        #expect(hasher.hexDigest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func streamingInAnyChunkingEqualsOneShot() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<5000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let whole = SHA256.hex(bytes)
        for chunkSize in [1, 3, 55, 56, 63, 64, 65, 127, 1000, 4999] {
            var hasher = SHA256()
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + chunkSize, bytes.count)
                hasher.update(bytes[offset..<end])
                offset = end
            }
            #expect(hasher.hexDigest() == whole, "chunk size \(chunkSize)")
        }
    }

    /// Every length around the padding boundaries, and a file larger than the 1 MiB read buffer,
    /// against coreutils' sha256sum.
    @Test func agreesWithSha256sum() async throws {
        let directory = try TemporaryDirectory(prefix: "core-sha")
        var generator = SystemRandomNumberGenerator()
        var files: [(path: String, bytes: [UInt8])] = []
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, (1 << 20) + 17, 3 * (1 << 20) - 1] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let path = directory.appending("f\(length)")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            files.append((path, bytes))
        }
        let output = try await runProgram("/usr/bin/env", ["sha256sum"] + files.map(\.path))
        var expected: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            expected[String(parts[1].drop { $0 == " " || $0 == "*" })] = String(parts[0])
        }
        #expect(expected.count == files.count, "sha256sum printed: \(output)")
        for file in files {
            let digest = try #require(expected[file.path])
            #expect(try SHA256.hexOfFile(atPath: file.path) == digest, "file of \(file.bytes.count) bytes")
            #expect(SHA256.hex(file.bytes) == digest, "\(file.bytes.count) bytes in memory")
        }
    }

    @Test func missingFileIsAnIOError() {
        do {
            _ = try SHA256.hexOfFile(atPath: "/nonexistent-\(UUID().uuidString)")
            Issue.record("checksumming a missing file succeeded")
        } catch let error as CoreError {
            #expect(error.code == .io)
            #expect(error.message.contains("/nonexistent-"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}

/// Runs a program and returns its stdout; throws on a non-zero exit.
func runProgram(_ executable: String, _ arguments: [String]) async throws -> String {
    let run = try await ChildProcess.run(executable, arguments, timeout: 120)
    guard run.status == 0, !run.signalled else {
        throw CoreError(.io, "\(executable) \(arguments.joined(separator: " ")) exited \(run)")
    }
    return run.stdout
}

// MARK: - ExactDecimal

struct ExactDecimalTests {
    func d(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> ExactDecimal {
        guard let value = ExactDecimal(parsing: text) else {
            Issue.record("'\(text)' did not parse", sourceLocation: sourceLocation)
            return ExactDecimal(units: 0, scale: 0)
        }
        return value
    }

    @Test func parsingKeepsEveryDigitAndTheScale() {
        #expect(ExactDecimal(parsing: "12.50") == ExactDecimal(units: 1250, scale: 2))
        #expect(ExactDecimal(parsing: "-0.5") == ExactDecimal(units: -5, scale: 1))
        #expect(ExactDecimal(parsing: "+3") == ExactDecimal(units: 3, scale: 0))
        #expect(ExactDecimal(parsing: "007") == ExactDecimal(units: 7, scale: 0))
        #expect(ExactDecimal(parsing: ".5") == ExactDecimal(units: 5, scale: 1))
        #expect(ExactDecimal(parsing: "5.") == ExactDecimal(units: 5, scale: 0))
        #expect(ExactDecimal(parsing: "0.000000000001") == ExactDecimal(units: 1, scale: 12))
        let big = "170141183460469231731687303715884105727" // Int128.max
        #expect(ExactDecimal(parsing: big)?.units == Int128.max)
        #expect(ExactDecimal(parsing: "-" + big)?.units == -Int128.max)
    }

    @Test(arguments: [
        "", "-", "+", ".", "-.", "1.2.3", "1e5", "1,5", " 1", "1 ", "--1", "1-", "12a", "0x10",
        "170141183460469231731687303715884105728", "1.000000000000000000000000000000000000001"
    ])
    func parsingRejects(_ text: String) {
        #expect(ExactDecimal(parsing: text) == nil)
    }

    @Test func descriptionHasExactlyScaleDigits() {
        #expect(ExactDecimal(units: 12340, scale: 3).description == "12.340")
        #expect(ExactDecimal(units: -50, scale: 2).description == "-0.50")
        #expect(ExactDecimal(units: 1, scale: 3).description == "0.001")
        #expect(ExactDecimal(units: -1, scale: 3).description == "-0.001")
        #expect(ExactDecimal(units: 1200, scale: 0).description == "1200")
        #expect(ExactDecimal(units: 0, scale: 2).description == "0.00")
        #expect(ExactDecimal(minorUnits: 1234, exponent: 2).description == "12.34")
        #expect(ExactDecimal(minorUnits: 500, exponent: 0).description == "500")
        #expect(ExactDecimal(minorUnits: -1_005, exponent: 3).description == "-1.005")
        #expect(ExactDecimal(units: Int128.min + 1, scale: 0).description == "-170141183460469231731687303715884105727")
    }

    @Test(arguments: [
        ("0.125", 2, "0.12"), ("0.135", 2, "0.14"), ("0.145", 2, "0.14"), ("-0.125", 2, "-0.12"), ("-0.135", 2, "-0.14"),
        ("2.5", 0, "2"), ("3.5", 0, "4"), ("-2.5", 0, "-2"), ("-3.5", 0, "-4"), ("0.5", 0, "0"), ("1.5", 0, "2"),
        ("2.51", 0, "3"), ("2.4999", 0, "2"), ("-2.5001", 0, "-3"), ("1.005", 2, "1.00"), ("1.015", 2, "1.02"),
        ("12.3", 3, "12.300"), ("-7", 2, "-7.00"), ("0.0049999", 2, "0.00")
    ])
    func rescalingRoundsHalfToEven(input: String, scale: Int, expected: String) {
        #expect(d(input).rescaled(to: scale).description == expected)
    }

    @Test func divisionRoundsHalfToEvenAtTheRequestedScale() {
        #expect(d("1").divided(by: d("3"), scale: 4).description == "0.3333")
        #expect(d("2").divided(by: d("3"), scale: 4).description == "0.6667")
        #expect(d("1").divided(by: d("8"), scale: 2).description == "0.12") // 0.125
        #expect(d("3").divided(by: d("8"), scale: 2).description == "0.38") // 0.375
        #expect(d("-1").divided(by: d("8"), scale: 2).description == "-0.12")
        #expect(d("1").divided(by: d("-8"), scale: 2).description == "-0.12")
        #expect(d("-3").divided(by: d("-8"), scale: 2).description == "0.38")
        #expect(d("5").divided(by: d("2"), scale: 0).description == "2")
        #expect(d("7").divided(by: d("2"), scale: 0).description == "4")
        // Scales of both operands: 12.34 / 0.5 = 24.68; 100 / 1.08 (a rate) at 6 places.
        #expect(d("12.34").divided(by: d("0.5"), scale: 2).description == "24.68")
        #expect(d("100").divided(by: d("1.08"), scale: 6).description == "92.592593")
        #expect(d("0.001").divided(by: d("1000"), scale: 6).description == "0.000001")
        // A divisor with more fraction digits than the result needs (negative shift).
        #expect(d("1").divided(by: d("0.000003"), scale: 0).description == "333333")
        #expect(d("10.5").divided(by: d("1.00000000"), scale: 0).description == "10")
    }

    @Test func divideHalfEvenOnIntegers() {
        #expect(ExactDecimal.divideHalfEven(5, 2) == 2)
        #expect(ExactDecimal.divideHalfEven(7, 2) == 4)
        #expect(ExactDecimal.divideHalfEven(-5, 2) == -2)
        #expect(ExactDecimal.divideHalfEven(-7, 2) == -4)
        #expect(ExactDecimal.divideHalfEven(5, -2) == -2)
        #expect(ExactDecimal.divideHalfEven(10, 3) == 3)
        #expect(ExactDecimal.divideHalfEven(11, 3) == 4)
        #expect(ExactDecimal.divideHalfEven(-11, 3) == -4)
        #expect(ExactDecimal.divideHalfEven(9, 3) == 3)
    }

    @Test func arithmeticAlignsScales() {
        #expect((d("1.5") + d("2.25")).description == "3.75")
        #expect((d("1.5") - d("2.25")).description == "-0.75")
        #expect((d("100") + d("0.001")).description == "100.001")
        #expect((d("1.5") * d("2.25")).description == "3.375")
        #expect((d("-0.1") * d("0.1")).description == "-0.01")
        #expect(d("1.50") + d("0") == ExactDecimal(units: 150, scale: 2))
        // Not binary floating point: 0.1 + 0.2 is exactly 0.3.
        #expect((d("0.1") + d("0.2")).rescaled(to: 1) == d("0.3"))
    }
}

// MARK: - UTCDate

struct UTCDateTests {
    @Test func knownDays() {
        #expect(UTCDate.daysFromCivil(year: 1970, month: 1, day: 1) == 0)
        #expect(UTCDate.daysFromCivil(year: 1969, month: 12, day: 31) == -1)
        #expect(UTCDate.daysFromCivil(year: 2000, month: 3, day: 1) == 11_017)
        #expect(UTCDate.daysFromCivil(year: 2024, month: 2, day: 29) == 19_782)
        #expect(UTCDate.daysFromCivil(year: 1900, month: 1, day: 1) == -25_567)
        #expect(UTCDate.daysFromCivil(year: 1600, month: 3, day: 1) == -135_080)
        #expect(UTCDate.dayString(-1) == "1969-12-31")
        #expect(UTCDate.dayString(-25_567) == "1900-01-01")
        #expect(UTCDate.dayString(19_782) == "2024-02-29")
        #expect(UTCDate.dayString(2_932_896) == "9999-12-31")
    }

    @Test func civilRoundTripsAcrossCenturiesAndBefore1970() {
        var previous: (year: Int, month: Int, day: Int)? = nil
        for days in stride(from: -800_000, through: 800_000, by: 1) where days % 97 == 0 || abs(days) < 1_000 {
            let c = UTCDate.civil(fromDays: days)
            #expect(UTCDate.daysFromCivil(year: c.year, month: c.month, day: c.day) == days)
            #expect(UTCDate.parseDay(UTCDate.dayString(days)) == days || c.year < 0 || c.year > 9999)
            if abs(days) < 1_000, let p = previous {
                // Consecutive days: either the next day of the month, or the first of the next month.
                let next =
                    c.day == p.day + 1 && c.month == p.month && c.year == p.year
                    || c.day == 1 && (c.month == p.month + 1 && c.year == p.year || c.month == 1 && p.month == 12 && c.year == p.year + 1)
                #expect(next, "\(p) -> \(c)")
            }
            previous = abs(days) < 1_000 ? c : nil
        }
    }

    @Test func agreesWithFoundationIncludingPre1970() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
        let seconds: [Int64] = [
            0, -1, 1, -86_399, -86_400, -86_401, 86_399, 86_400, 951_782_400, 951_868_799, -2_208_988_800,
            -631_152_000, 1_709_337_600, 1_748_736_000, 4_102_444_799, -11_644_473_600 + 12_345
        ]
        for s in seconds {
            #expect(UTCDate.isoString(unixSeconds: s) == formatter.string(from: Date(timeIntervalSince1970: TimeInterval(s))), "\(s)")
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let s = Int64.random(in: -5_000_000_000...5_000_000_000, using: &generator)
            #expect(UTCDate.isoString(unixSeconds: s) == formatter.string(from: Date(timeIntervalSince1970: TimeInterval(s))), "\(s)")
        }
    }

    @Test func daysFromUnixSecondsFloorsBefore1970() {
        #expect(UTCDate.days(fromUnixSeconds: 0) == 0)
        #expect(UTCDate.days(fromUnixSeconds: 86_399) == 0)
        #expect(UTCDate.days(fromUnixSeconds: 86_400) == 1)
        #expect(UTCDate.days(fromUnixSeconds: -1) == -1)
        #expect(UTCDate.days(fromUnixSeconds: -86_400) == -1)
        #expect(UTCDate.days(fromUnixSeconds: -86_401) == -2)
        #expect(UTCDate.isoString(unixSeconds: -1) == "1969-12-31T23:59:59Z")
        #expect(UTCDate.isoString(unixSeconds: -86_400) == "1969-12-31T00:00:00Z")
        #expect(UTCDate.isoString(unixSeconds: 951_782_400) == "2000-02-29T00:00:00Z")
    }

    @Test func parseDayIsStrict() {
        #expect(UTCDate.parseDay("2024-03-02") == UTCDate.daysFromCivil(year: 2024, month: 3, day: 2))
        #expect(UTCDate.parseDay("1969-07-20") == -165)
        #expect(UTCDate.parseDay("2024-02-29") != nil)
        for bad in [
            "2023-02-29", "2100-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "2024-1-01", "24-01-01", "2024-01-1",
            "2024/01/01", "2024-01-01T00:00:00Z", "", "abcd-ef-gh", "2024-01-01-01"
        ] {
            #expect(UTCDate.parseDay(bad) == nil, "\(bad)")
        }
    }
}

// MARK: - Currency

struct CurrencyTests {
    @Test func exponents() {
        #expect(Currency.exponent(of: "jpy") == 0)
        #expect(Currency.exponent(of: "JPY") == 0)
        #expect(Currency.exponent(of: "krw") == 0)
        #expect(Currency.exponent(of: "eur") == 2)
        #expect(Currency.exponent(of: "usd") == 2)
        #expect(Currency.exponent(of: "Gbp") == 2)
        #expect(Currency.exponent(of: "bhd") == 3)
        #expect(Currency.exponent(of: "kwd") == 3)
        #expect(Currency.exponent(of: "xyz") == nil)
        #expect(Currency.exponent(of: "") == nil)
        #expect(Currency.exponent(of: "euro") == nil)
    }

    @Test func theTableIsConsistent() {
        #expect(Currency.zeroDecimal.isDisjoint(with: Currency.threeDecimal))
        #expect(Currency.zeroDecimal.isSubset(of: Currency.known))
        #expect(Currency.threeDecimal.isSubset(of: Currency.known))
        for code in Currency.known {
            #expect(code.count == 3 && code.allSatisfy { $0.isASCII && $0.isLowercase }, "\(code)")
        }
    }
}

// MARK: - RunLock

struct RunLockTests {
    @Test func secondHolderIsRefusedUntilTheFirstLetsGo() throws {
        let directory = try TemporaryDirectory(prefix: "core-lock")
        let path = directory.appending("out/.lock")
        do {
            let first = try RunLock(path: path, owner: "first run")
            #expect(first.path == path)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "pid \(getpid()) first run\n")
            do {
                _ = try RunLock(path: path, owner: "second run")
                Issue.record("a second lock on the same file was granted")
            } catch let error as CoreError {
                #expect(error.code == .locked)
                #expect(error.message.contains(path))
                #expect(error.message.contains("pid \(getpid()) first run"))
                #expect(error.message.contains("--output"))
            }
            // The refused attempt must not have disturbed the holder's note.
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "pid \(getpid()) first run\n")
            withExtendedLifetime(first) {}
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "")
        let second = try RunLock(path: path, owner: "second run")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "pid \(getpid()) second run\n")
        withExtendedLifetime(second) {}
    }

    @Test func leftoverTextFromADeadHolderDoesNotBlock() throws {
        let directory = try TemporaryDirectory(prefix: "core-lock")
        let path = directory.appending(".lock")
        try "pid 999999 stripe-etl run demo 20240101T000000Z\n".write(toFile: path, atomically: true, encoding: .utf8)
        let lock = try RunLock(path: path, owner: "after crash")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "pid \(getpid()) after crash\n")
        withExtendedLifetime(lock) {}
    }

    @Test func unwritableLocationIsAnIOError() throws {
        let directory = try TemporaryDirectory(prefix: "core-lock")
        let file = directory.appending("file")
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: CoreError.self) { _ = try RunLock(path: file + "/sub/.lock", owner: "x") }
    }
}

// MARK: - AtomicFile

struct AtomicFileTests {
    @Test func temporaryNameIsAHiddenSibling() {
        #expect(AtomicFile.temporaryPath(for: "/a/b/c.json") == "/a/b/.tmp-c.json")
        #expect(AtomicFile.temporaryPath(for: "/a/b/c.json") == AtomicFile.temporaryPath(for: "/a/b/c.json"))
    }

    @Test func writeCreatesParentsReplacesAndLeavesNoTemporary() throws {
        let directory = try TemporaryDirectory(prefix: "core-atomic")
        let path = directory.appending("x/y/z/file.json")
        try AtomicFile.write("first\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "first\n")
        let bytes: [UInt8] = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try AtomicFile.write(bytes, to: path)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
        try AtomicFile.write([UInt8](), to: path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.appending("x/y/z")) == ["file.json"])
    }

    @Test func aReaderSeesTheOldOrTheNewFileNeverAMix() throws {
        let directory = try TemporaryDirectory(prefix: "core-atomic")
        let path = directory.appending("data")
        let old = String(repeating: "a", count: 1 << 20)
        let new = String(repeating: "b", count: 1 << 20)
        try AtomicFile.write(old, to: path)
        // Opened before the replacement: still reads the old inode in full.
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        try AtomicFile.write(new, to: path)
        let seen = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        try handle.close()
        #expect(seen == old)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == new)
    }

    @Test func failuresAreIOErrors() throws {
        let directory = try TemporaryDirectory(prefix: "core-atomic")
        let file = directory.appending("plain")
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        do {
            try AtomicFile.write("y", to: file + "/child")
            Issue.record("wrote under a regular file")
        } catch let error as CoreError {
            #expect(error.code == .io)
        }
        do {
            try AtomicFile.publish(directory.appending(".tmp-missing"), as: directory.appending("missing"))
            Issue.record("published a temporary file that does not exist")
        } catch let error as CoreError {
            #expect(error.code == .io)
            #expect(error.message.contains(".tmp-missing"))
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appending("missing")))
    }
}

// MARK: - TableSchema

struct TableSchemaTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// A fresh copy each time: `[String: Any]` is not Sendable, so it cannot be a shared static constant.
    static var valid: [String: Any] {
        [
            "table": "things",
            "description": "One row per thing.",
            "source_stream": "invoices",
            "primary_key": ["id"],
            "partition": ["column": "thing_month", "by": "month", "source_column": "day"],
            "columns": [
                ["name": "id", "type": "string", "nullable": false, "description": "Id.", "source": "id"],
                [
                    "name": "day", "type": "date", "nullable": false, "description": "Day.", "source": "created", "unit": "day",
                    "hints": [1, 2]
                ],
                ["name": "amount", "type": "decimal(18,3)", "nullable": true, "description": "Amount.", "source": "amount"]
            ]
        ]
    }

    /// Writes `object` (or raw text) as `<directory>/<name>` and returns the schema error message.
    func loadError(
        _ object: Any, name: String = "things.json",
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> String? {
        let directory = try TemporaryDirectory(prefix: "core-schema")
        let path = directory.appending(name)
        if let text = object as? String {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } else {
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
        }
        do {
            _ = try TableSchema.load(path: path)
            Issue.record("schema loaded but should not have", sourceLocation: sourceLocation)
            return nil
        } catch let error as CoreError {
            #expect(error.code == .schema, sourceLocation: sourceLocation)
            #expect(error.message.contains(path), "the message names the file: \(error.message)", sourceLocation: sourceLocation)
            return error.message
        }
    }

    func modified(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
        var copy = Self.valid
        change(&copy)
        return copy
    }

    func modifiedColumn(_ index: Int, _ change: (inout [String: Any]) -> Void) -> [String: Any] {
        modified { root in
            var columns = root["columns"] as! [[String: Any]]
            change(&columns[index])
            root["columns"] = columns
        }
    }

    @Test func validSchemaLoads() throws {
        let directory = try TemporaryDirectory(prefix: "core-schema")
        let path = directory.appending("things.json")
        let data = try JSONSerialization.data(withJSONObject: Self.valid)
        try data.write(to: URL(fileURLWithPath: path))
        let schema = try TableSchema.load(path: path)
        #expect(schema.table == "things")
        #expect(schema.sourceStream == "invoices")
        #expect(schema.primaryKey == ["id"])
        #expect(schema.partition.column == "thing_month")
        #expect(schema.partition.by == .month)
        #expect(schema.partition.sourceColumn == "day")
        #expect(schema.columns.map(\.name) == ["id", "day", "amount"])
        #expect(schema.columns.map(\.type) == [.string, .date, .decimal(precision: 18, scale: 3)])
        #expect(schema.column(named: "day")?.attributes == ["unit": "day", "hints": "[1,2]"])
        #expect(schema.index(ofColumn: "amount") == 2)
        #expect(schema.hash == SHA256.hex([UInt8](data)))
        #expect(schema.path == path)
    }

    @Test func malformedSchemasNameTheFileAndTheProblem() throws {
        #expect(try loadError("{not json")?.contains("is not valid JSON") == true)
        #expect(try loadError("[1, 2]")?.contains("the top level must be an object") == true)
        #expect(try loadError(modified { $0["table"] = nil })?.contains("needs a string 'table'") == true)
        #expect(try loadError(modified { $0["source_stream"] = nil })?.contains("needs a string 'source_stream'") == true)
        #expect(try loadError(modified { $0["columns"] = [] })?.contains("'columns' must be a non-empty array") == true)
        #expect(try loadError(modifiedColumn(2) { $0["name"] = "id" })?.contains("column 'id' appears twice") == true)
        #expect(try loadError(modifiedColumn(2) { $0["type"] = "decimal(40,2)" })?.contains("unknown column type 'decimal(40,2)'") == true)
        #expect(try loadError(modifiedColumn(2) { $0["type"] = "float" })?.contains("unknown column type 'float'") == true)
        #expect(try loadError(modifiedColumn(1) { $0["nullable"] = "no" })?.contains("column 'day' needs a boolean 'nullable'") == true)
        #expect(try loadError(modifiedColumn(1) { $0["source"] = nil })?.contains("column 'day' needs a string 'source'") == true)
        #expect(try loadError(modifiedColumn(0) { $0["name"] = nil })?.contains("column 1 needs a string 'name'") == true)
        #expect(try loadError(modified { $0["primary_key"] = ["nope"] })?.contains("primary key column 'nope' is not a column") == true)
        #expect(try loadError(modified { $0["primary_key"] = [] })?.contains("'primary_key' must be a non-empty array") == true)
        #expect(try loadError(modified { $0["partition"] = nil })?.contains("'partition' must be an object") == true)
        #expect(
            try loadError(modified { $0["partition"] = ["column": "m", "by": "week", "source_column": "day"] })?
                .contains("partition 'by' is 'week'; use day, month, year or snapshot") == true)
        #expect(try loadError(modified { $0["partition"] = ["column": "m", "by": "month"] })?.contains("needs 'source_column'") == true)
        #expect(
            try loadError(modified { $0["partition"] = ["column": "m", "by": "day", "source_column": "missing"] })?.contains(
                "needs 'source_column'") == true)
    }

    @Test func snapshotPartitionNeedsNoSourceColumn() throws {
        let directory = try TemporaryDirectory(prefix: "core-schema")
        let path = directory.appending("things.json")
        try JSONSerialization.data(withJSONObject: modified { $0["partition"] = ["column": "snapshot_date", "by": "snapshot"] })
            .write(to: URL(fileURLWithPath: path))
        let partition = try TableSchema.load(path: path).partition
        #expect(partition.column == "snapshot_date")
        #expect(partition.by == .snapshot)
        #expect(partition.sourceColumn == nil)
    }

    @Test(arguments: [
        ("decimal(18,3)", ColumnType.decimal(precision: 18, scale: 3)), ("decimal(38, 0)", .decimal(precision: 38, scale: 0)),
        ("string", .string), ("int64", .int64), ("bool", .bool), ("timestamp", .timestamp), ("date", .date), ("json", .json)
    ])
    func columnTypesParse(text: String, type: ColumnType) throws {
        #expect(try ColumnType(parsing: text) == type)
        #expect(try ColumnType(parsing: type.description) == type)
    }

    @Test(arguments: ["decimal(3,4)", "decimal(0,0)", "decimal(39,2)", "decimal(18)", "decimal(a,b)", "decimal(18,3", "Int64", "STRING", ""]
    )
    func badColumnTypes(text: String) {
        #expect(throws: CoreError.self) { try ColumnType(parsing: text) }
    }

    @Test func schemaSetChecksFileNamesAndOrdersTables() throws {
        let directory = try TemporaryDirectory(prefix: "core-schema")
        try JSONSerialization.data(withJSONObject: Self.valid).write(to: URL(fileURLWithPath: directory.appending("other.json")))
        do {
            _ = try SchemaSet.load(directory: directory.path)
            Issue.record("a schema whose table does not match its file name loaded")
        } catch let error as CoreError {
            #expect(error.code == .schema)
            #expect(error.message.contains("other.json declares table 'things'"))
        }
        #expect(throws: CoreError.self) { _ = try SchemaSet.load(directory: directory.appending("absent")) }

        let shipped = try SchemaSet.load(directory: Self.packageRoot + "/schemas")
        #expect(shipped.tables.map(\.table) == SchemaSet.tableOrder)
        for table in shipped.tables {
            #expect(table.hash == (try SHA256.hexOfFile(atPath: table.path)))
            #expect(table.primaryKey.allSatisfy { table.column(named: $0) != nil })
        }
        #expect(shipped.table("invoice_lines")?.partition.by == .month)
        #expect(shipped.table("customers")?.partition.by == .snapshot)
    }
}
