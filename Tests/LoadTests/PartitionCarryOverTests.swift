import Core
import Foundation
import TestSupport
import Testing

@testable import Load

#if canImport(Glibc)
import Glibc
#endif

/// Issue 13's warehouse: a load rewrites only the partitions whose rows changed and carries the
/// others' files over from the published run (hard links, never encoded again), and the result
/// equals a full load of the same staging byte for byte.
@Suite struct PartitionCarryOverTests {
    /// Invoice lines over 24 months (2023-01 to 2024-12), 10 a month, then the extra ones.
    static let monthlyLines = 240

    /// Invoice lines like the synthetic rows, with ids, document dates and amounts of their own.
    static func lines(_ specs: [(id: String, date: String, amount: String, like: Int)]) throws -> [String] {
        let schema = try #require(try LoadFixture.schemas().table("invoice_lines"))
        return try specs.map { spec in
            var bytes: [UInt8] = []
            SyntheticStagingRow(schema: schema).appendJSON(row: spec.like, to: &bytes)
            var object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
            object["line_id"] = spec.id
            object["document_date"] = spec.date
            object["amount_major"] = spec.amount
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    /// A month with other lines (where the changed line lives).
    static let busyMonth = "2024-03"

    /// Two staging runs: the second changes one line's amount in a busy month and moves a draft
    /// that was alone in 1969-12 to 2031-02 (finalized in a later month).
    @discardableResult
    static func stageTwoNights(_ fixture: LoadFixture) throws -> String {
        var monthly: [(id: String, date: String, amount: String, like: Int)] = []
        for index in 0..<monthlyLines {
            let year = 2023 + (index % 24) / 12
            let date = String(format: "%04d-%02d-%02d", year, index % 12 + 1, index / 24 + 1)
            monthly.append((id: "il_\(index)", date: date, amount: "\(index).500", like: index))
        }
        let month = busyMonth
        let rows = ["invoice_lines": 0, "customers": 20]
        try fixture.writeStagingRun(
            "night1", rows: rows, snapshotDate: "2025-06-01",
            extraLines: [
                "invoice_lines": try lines(
                    monthly + [
                        (id: "il_draft", date: "1969-12-20", amount: "10.000", like: 1_000),
                        (id: "il_changed", date: month + "-15", amount: "20.000", like: 1_001)
                    ])
            ])
        // First in the file this time: every other line moves down (its line number is not its content).
        // Night 3 changes nothing.
        for (night, date) in [("night2", "2025-06-02"), ("night3", "2025-06-03")] {
            try fixture.writeStagingRun(
                night, rows: rows, snapshotDate: date,
                extraLines: [
                    "invoice_lines": try lines(
                        [
                            (id: "il_draft", date: "2031-02-03", amount: "10.000", like: 1_000),
                            (id: "il_changed", date: month + "-15", amount: "25.000", like: 1_001)
                        ] + monthly)
                ])
        }
        return month
    }

    /// Partition directory -> file bytes of one table of a version (one file per partition).
    static func partitionFiles(_ versionPath: String, table: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let directory = versionPath + "/" + table
        for partition in try FileManager.default.contentsOfDirectory(atPath: directory) {
            let names = try FileManager.default.contentsOfDirectory(atPath: directory + "/" + partition)
            try #require(names.count == 1, "\(table)/\(partition) holds \(names)")
            files[partition] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + partition + "/" + names[0]))
        }
        return files
    }

    static func inode(_ path: String) -> UInt64? {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_ino) : nil
    }

    /// A full load of `runId`'s staging into a fresh root (nothing published before).
    static func fullLoad(of fixture: LoadFixture, runId: String, options: LoadOptions = LoadOptions()) throws -> (
        LoadFixture, LoadStage.Result
    ) {
        let reference = try LoadFixture()
        try FileManager.default.createDirectory(atPath: reference.paths.stagingRoot, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture.paths.staging(runId), toPath: reference.paths.staging(runId))
        let result = try LoadStage(paths: reference.paths, schemas: try LoadFixture.schemas(), options: options).run(runId: runId)
        return (reference, result)
    }

    @Test func onlyPartitionsWithChangedRowsAreRewrittenAndTheTreeEqualsAFullLoad() throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        let month = try Self.stageTwoNights(fixture)
        let stage = LoadStage(paths: fixture.paths, schemas: try LoadFixture.schemas())
        let first = try stage.run(runId: "night1", now: 1_000)
        let firstLines = try #require(first.manifest.tables["invoice_lines"])
        #expect(firstLines.partitions.allSatisfy { $0.rowsSha256 != nil && $0.carriedOverFrom == nil })
        #expect(firstLines.partitions.contains { $0.value == "1969-12" && $0.rows == 1 })

        let second = try stage.run(runId: "night2", now: 2_000)
        #expect(second.manifest.baseRun == "night1")
        let lines = try #require(second.manifest.tables["invoice_lines"])
        let changes = try #require(lines.partitionChanges)
        #expect(Set(lines.partitions.filter { $0.carriedOverFrom == nil }.map(\.value)) == [month, "2031-02"])
        #expect(changes.rewritten == 2)
        #expect(changes.carriedOver == firstLines.partitions.count - 2)
        #expect(changes.carriedOver == 23)
        #expect(changes.removed == ["1969-12"], "the draft's old month loses its only line")
        let old = fixture.root + "/.warehouse-versions/night1/"
        let new = fixture.root + "/.warehouse-versions/night2/"
        #expect(!FileManager.default.fileExists(atPath: new + "invoice_lines/document_month=1969-12"))
        for partition in lines.partitions {
            if partition.carriedOverFrom != nil {
                // The base's file under its own name: the same inode, never written again.
                #expect(partition.carriedOverFrom == "night1")
                #expect(partition.file.file == "invoice_lines/document_month=\(partition.value)/part-night1-00000.parquet")
                #expect(Self.inode(new + partition.file.file) != nil)
                #expect(Self.inode(new + partition.file.file) == Self.inode(old + partition.file.file))
            } else {
                #expect(partition.file.file == "invoice_lines/document_month=\(partition.value)/part-night2-00000.parquet")
            }
        }
        // Dimension tables: the new snapshot, written.
        #expect(
            second.manifest.tables["customers"]?.partitions.map(\.file.file) == [
                "customers/snapshot_date=2025-06-02/part-night2-00000.parquet"
            ])

        // Byte for byte (and partition for partition) what a full load of night2's staging writes.
        let (reference, full) = try Self.fullLoad(of: fixture, runId: "night2")
        defer { reference.remove() }
        #expect(full.manifest.tables["invoice_lines"]?.partitionChanges?.carriedOver == 0)
        for table in ["invoice_lines", "customers"] {
            let mine = try Self.partitionFiles(new, table: table)
            let theirs = try Self.partitionFiles(reference.root + "/.warehouse-versions/night2", table: table)
            #expect(mine.keys.sorted() == theirs.keys.sorted())
            #expect(mine == theirs, "table \(table) differs from a full load")
        }
        #expect(full.manifest.tables["invoice_lines"]?.partitions.map(\.rowsSha256) == lines.partitions.map(\.rowsSha256))

        // Removing the base's version never breaks the carried files of the kept one.
        try FileManager.default.removeItem(atPath: fixture.root + "/.warehouse-versions/night1")
        #expect(
            try Self.partitionFiles(new, table: "invoice_lines")
                == Self.partitionFiles(reference.root + "/.warehouse-versions/night2", table: "invoice_lines"))
    }

    @Test func anotherSchemaHashOrLoadSettingRewritesEveryPartition() throws {
        let fixture = try LoadFixture()
        defer { fixture.remove() }
        try Self.stageTwoNights(fixture)
        let schemas = try LoadFixture.schemas()
        _ = try LoadStage(paths: fixture.paths, schemas: schemas).run(runId: "night1", now: 1_000)
        // Another zstd level: the same rows, other bytes: nothing is carried over.
        let otherLevel = try LoadStage(paths: fixture.paths, schemas: schemas, options: LoadOptions(zstdLevel: 5)).run(
            runId: "night2", now: 2_000)
        #expect(otherLevel.manifest.tables["invoice_lines"]?.partitionChanges?.carriedOver == 0)
        #expect(
            otherLevel.manifest.tables["invoice_lines"]?.partitions.allSatisfy { $0.file.file.hasSuffix("part-night2-00000.parquet") }
                == true)
        // Another row group size, likewise.
        let otherGroups = try LoadStage(paths: fixture.paths, schemas: schemas, options: LoadOptions(rowGroupRows: 1_000, zstdLevel: 5))
            .run(runId: "night1", now: 3_000)
        #expect(otherGroups.manifest.tables["invoice_lines"]?.partitionChanges?.carriedOver == 0)
        // The same settings again: carried over (the check above is not vacuous)...
        let same = try LoadStage(paths: fixture.paths, schemas: schemas, options: LoadOptions(rowGroupRows: 1_000, zstdLevel: 5)).run(
            runId: "night2", now: 4_000)
        let carried = try #require(same.manifest.tables["invoice_lines"]?.partitionChanges?.carriedOver)
        #expect(carried > 10)
        // ...unless the published run was loaded with another schema hash.
        let current = try FileManager.default.destinationOfSymbolicLink(atPath: fixture.paths.warehouse)
        let manifestPath = fixture.root + "/" + current + "/_runs/night2.json"
        var manifest = try ManifestCoding.read(WarehouseManifest.self, from: manifestPath, stage: "test")
        manifest.tables["invoice_lines"]?.schemaHash = String(repeating: "0", count: 64)
        try ManifestCoding.write(manifest, to: manifestPath)
        let otherSchema = try LoadStage(paths: fixture.paths, schemas: schemas, options: LoadOptions(rowGroupRows: 1_000, zstdLevel: 5))
            .run(runId: "night1", now: 5_000)
        #expect(otherSchema.manifest.tables["invoice_lines"]?.partitionChanges?.carriedOver == 0)
        // Another tool version, likewise.
        let again = try LoadStage(paths: fixture.paths, schemas: schemas, options: LoadOptions(rowGroupRows: 1_000, zstdLevel: 5)).run(
            runId: "night2", now: 6_000)
        #expect((again.manifest.tables["invoice_lines"]?.partitionChanges?.carriedOver ?? 0) > 10)
        let againPath =
            fixture.root + "/" + (try FileManager.default.destinationOfSymbolicLink(atPath: fixture.paths.warehouse)) + "/_runs/night2.json"
        manifest = try ManifestCoding.read(WarehouseManifest.self, from: againPath, stage: "test")
        manifest.toolVersion = "0.0.1"
        try ManifestCoding.write(manifest, to: againPath)
        let otherTool = try LoadStage(paths: fixture.paths, schemas: schemas, options: LoadOptions(rowGroupRows: 1_000, zstdLevel: 5)).run(
            runId: "night1", now: 7_000)
        #expect(otherTool.manifest.tables["invoice_lines"]?.partitionChanges?.carriedOver == 0)
        // Another build of the same version (an encoder fixed without a version bump), likewise.
        let sameBuild = try LoadStage(paths: fixture.paths, schemas: schemas, options: LoadOptions(rowGroupRows: 1_000, zstdLevel: 5)).run(
            runId: "night2", now: 8_000)
        #expect((sameBuild.manifest.tables["invoice_lines"]?.partitionChanges?.carriedOver ?? 0) > 10)
        #expect(sameBuild.manifest.toolBuild == ToolInfo.executableSha256 && sameBuild.manifest.toolBuild?.count == 64)
        let buildPath =
            fixture.root + "/" + (try FileManager.default.destinationOfSymbolicLink(atPath: fixture.paths.warehouse)) + "/_runs/night2.json"
        manifest = try ManifestCoding.read(WarehouseManifest.self, from: buildPath, stage: "test")
        manifest.toolBuild = String(repeating: "0", count: 64)
        try ManifestCoding.write(manifest, to: buildPath)
        let otherBuild = try LoadStage(paths: fixture.paths, schemas: schemas, options: LoadOptions(rowGroupRows: 1_000, zstdLevel: 5)).run(
            runId: "night1", now: 9_000)
        #expect(otherBuild.manifest.tables["invoice_lines"]?.partitionChanges?.carriedOver == 0)
    }

    @Test func ndjsonAndCSVCarryUnchangedPartitionsOverToo() throws {
        for format in [PipelineDefinition.OutputFormat.ndjson, .csv] {
            let fixture = try LoadFixture()
            defer { fixture.remove() }
            let month = try Self.stageTwoNights(fixture)
            let stage = LoadStage(paths: fixture.paths, schemas: try LoadFixture.schemas(), options: LoadOptions(format: format))
            _ = try stage.run(runId: "night1", now: 1_000)
            let second = try stage.run(runId: "night2", now: 2_000)
            let lines = try #require(second.manifest.tables["invoice_lines"])
            #expect(Set(lines.partitions.filter { $0.carriedOverFrom == nil }.map(\.value)) == [month, "2031-02"], "\(format)")
            #expect(lines.partitionChanges?.removed == ["1969-12"])
            let (reference, _) = try Self.fullLoad(of: fixture, runId: "night2", options: LoadOptions(format: format))
            defer { reference.remove() }
            #expect(
                try Self.partitionFiles(fixture.root + "/.warehouse-versions/night2", table: "invoice_lines")
                    == Self.partitionFiles(reference.root + "/.warehouse-versions/night2", table: "invoice_lines"), "\(format)")
        }
    }

    @Test func deltaCommitsRemoveAndAddOnlyTheChangedPartitions() async throws {
        let fixture = try LoadFixture()
        let plain = try LoadFixture()
        defer { fixture.remove(); plain.remove() }
        let month = try Self.stageTwoNights(fixture)
        try Self.stageTwoNights(plain)
        let schemas = try LoadFixture.schemas()
        let stage = LoadStage(paths: fixture.paths, schemas: schemas, options: LoadOptions(format: .delta))
        _ = try stage.run(runId: "night1", now: 1_000)
        let second = try stage.run(runId: "night2", now: 2_000)
        let lines = try #require(second.manifest.tables["invoice_lines"])
        #expect(lines.partitionChanges?.rewritten == 2)
        #expect((lines.partitionChanges?.carriedOver ?? 0) > 10)
        #expect(lines.partitionChanges?.removed == ["1969-12"])

        // Version 1's actions: one remove per changed or emptied partition, one add per written one.
        let commit = try String(contentsOfFile: fixture.root + "/delta/invoice_lines/_delta_log/" + DeltaLog.fileName(1), encoding: .utf8)
        var removed: [String] = []
        var added: [String] = []
        for line in commit.split(separator: "\n") {
            let action = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if let remove = action["remove"] as? [String: Any] { removed.append(try #require(remove["path"] as? String)) }
            if let add = action["add"] as? [String: Any] { added.append(try #require(add["path"] as? String)) }
        }
        #expect(
            removed.sorted()
                == ["document_month=1969-12/part-night1-v0-00000.parquet", "document_month=\(month)/part-night1-v0-00000.parquet"].sorted())
        #expect(
            added.sorted()
                == ["document_month=2031-02/part-night2-v1-00000.parquet", "document_month=\(month)/part-night2-v1-00000.parquet"].sorted())

        // A night that changes no fact row: a commit without a remove or an add for invoice_lines.
        let third = try stage.run(runId: "night3", now: 3_000)
        #expect(third.manifest.tables["invoice_lines"]?.partitionChanges?.rewritten == 0)
        let quiet = try String(contentsOfFile: fixture.root + "/delta/invoice_lines/_delta_log/" + DeltaLog.fileName(2), encoding: .utf8)
        #expect(!quiet.contains("\"remove\"") && !quiet.contains("\"add\""), "\(quiet)")

        // delta-rs reads every version as the plain layout's full loads of the same staging.
        let plainStage = LoadStage(paths: plain.paths, schemas: schemas)
        _ = try plainStage.run(runId: "night1", now: 1_000)
        _ = try plainStage.run(runId: "night2", now: 2_000)
        let schema = try #require(schemas.table("invoice_lines"))
        var checks: [[String: Any]] = []
        for (version, run) in [(0, "night1"), (1, "night2"), (2, "night2")] {
            checks.append([
                "name": "v\(version)", "delta": fixture.root + "/delta/invoice_lines", "version": version,
                "plain": plain.root + "/.warehouse-versions/\(run)/invoice_lines", "columns": schema.columns.map(\.name),
                "partition": schema.partition.column
            ])
        }
        let output = try await runPython(
            DeltaLoadTests.compare, [String(decoding: try JSONSerialization.data(withJSONObject: ["checks": checks]), as: UTF8.self)])
        let results = try #require(try JSONSerialization.jsonObject(with: output) as? [String: [String: Any]])
        for name in ["v0", "v1", "v2"] {
            let result = try #require(results[name])
            #expect(result["rows"] as? Int == Self.monthlyLines + 2, "\(name)")
            #expect(result["missing"] as? Int == 0, "\(name)")
            #expect(result["extra"] as? Int == 0, "\(name)")
        }
    }
}
