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
func runMeasured(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Measurement {
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
    let rc = posix_spawn(&pid, path, nil, nil, argv, envp)
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
