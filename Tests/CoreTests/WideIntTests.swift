import Core
import Foundation
import StripeSimulator
import TestSupport
import Testing

/// WideInt against Python's integers (an independent oracle): products, sums, differences and
/// half-even quotients of values far beyond 128 bits.
@Suite struct WideIntTests {
    @Test func arithmeticAgreesWithPython() async throws {
        var rng = SplitMix64(seed: 7)
        func wide() -> WideInt {
            var v = WideInt(1)
            for _ in 0..<Int(rng.next() % 4 + 1) { v = v * WideInt(Int64(bitPattern: rng.next())) }
            return v
        }
        var lines: [String] = []
        for _ in 0..<300 {
            let a = wide()
            var b = wide()
            if b.isZero { b = WideInt(3) }
            lines.append(
                "\(a) \(b) \(a * b) \(a + b) \(a - b) \(WideInt.divideHalfEven(a, b)) \(a < b) \(a.int128.map { String($0) } ?? "none")")
        }
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let input = dir.appending("cases.txt")
        try lines.joined(separator: "\n").write(toFile: input, atomically: true, encoding: .utf8)
        let script = #"""
            import sys
            from fractions import Fraction
            bad = 0
            for line in open(sys.argv[1]):
                a, b, mul, add, sub, q, lt, i128 = line.split()
                a, b = int(a), int(b)
                f = Fraction(a, b)
                fl = f.numerator // f.denominator
                rest = f - fl
                if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and fl % 2 == 1):
                    fl += 1
                fits = -2**127 <= a < 2**127
                ok = (int(mul) == a * b and int(add) == a + b and int(sub) == a - b and int(q) == fl
                      and (lt == "true") == (a < b) and i128 == (str(a) if fits else "none"))
                if not ok:
                    bad += 1
                    print("mismatch:", line.strip())
            print("bad", bad)
            """#
        let scriptPath = dir.appending("check.py")
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let run = try await ChildProcess.run("/usr/bin/env", ["python3", scriptPath, input], timeout: 60)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasSuffix("bad 0\n"), "\(run.stdout)")
    }

    @Test func int128Bounds() {
        #expect(WideInt(Int128.max).int128 == Int128.max)
        #expect(WideInt(Int128.min).int128 == Int128.min)
        #expect((WideInt(Int128.max) + WideInt(1)).int128 == nil)
        #expect(WideInt.pow10(40).description == "1" + String(repeating: "0", count: 40))
        #expect(WideInt.divideHalfEven(WideInt(-5), WideInt(2)) == WideInt(-2))
        #expect(WideInt.divideHalfEven(WideInt(-7), WideInt(2)) == WideInt(-4))
    }
}
