import Core
import Foundation
import Testing

@testable import Load

/// The load's first pass holds compressed records in memory up to its budget. A table that goes
/// over it must end the pass with every partition in its scratch file (so the second pass's
/// writers do not run beside a full budget of held records), and the files must not depend on
/// where the records waited.
@Suite struct StagingPartitionerTests {
    static let partitioning = TablePartitioning(column: "day_month", by: .month, sourceColumn: "day")

    @Test(arguments: [PipelineDefinition.OutputFormat.parquet, .ndjson])
    func aTableOverTheBudgetIsWrittenFromScratchFilesAlone(format: PipelineDefinition.OutputFormat) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("partitioner-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let table = try PartitionRowsHashTests.table(in: root)
        let lines = PartitionRowsHashTests.lines()
        let staging = root + "/t.ndjson.zst"
        try SyntheticStaging.write(count: 0, schema: table, path: staging, extraLines: lines)
        let options = LoadOptions(format: format)

        func split(budget: Int, scratch: String) throws -> [StagingPartitioner<ParquetRecordFormat>.Partition] {
            var partitioner = try StagingPartitioner(
                table: table, partitioning: Self.partitioning, snapshotDate: "2025-06-01",
                format: ParquetRecordFormat(table: table, options: options), stagingFile: staging)
            partitioner.blockBytes = 300
            partitioner.memoryBudget = budget
            return try partitioner.split(scratchDirectory: root + "/" + scratch)
        }

        // Under the budget everything stays in memory (the split is the same for every format).
        let held = try split(budget: .max, scratch: "held")
        #expect(held.count == 7)
        #expect(held.allSatisfy { !$0.records.onDisk && !$0.records.held.isEmpty })
        let total = held.reduce(0) { $0 + $1.records.held.reduce(0) { $0 + $1.compressed.count } }
        let largest = held.map { $0.records.held.reduce(0) { $0 + $1.compressed.count } }.max()!
        #expect(largest < total)

        // One byte under the table's size: the last batch crosses the budget, moving the largest
        // partition out is enough to get under it again, and the end of the pass moves the rest.
        let over = try split(budget: total - 1, scratch: "over")
        #expect(over.map(\.value) == held.map(\.value))
        #expect(over.map(\.rows) == held.map(\.rows))
        #expect(over.allSatisfy { $0.records.onDisk && $0.records.held.isEmpty })
        for partition in over { partition.records.discard() }

        // The files are the same whatever the budget.
        var sums: [[String?]] = []
        for budget in [Int.max, total - 1, 1] {
            var loader = TableLoader(
                table: table, partitioning: Self.partitioning, options: options, snapshotDate: "2025-06-01", runId: "r1")
            loader.blockBytes = 300
            loader.memoryBudget = budget
            let partitions = try loader.load(stagingFile: staging, into: root + "/out-\(budget)", scratchDirectory: root + "/scratch")
            #expect(partitions.reduce(0) { $0 + $1.rows } == lines.count)
            sums.append(partitions.map(\.checksum?.sha256))
        }
        #expect(sums[0] == sums[1])
        #expect(sums[0] == sums[2])
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/scratch").isEmpty, "scratch files are removed")
    }
}
