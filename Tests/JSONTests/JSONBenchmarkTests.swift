import Foundation
import JSON
import Testing

@Suite struct JSONBenchmarkTests {
    /// The synthetic data is valid JSON that JSONSerialization reads, and every mode extracts the
    /// same values (the benchmark throws if the checksums differ).
    @Test func syntheticInvoicesAreValidAndModesAgree() throws {
        let ndjson = JSONBenchmark.syntheticInvoices(megabytes: 1)
        let lines = ndjson.split(separator: 0x0A)
        #expect(lines.count > 100)
        for line in lines.prefix(20) {
            let object = try #require(try foundationParse(Array(line)) as? [String: Any])
            #expect(object["object"] as? String == "invoice")
            #expect(((object["lines"] as? [String: Any])?["data"] as? [Any])?.isEmpty == false)
        }
        let result = try JSONBenchmark.run(ndjson: ndjson)
        #expect(result.lines == lines.count)
        #expect(result.checksum != 0)
        #expect(result.mbPerSecond > 0)
    }

    /// Timings, not a test: runs only when JSON_BENCH_MB is set, e.g.
    /// `JSON_BENCH_MB=50 swift test -c release --filter JSONBenchmarkTests`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["JSON_BENCH_MB"] != nil))
    func printThroughput() throws {
        let mb = Int(ProcessInfo.processInfo.environment["JSON_BENCH_MB"] ?? "") ?? 50
        print(try JSONBenchmark.run(megabytes: mb))
    }
}
