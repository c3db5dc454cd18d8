import Foundation
import TestSupport
import Testing

/// `--log-format json` gives JSON lines on stderr for schedulers; `--quiet` only warnings and errors.
struct LoggingTests {
    static let levels: Set<String> = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Parses every stderr line as a JSON object with string ts, level and msg; records an issue per bad line.
    static func jsonLines(_ result: CommandResult, sourceLocation: SourceLocation = #_sourceLocation) -> [[String: Any]] {
        var objects: [[String: Any]] = []
        for line in result.stderrLines {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                Issue.record("stderr line is not a JSON object: \(line)", sourceLocation: sourceLocation)
                continue
            }
            let ts = object["ts"] as? String ?? ""
            #expect(ts.count == 24 && ts.hasSuffix("Z") && ts.dropFirst(10).hasPrefix("T"), "ts \(ts)", sourceLocation: sourceLocation)
            #expect(levels.contains(object["level"] as? String ?? ""), "level in \(line)", sourceLocation: sourceLocation)
            #expect(!(object["msg"] as? String ?? "").isEmpty, "msg in \(line)", sourceLocation: sourceLocation)
            objects.append(object)
        }
        return objects
    }

    @Test(.timeLimit(.minutes(2)))
    func jsonLogFormatWritesOnlyJSONObjectsToStderr() async throws {
        let directory = try TemporaryDirectory(prefix: "e2e-logs")
        let pipeline = try TestPipelines.write(TestPipelines.smallDemo(), to: directory.appending("small.yaml"))
        let result = try await E2E.etl(
            ["run", pipeline, "--output", directory.appending("out"), "--run-id", "json-run", "--log-format", "json"], timeout: 100)
        #expect(result.status == 0, "\(result)")
        let objects = Self.jsonLines(result)
        #expect(objects.count >= 5, "a run logs its stages: \(result.stderr)")
        #expect(objects.contains { $0["msg"] as? String == "run started" && $0["run.id"] as? String == "json-run" })
        #expect(
            objects.filter { $0["msg"] as? String == "stage finished" }.compactMap { $0["stage"] as? String } == [
                "extract", "transform", "load"
            ])
        #expect(objects.contains { ($0["level"] as? String) == "info" })
        // The summary goes to stdout, never into the log stream.
        #expect(result.stdout.contains("Run json-run complete."))
    }

    @Test func failuresAreLoggedAsJSONToo() async throws {
        let directory = try TemporaryDirectory(prefix: "e2e-logs")
        let bad = try TestPipelines.write("mode: test\nextract:\n  window_days: soon\n", to: directory.appending("bad.yaml"))
        let result = try await E2E.etl(["run", bad, "--output", directory.appending("out"), "--log-format", "json"], timeout: 30)
        #expect(result.status == 64, "\(result)")
        let objects = result.stderrLines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
        let error = objects.first { $0["level"] as? String == "error" }
        #expect(
            (error?["msg"] as? String)?.contains("\(bad):3: 'extract.window_days' must be a whole number, not 'soon'") == true,
            "\(result.stderr)")
        #expect(error?["exit.code"] as? String == "64")
        // Every stderr line is JSON: no plain "error:" line in JSON mode.
        _ = Self.jsonLines(result)
    }

    @Test(.timeLimit(.minutes(2)))
    func quietShowsNothingButWarningsAndErrors() async throws {
        let directory = try TemporaryDirectory(prefix: "e2e-logs")
        let out = directory.appending("out")
        let pipeline = try TestPipelines.write(TestPipelines.smallDemo(), to: directory.appending("small.yaml"))
        // Not a terminal, format auto: any line would be JSON; there must be none below warning.
        let quiet = try await E2E.etl(["run", pipeline, "--output", out, "--run-id", "quiet-run", "--quiet"], timeout: 100)
        #expect(quiet.status == 0, "\(quiet)")
        #expect(FileManager.default.fileExists(atPath: out + "/warehouse/_runs/quiet-run.json"))
        for object in Self.jsonLines(quiet) {
            #expect(["warning", "error", "critical"].contains(object["level"] as? String ?? ""), "\(object)")
        }
        #expect(!quiet.stderr.contains("\"info\""))
        #expect(quiet.stdout.isEmpty, "--quiet prints no summary: \(quiet.stdout)")

        // Human format, quiet, same run id (already complete): silent.
        let human = try await E2E.etl(
            ["run", pipeline, "--output", out, "--run-id", "quiet-run", "--quiet", "--log-format", "human"], timeout: 60)
        #expect(human.status == 0, "\(human)")
        #expect(human.stderr.isEmpty, "\(human.stderr)")
        // ... while without --quiet the same command does log and print.
        let loud = try await E2E.etl(["run", pipeline, "--output", out, "--run-id", "quiet-run", "--log-format", "human"], timeout: 60)
        #expect(loud.status == 0, "\(loud)")
        #expect(loud.stderr.contains(" info run started"), "\(loud.stderr)")
        #expect(loud.stdout.contains("Run quiet-run complete."))

        // Errors still show under --quiet.
        let failing = try await E2E.etl(
            ["transform", pipeline, "--output", out, "--run-id", "nope", "--quiet", "--log-format", "json"], timeout: 30)
        #expect(failing.status == 74)
        #expect(failing.stderr.contains("\"level\":\"error\""), "\(failing.stderr)")
    }
}
