import Core
import Curl
import Digest
import Extract
import Foundation
import JSON
import Load
import ModuleErrors
import Parquet
import Rates
import Testing
import Transform
import Zlib
import Zstd

/// Every module's error is one shape (code, message, cause): its text on stderr is the one each
/// module printed before the shape was shared, and each module's type catches only its own errors.
struct ErrorShapeTests {
    struct Cause: Error, CustomStringConvertible { var description: String { "disk full" } }

    @Test func eachModuleDescribesItsErrorsAsBefore() {
        let cases: [(any Error, String)] = [
            (CoreError(.io, "cannot write a.json"), "cannot write a.json"),
            (CoreError(.io, "cannot write a.json", cause: Cause()), "cannot write a.json (disk full)"),
            (ExtractError(.io, "cannot write raw"), "cannot write raw"),
            (TransformError(.output, "cannot write staging", cause: Cause()), "cannot write staging (disk full)"),
            (LoadError(.io, "cannot publish"), "cannot publish"),
            (RatesError(.io, "cannot read ecb.csv", cause: Cause()), "cannot read ecb.csv (disk full)"),
            (RatesError(.staleRate, "rate too old", currency: "USD", day: 3, latestRateDay: 1), "rate too old"),
            (ZstdError(.truncated, "a.zst ends mid-frame"), "zstd truncated: a.zst ends mid-frame"),
            (ZlibError(.corrupt, "bad block"), "zlib corrupt: bad block"),
            (ParquetError(.io, "cannot write t.parquet"), "parquet io: cannot write t.parquet"),
            (ParquetError(.compression, "zstd failed", cause: Cause()), "parquet compression: zstd failed (disk full)"),
            (JSONError(.trailingData, "unexpected 'x'", offset: 7), "JSON trailingData at byte 7: unexpected 'x'"),
            (CurlError(.timeout, "GET /v1/invoices timed out", curlCode: 28), "GET /v1/invoices timed out")
        ]
        for (error, expected) in cases {
            #expect("\(error)" == expected, "\(type(of: error))")
        }
    }

    @Test func moduleFieldsSurviveTheSharedShape() {
        let rate = RatesError(.staleRate, "", currency: "USD", day: 3, latestRateDay: 1)
        #expect(rate.currency == "USD" && rate.day == 3 && rate.latestRateDay == 1 && rate.cause == nil)
        let curl = CurlError(.network, "", curlCode: 7)
        #expect(curl.curlCode == 7 && curl.isRetryable && !CurlError(.tls, "").isRetryable)
        #expect(JSONError(.unexpectedEnd, "", offset: 12).offset == 12)
    }

    @Test func eachModulesTypeCatchesOnlyItsOwn() {
        func caught(_ error: any Error) -> String {
            do { throw error } catch let e as ZstdError { return "zstd \(e.code)" } catch let e as ZlibError {
                return "zlib \(e.code)"
            } catch let e as CoreError { return "core \(e.code)" } catch { return "other" }
        }
        #expect(caught(ZstdError(.io, "")) == "zstd io")
        #expect(caught(ZlibError(.library, "")) == "zlib library")
        #expect(caught(CoreError(.io, "")) == "core io")
        #expect(caught(LoadError(.io, "")) == "other")
        #expect(caught(ParquetError(.io, "")) == "other")
    }

    /// The file-descriptor paths (swift-system's `FileDescriptor`) word their failures as before:
    /// what failed, the path, and the system's reason (strerror's text).
    @Test func fileErrorsNameThePathAndTheSystemsReason() throws {
        let missing = "/nonexistent-\(getpid())/dir/file"
        let reason = "No such file or directory"
        func text(_ body: () throws -> Void) -> String {
            do { try body(); return "no error" } catch { return "\(error)" }
        }
        #expect(text { _ = try ZstdFileWriter(path: missing) } == "zstd io: cannot create \(missing): \(reason)")
        #expect(text { _ = try ZstdFileReader(path: missing) } == "zstd io: cannot open \(missing): \(reason)")
        #expect(text { _ = try SHA256.hexOfFile(atPath: missing) } == "cannot open \(missing) to checksum it: \(reason)")
        #expect(text { _ = try SHA256.hexOfFile(atPath: "/") } == "cannot read / to checksum it: Is a directory")
        let schema = try ParquetSchema([ParquetColumn(name: "a", type: .int64, nullable: false)])
        #expect(
            text { _ = try ParquetFileWriter(path: missing, schema: schema, options: ParquetWriterOptions(createdBy: "t")) }
                == "parquet io: cannot create \(missing): \(reason)")
        #expect(text { _ = try RunLock(path: "/proc/\(getpid())/no-lock-here", owner: "t") }.hasPrefix("cannot open lock file /proc/"))
    }
}
