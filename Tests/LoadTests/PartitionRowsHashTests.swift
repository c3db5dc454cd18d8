import Core
import Digest
import Dispatch
import Foundation
import Testing

@testable import Load

/// A partition's rows hash (`rows_sha256`) is what a published run's manifest offers for carrying
/// its file over: the same rows must give the same hash in every load, whatever the format's
/// partitioner, the block size or the threads' timing. Checked against the definition computed by
/// Python's hashlib from the staging lines alone.
@Suite struct PartitionRowsHashTests {
    static let columns: [(name: String, type: String, nullable: Bool)] = [
        ("id", "string", false), ("name", "string", true), ("n", "int64", true), ("amount", "decimal(18,3)", false),
        ("big", "decimal(38,6)", true), ("flag", "bool", false), ("at", "timestamp", true), ("day", "date", true),
        ("doc", "json", true), ("req", "json", false)
    ]

    static func table(in directory: String) throws -> TableSchema {
        let path = directory + "/t.json"
        let columns = Self.columns.map {
            #"{"name": "\#($0.name)", "type": "\#($0.type)", "nullable": \#($0.nullable), "description": "c", "source": "\#($0.name)"}"#
        }
        let json = """
            {"table": "t", "description": "rows hash test", "source_stream": "s", "primary_key": ["id"],
             "partition": {"column": "day_month", "by": "month", "source_column": "day"},
             "columns": [\(columns.joined(separator: ", "))]}
            """
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return try TableSchema.load(path: path)
    }

    /// Rows of six months in no order (so a block holds several partitions), some without a day
    /// (the null partition), with escapes, negative and 38-digit decimals, and nulls.
    static func lines() -> [String] {
        var state: UInt64 = 42
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let names = [#""plain""#, #""a \"quoted\", name""#, #""back\\slash \u00e9t\u00e9""#, #""""#, "null", #""line\nbreak""#]
        let docs = [#"{"k":[1,"}"]}"#, "null", #"{"a":{"b":true},"c":"x,y"}"#, "[]"]
        return (0..<300).map { row in
            let sign = next(2) == 0 ? "-" : ""
            let big =
                next(3) == 0 ? "null" : #""\#(sign)\#(next(1_000_000_000))\#(next(1_000_000_000))\#(next(1_000_000)).\#(next(1_000_000))""#
            let day = next(10) == 0 ? "null" : String(format: #""2024-%02d-%02d""#, next(6) + 1, next(28) + 1)
            let at =
                next(4) == 0
                ? "null" : String(format: #""2024-03-%02dT%02d:%02d:%02d.%dZ""#, next(28) + 1, next(24), next(60), next(60), next(10))
            return #"{"id":"r\#(row)","name":\#(names[next(names.count)]),"n":\#(next(3) == 0 ? "null" : "\(next(1_000_000) - 500_000)"),"#
                + #""amount":"\#(sign)\#(next(100_000)).\#(next(1_000))","big":\#(big),"flag":\#(next(2) == 0),"at":\#(at),"day":\#(day),"#
                + #""doc":\#(docs[next(docs.count)]),"req":\#(docs[next(docs.count)])}"#
        }
    }

    /// The rows hash of every partition by Python's hashlib: for NDJSON and CSV, SHA-256 of the
    /// partition's staging lines with their newlines; for Parquet, of each row's typed values
    /// (`TypedRowCodec` without the line number) after their length.
    static func oracle(linesFile: String, format: PipelineDefinition.OutputFormat) async throws -> [String: String] {
        let script = #"""
            import sys, json, hashlib, struct, datetime, decimal
            from decimal import Decimal
            decimal.getcontext().prec = 60  # 38-digit decimals exactly (the default context rounds to 28 digits)
            path, fmt, cols = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
            hashes = {}
            for raw in open(path, 'rb').read().split(b'\n'):
                if not raw: continue
                row = json.loads(raw)
                part = row['day'][:7] if row['day'] is not None else '__HIVE_DEFAULT_PARTITION__'
                h = hashes.setdefault(part, hashlib.sha256())
                if fmt != 'parquet':
                    h.update(raw + b'\n'); continue
                out = b''
                for name, typ, nullable in cols:
                    v = row[name]
                    if v is None:
                        out += b'\x00' if nullable else struct.pack('<I', 4) + b'null'  # a required json column: the document null
                        continue
                    if nullable: out += b'\x01'
                    if typ in ('string', 'json'):
                        b = (v if typ == 'string' else json.dumps(v, separators=(',', ':'))).encode()
                        out += struct.pack('<I', len(b)) + b
                    elif typ == 'int64': out += struct.pack('<q', v)
                    elif typ == 'bool': out += bytes([1 if v else 0])
                    elif typ == 'date': out += struct.pack('<i', (datetime.date.fromisoformat(v) - datetime.date(1970, 1, 1)).days)
                    elif typ == 'timestamp':
                        t = datetime.datetime.fromisoformat(v.replace('Z', '+00:00'))
                        out += struct.pack('<q', (t - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)) // datetime.timedelta(microseconds=1))
                    else:
                        precision, scale = map(int, typ[len('decimal('):-1].split(','))
                        unscaled = int(Decimal(v).scaleb(scale))
                        if precision <= 18: out += struct.pack('<q', unscaled)
                        else: out += struct.pack('<qQ', unscaled >> 64, unscaled & (2**64 - 1))
                h.update(struct.pack('<I', len(out)) + out)
            print(json.dumps({k: h.hexdigest() for k, h in hashes.items()}))
            """#
        let columns = String(
            decoding: try JSONSerialization.data(withJSONObject: Self.columns.map { [$0.name, $0.type, $0.nullable] }), as: UTF8.self)
        let output = try await runPython(script, [linesFile, format.rawValue, columns])
        return try JSONDecoder().decode([String: String].self, from: output)
    }

    @Test(arguments: [PipelineDefinition.OutputFormat.parquet, .ndjson, .csv])
    func rowsHashesAreTheRowsInOrderWhateverTheBlocks(format: PipelineDefinition.OutputFormat) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rows-hash-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let table = try Self.table(in: root)
        let lines = Self.lines()
        try (lines.joined(separator: "\n") + "\n").write(toFile: root + "/lines.ndjson", atomically: true, encoding: .utf8)
        let staging = root + "/t.ndjson.zst"
        try SyntheticStaging.write(count: 0, schema: table, path: staging, extraLines: lines)

        // Blocks of one or two rows (many blocks, decoded out of order now and then) and the load's own blocks.
        var loads: [[TableLoader.Partition]] = []
        for blockBytes in [300, StagingBlockReader.defaultBlockBytes] {
            var loader = TableLoader(
                table: table, partitioning: TablePartitioning(column: "day_month", by: .month, sourceColumn: "day"),
                options: LoadOptions(format: format), snapshotDate: "2025-06-01", runId: "r1")
            loader.blockBytes = blockBytes
            loads.append(try loader.load(stagingFile: staging, into: root + "/out-\(blockBytes)", scratchDirectory: root + "/scratch"))
        }
        let expected = try await Self.oracle(linesFile: root + "/lines.ndjson", format: format)
        #expect(expected.count == 7, "six months and the null partition")
        for partitions in loads {
            #expect(Dictionary(uniqueKeysWithValues: partitions.map { ($0.value, $0.rowsSha256 ?? "none") }) == expected)
            #expect(partitions.reduce(0) { $0 + $1.rows } == lines.count)
        }
        #expect(loads[0].map(\.checksum?.sha256) == loads[1].map(\.checksum?.sha256), "the files do not depend on the block size")
    }

    /// Blocks handed in out of order (one thread, then many at once) are hashed in block order.
    @Test func blocksFinishingOutOfOrderAreHashedInOrder() throws {
        let blocks = (0..<64).map { index in (0..<(index % 5)).map { UInt8(truncatingIfNeeded: index &* 31 &+ $0) } }
        var expected = SHA256()
        for block in blocks { block.withUnsafeBytes { expected.update($0) } }
        let digest = expected.hexDigest()

        @Sendable func add(_ index: Int, to hashes: PartitionRowsHashes) {
            let hash = hashes.hash(of: "p")
            hashes.add(
                block: index, inPlace: { hash.update { hasher in blocks[index].withUnsafeBytes { hasher.update($0) } } },
                copy: { [PartitionRowsHashes.Piece(hash: hash, bytes: blocks[index])] })
        }
        let sequential = PartitionRowsHashes()
        for index in [2, 0, 3, 1] + Array(4..<64).reversed() { add(index, to: sequential) }
        #expect(try sequential.digests() == ["p": digest])

        for _ in 0..<20 {
            let concurrent = PartitionRowsHashes()
            DispatchQueue.concurrentPerform(iterations: blocks.count) { add($0, to: concurrent) }
            #expect(try concurrent.digests() == ["p": digest])
        }
    }
}
