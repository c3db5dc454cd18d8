import ModuleErrors
import Parquet
import Testing

@testable import Load

/// What a Parquet writer's failure becomes: a bad value rejects the row, a failed write is a file
/// error (exit 74), not "data rejected" (exit 65) as every Parquet error once was.
@Suite struct PartitionFileWriterTests {
    @Test func aFailedWriteIsAFileErrorAndABadValueABadRow() {
        let full = ParquetPartitionWriter.loadError(
            ParquetError(.io, "cannot write /out/part.parquet: No space left on device"), stagingFile: "staging/invoice_lines.ndjson.zst",
            line: 1234, path: "/out/part.parquet")
        #expect(full.code == .io)
        #expect(full.message.contains("/out/part.parquet") && full.message.contains("line 1234"))

        let compressor = ParquetPartitionWriter.loadError(ParquetError(.compression, "zstd failed"), stagingFile: "s", line: 1, path: "p")
        #expect(compressor.code == .io)

        let value = ParquetPartitionWriter.loadError(
            ParquetError(.invalidValue, "decimal '1.2345' has more than 3 fraction digits"), stagingFile: "staging/x.ndjson.zst", line: 7,
            path: "p")
        #expect(value.code == .badRow)
        #expect(value.message.hasPrefix("staging/x.ndjson.zst line 7: "))
    }
}
