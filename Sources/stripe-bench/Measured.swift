import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Wall time and peak resident memory of one child process.
struct Measurement {
    var seconds: Double
    var peakRSSMegabytes: Double
    var status: Int32
    /// User plus system CPU time of the child.
    var cpuSeconds: Double = 0
}

/// Runs a sibling executable (built next to this one) and measures it with wait4's rusage, so the
/// figures are the child's alone.
func runMeasured(_ executable: String, _ arguments: [String], environment: [String: String] = [:], stderrPath: String? = nil) throws
    -> Measurement
{
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    let path = directory.appendingPathComponent(executable).path
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw BenchError("\(path) is not built; run `swift build -c release` first")
    }
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
    var pid: pid_t = 0
    let start = Date()
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if let stderrPath {
        // The log to a file, the summary nowhere: the bench prints its own figures.
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    }
    let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
    guard rc == 0 else { throw BenchError("cannot start \(path): \(String(cString: strerror(rc)))") }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    let seconds = Date().timeIntervalSince(start)
    let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    return Measurement(seconds: seconds, peakRSSMegabytes: Double(usage.ru_maxrss) / 1024, status: exitCode, cpuSeconds: cpu)
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
}

func directorySize(_ path: String) -> Int {
    var total = 0
    if let e = FileManager.default.enumerator(atPath: path) {
        while let f = e.nextObject() as? String { total += fileSize(path + "/" + f) }
    }
    return total
}

func mb(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1_048_576) }

/// Seconds from `run started` to each `stage finished` in a `--log-format json` log, per stage.
func stageSeconds(logPath: String) -> [(stage: String, seconds: Double)] {
    guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return [] }
    func time(_ object: [String: Any]) -> Double? {
        guard let ts = object["ts"] as? String, ts.count >= 23 else { return nil }
        let clock = ts.dropFirst(11).prefix(12).split(separator: ":")
        guard clock.count == 3, let h = Double(clock[0]), let m = Double(clock[1]), let s = Double(clock[2]) else { return nil }
        return h * 3600 + m * 60 + s
    }
    var out: [(stage: String, seconds: Double)] = []
    var last: Double?
    for line in text.split(separator: "\n") {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let t = time(object) else {
            continue
        }
        if object["msg"] as? String == "run started" { last = t }
        if object["msg"] as? String == "stage finished", let stage = object["stage"] as? String, let start = last {
            out.append((stage, t - start))
            last = t
        }
    }
    return out
}
