import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Two runs never write the same output at once; a lock left by a killed process is taken over.
struct ConcurrentRunTests {
    /// Holds flock(LOCK_EX) on argv[1] for argv[2] seconds, writing "pid N python-holder" into it.
    static let holder = #"""
        import fcntl, os, sys, time
        f = open(sys.argv[1], "a+")
        fcntl.flock(f, fcntl.LOCK_EX)
        f.truncate(0)
        f.write("pid %d python-holder\n" % os.getpid())
        f.flush()
        time.sleep(float(sys.argv[2]))
        """#

    static func contents(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    @Test(.timeLimit(.minutes(2)))
    func secondRunIsRefusedWhileTheLockIsHeldAndAKilledHoldersLockIsTakenOver() async throws {
        let directory = try TemporaryDirectory(prefix: "e2e-lock")
        let out = directory.appending("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let lock = out + "/.lock"
        let pipeline = try TestPipelines.write(TestPipelines.smallDemo(), to: directory.appending("small.yaml"))

        let python = try await E2E.start("/usr/bin/env", ["python3", "-c", Self.holder, lock, "90"], logs: directory.appending("holder"))
        defer { python.send(SIGKILL) }
        try #require(E2E.waitFor(20) { Self.contents(lock).contains("python-holder") }, "the python holder never took the lock")
        let holderPid = Self.contents(lock).split(separator: " ").dropFirst().first.map(String.init) ?? "?"

        let refused = try await E2E.etl(["run", pipeline, "--output", out, "--run-id", "while-locked"], timeout: 60)
        #expect(refused.status == 75, "\(refused)")
        #expect(refused.stderr.contains("another run holds \(lock) (pid \(holderPid) python-holder)"), "\(refused.stderr)")
        #expect(refused.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: out + "/raw/while-locked"), "a refused run must write nothing")
        #expect(Self.contents(lock).contains("pid \(holderPid) python-holder"), "a refused run must not touch the holder's note")
        #expect(python.isRunning)

        // SIGKILL: no cleanup runs, the note stays, but the kernel has released the flock.
        python.send(SIGKILL)
        #expect(try await python.wait(timeout: 30).signalled)
        #expect(Self.contents(lock).contains("python-holder"))

        let after = try await E2E.etl(["run", pipeline, "--output", out, "--run-id", "after-kill"], timeout: 90)
        #expect(after.status == 0, "\(after)")
        #expect(after.stdout.contains("Run after-kill complete."))
        #expect(FileManager.default.fileExists(atPath: out + "/warehouse/_runs/after-kill.json"))
        #expect(Self.contents(lock).isEmpty, "a finished run clears its note: \(Self.contents(lock))")
    }

    @Test(.timeLimit(.minutes(2)))
    func aRunKilledMidwayLeavesAStaleLockThatTheNextRunTakesOverAndResumes() async throws {
        let directory = try TemporaryDirectory(prefix: "e2e-lock-kill")
        let out = directory.appending("out")
        let lock = out + "/.lock"
        let pipeline = try TestPipelines.write(TestPipelines.smallDemo(), to: directory.appending("small.yaml"))

        let victim = try await E2E.start(
            try E2E.executable("stripe-etl"), ["run", pipeline, "--output", out, "--run-id", "killed"],
            logs: directory.appending("victim"))
        defer { victim.send(SIGKILL) }
        // The lock names the run once its id is resolved (under the lock): wait for that, not for the first write.
        try #require(E2E.waitFor(30) { Self.contents(lock).contains("stripe-etl run small-demo killed") }, "the run never took the lock")
        victim.send(SIGKILL)
        #expect(try await victim.wait(timeout: 30).signalled, "the run finished before it could be killed")
        #expect(Self.contents(lock) == "pid \(victim.pid) stripe-etl run small-demo killed\n")
        #expect(!FileManager.default.fileExists(atPath: out + "/warehouse/_runs/killed.json"))

        // The same run id: the stale lock is taken over and the run resumes to completion.
        let resumed = try await E2E.etl(["run", pipeline, "--output", out, "--run-id", "killed"], timeout: 90)
        #expect(resumed.status == 0, "\(resumed)")
        #expect(resumed.stdout.contains("Run killed complete."))
        #expect(FileManager.default.fileExists(atPath: out + "/warehouse/_runs/killed.json"))
        #expect(Self.contents(lock).isEmpty)
    }
}

/// Every command that writes under an output root takes the same `<output>/.lock` (issue 11.6).
struct EveryCommandTakesTheLockTests {
    @Test(.timeLimit(.minutes(2)))
    func eachWritingCommandIsRefusedWhileAnotherHoldsTheLock() async throws {
        let directory = try TemporaryDirectory(prefix: "e2e-lock-all")
        let out = directory.appending("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let lock = out + "/.lock"
        let pipeline = try TestPipelines.write(TestPipelines.smallDemo(), to: directory.appending("small.yaml"))

        let python = try await E2E.start(
            "/usr/bin/env", ["python3", "-c", ConcurrentRunTests.holder, lock, "90"], logs: directory.appending("holder"))
        defer { python.send(SIGKILL) }
        try #require(
            E2E.waitFor(20) { ConcurrentRunTests.contents(lock).contains("python-holder") }, "the python holder never took the lock")
        let holderPid = ConcurrentRunTests.contents(lock).split(separator: " ").dropFirst().first.map(String.init) ?? "?"

        let commands: [(String, [String])] = [
            ("stripe-extract", [pipeline, "--output", out]),
            ("stripe-transform", [pipeline, "--output", out, "--run-id", "r1"]),
            ("stripe-load", [pipeline, "--output", out, "--run-id", "r1"]),
            ("stripe-etl", ["extract", pipeline, "--output", out]),
            ("stripe-etl", ["transform", pipeline, "--output", out, "--run-id", "r1"]),
            ("stripe-etl", ["load", pipeline, "--output", out, "--run-id", "r1"]),
            ("stripe-etl", ["run", pipeline, "--output", out]),
            ("stripe-etl", ["rates", "update", pipeline, "--output", out, "--url", "http://127.0.0.1:9/never-asked.csv"])
        ]
        for (tool, arguments) in commands {
            let result = try await E2E.run(try E2E.executable(tool), arguments, timeout: 60)
            #expect(result.status == 75, "\(tool) \(arguments.joined(separator: " ")): \(result)")
            #expect(result.stderr.contains("another run holds \(lock) (pid \(holderPid) python-holder)"), "\(tool): \(result.stderr)")
        }
        let written = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
        #expect(written == [".lock"], "a refused command must write nothing: \(written)")
        #expect(ConcurrentRunTests.contents(lock).contains("pid \(holderPid) python-holder"))
    }
}
