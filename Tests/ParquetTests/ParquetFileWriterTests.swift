import Foundation
import Parquet
import Testing

@Suite struct ParquetFileWriterTests {
    static func allTypesSchema() throws -> ParquetSchema {
        try ParquetSchema([
            ParquetColumn(name: "id", type: .string, nullable: false),
            ParquetColumn(name: "note", type: .string, nullable: true),
            ParquetColumn(name: "quantity", type: .int64, nullable: true),
            ParquetColumn(name: "amount", type: .decimal(precision: 18, scale: 2), nullable: false),
            ParquetColumn(name: "huge", type: .decimal(precision: 38, scale: 6), nullable: true),
            ParquetColumn(name: "paid", type: .bool, nullable: true),
            ParquetColumn(name: "created", type: .timestampMicros, nullable: false),
            ParquetColumn(name: "day", type: .date, nullable: true),
            ParquetColumn(name: "metadata", type: .json, nullable: true)
        ])
    }

    static func allTypesRows() throws -> [[ParquetValue]] {
        let hugePositive = try ParquetDecimal(parsing: "99999999999999999999999999999999.999999", scale: 6)
        let hugeNegative = try ParquetDecimal(parsing: "-99999999999999999999999999999999.999999", scale: 6)
        return [
            [
                .string("il_1"), .string("first"), .int64(1), .decimal(try ParquetDecimal(parsing: "12.34", scale: 2)),
                .decimal(hugePositive), .bool(true), .int64(1_717_200_000_123_456), .date(19_875), .string(#"{"a":1}"#)
            ],
            [
                .string("il_2"), .null, .int64(-5), .decimal(try ParquetDecimal(parsing: "-0.01", scale: 2)),
                .decimal(hugeNegative), .bool(false), .int64(-1), .date(-1), .string("[]")
            ],
            [
                .string("il_3"), .string("ünïcødé ✓ 🧾"), .null, .decimal(ParquetDecimal(Int64(999_999_999_999_999_999))),
                .null, .null, .int64(0), .date(-719_162), .null
            ],
            [
                .string("il_4"), .string(""), .int64(Int64.max), .decimal(ParquetDecimal(Int64(-999_999_999_999_999_999))),
                .decimal(try ParquetDecimal(parsing: "0", scale: 6)), .bool(true), .int64(-62_135_596_800_000_000), .null, .string("null")
            ],
            [
                .string("il_1"), .string("first"), .int64(Int64.min), .decimal(ParquetDecimal(0)),
                .decimal(try ParquetDecimal(parsing: "-0.000001", scale: 6)), .bool(false), .int64(253_402_300_799_999_999),
                .date(2_932_896), .string(#"{"a":1}"#)
            ]
        ]
    }

    @Test func everyValueOfEveryTypeRoundTripsThroughPyArrowAndDuckDB() async throws {
        let directory = try ParquetTestDirectory()
        defer { directory.remove() }
        let schema = try Self.allTypesSchema()
        let rows = try Self.allTypesRows()
        let path = try writeParquet(directory.path("all.parquet"), schema, rows)
        let expected = ParquetReaders.expectedCells(rows, schema)

        let arrow = try await ParquetReaders.pyarrow(path)
        #expect(arrow.meta.num_rows == rows.count)
        #expect(arrow.rows == expected)

        let duck = try await ParquetReaders.duckdb(path)
        #expect(duck.rows == expected)
        #expect(
            duck.types == [
                "VARCHAR", "VARCHAR", "BIGINT", "DECIMAL(18,2)", "DECIMAL(38,6)", "BOOLEAN",
                "TIMESTAMP WITH TIME ZONE", "DATE", "JSON"
            ])
    }

    @Test func pyarrowReportsPhysicalLogicalAndConvertedTypes() async throws {
        let directory = try ParquetTestDirectory()
        defer { directory.remove() }
        let path = try writeParquet(
            directory.path("types.parquet"), try Self.allTypesSchema(), try Self.allTypesRows(),
            options: ParquetWriterOptions(createdBy: "stripe-warehouse test 1.0"))
        let meta = try await ParquetReaders.pyarrow(path, includeRows: false).meta
        #expect(meta.created_by == "stripe-warehouse test 1.0")
        #expect(
            meta.columns.map(\.physical_type) == [
                "BYTE_ARRAY", "BYTE_ARRAY", "INT64", "INT64", "FIXED_LEN_BYTE_ARRAY",
                "BOOLEAN", "INT64", "INT32", "BYTE_ARRAY"
            ])
        #expect(
            meta.columns.map(\.logical_type) == [
                "String", "String", "None", "Decimal(precision=18, scale=2)",
                "Decimal(precision=38, scale=6)", "None",
                "Timestamp(isAdjustedToUTC=true, timeUnit=microseconds, is_from_converted_type=false, force_set_converted_type=false)",
                "Date", "JSON"
            ])
        #expect(
            meta.columns.map(\.converted_type) == ["UTF8", "UTF8", "NONE", "DECIMAL", "DECIMAL", "NONE", "TIMESTAMP_MICROS", "DATE", "JSON"]
        )
        #expect(meta.columns.map(\.max_definition_level) == [0, 1, 1, 0, 1, 1, 0, 1, 1])
        #expect(meta.arrow_types[6] == "timestamp[us, tz=UTC]")
        #expect(meta.arrow_types[4] == "decimal128(38, 6)")
        #expect(meta.columns.allSatisfy { $0.row_groups.allSatisfy { $0.compression == "UNCOMPRESSED" } })
    }

    @Test func statisticsUseEachTypesOrderAndCountNulls() async throws {
        let directory = try ParquetTestDirectory()
        defer { directory.remove() }
        let path = try writeParquet(directory.path("stats.parquet"), try Self.allTypesSchema(), try Self.allTypesRows())
        let columns = try await ParquetReaders.pyarrow(path, includeRows: false).meta.columns
        func stats(_ name: String) -> ParquetReaders.PyArrowResult.ChunkInfo? { columns.first { $0.name == name }?.row_groups.first }

        #expect(stats("id")?.min == "s:il_1")
        #expect(stats("id")?.max == "s:il_4")
        #expect(stats("id")?.null_count == 0)
        // Unsigned bytewise: "ü..." (0xC3) sorts after ASCII; "" sorts first.
        #expect(stats("note")?.min == "s:")
        #expect(stats("note")?.max == "s:ünïcødé ✓ 🧾")
        #expect(stats("note")?.null_count == 1)
        #expect(stats("quantity")?.min == "i:\(Int64.min)")
        #expect(stats("quantity")?.max == "i:\(Int64.max)")
        #expect(stats("quantity")?.null_count == 1)
        #expect(stats("amount")?.min == "s:-9999999999999999.99")
        #expect(stats("amount")?.max == "s:9999999999999999.99")
        #expect(stats("huge")?.min == "s:-99999999999999999999999999999999.999999")
        #expect(stats("huge")?.max == "s:99999999999999999999999999999999.999999")
        #expect(stats("huge")?.null_count == 1)
        #expect(stats("paid")?.min == "b:false")
        #expect(stats("paid")?.max == "b:true")
        #expect(stats("created")?.min == "s:0001-01-01T00:00:00+00:00")
        #expect(stats("created")?.max == "s:9999-12-31T23:59:59.999999+00:00")
        #expect(stats("day")?.min == "s:0001-01-01")
        #expect(stats("day")?.max == "s:9999-12-31")
        #expect(stats("day")?.null_count == 1)
        #expect(stats("metadata")?.min == "s:[]")
        #expect(stats("metadata")?.max == #"s:{"a":1}"#)
        #expect(stats("metadata")?.null_count == 1)
    }

    @Test func duckdbPrunesRowGroupsWithTheStatistics() async throws {
        let directory = try ParquetTestDirectory()
        defer { directory.remove() }
        let schema = try ParquetSchema([ParquetColumn(name: "n", type: .int64, nullable: false)])
        let rows: [[ParquetValue]] = (0..<10_000).map { [.int64(Int64($0))] }
        let path = try writeParquet(
            directory.path("prune.parquet"), schema, rows,
            options: ParquetWriterOptions(createdBy: "t", rowGroupRows: 1_000))
        // DuckDB's parquet_metadata exposes the statistics it will prune with.
        let duck = try await ParquetReaders.duckdb(
            path, includeRows: false,
            queries: [
                "SELECT count(*), min(stats_min::BIGINT), max(stats_max::BIGINT), sum(stats_null_count) FROM parquet_metadata('\(path)')",
                "SELECT stats_min, stats_max FROM parquet_metadata('\(path)') WHERE row_group_id = 3",
                "SELECT count(*) FROM t WHERE n BETWEEN 3500 AND 3509"
            ])
        #expect(duck.scalars?[0] == ["i:10", "i:0", "i:9999", "i:0"])
        #expect(duck.scalars?[1] == ["s:3000", "s:3999"])
        #expect(duck.scalars?[2] == ["i:10"])
    }

    @Test func sameInputGivesIdenticalBytes() async throws {
        let directory = try ParquetTestDirectory()
        defer { directory.remove() }
        let schema = try Self.allTypesSchema()
        let rows = try Self.allTypesRows()
        let options = ParquetWriterOptions(createdBy: "t", rowGroupRows: 2, keyValueMetadata: [KeyValue(key: "k", value: "v")])
        let first = try writeParquet(directory.path("a.parquet"), schema, rows, options: options)
        let second = try writeParquet(directory.path("b.parquet"), schema, rows, options: options)
        let firstBytes = try Data(contentsOf: URL(fileURLWithPath: first))
        #expect(firstBytes == (try Data(contentsOf: URL(fileURLWithPath: second))))
        #expect(firstBytes.count > 100)
        let meta = try await ParquetReaders.pyarrow(first, includeRows: false).meta
        #expect(meta.key_value == ["k": "v"])
        #expect(meta.row_group_rows == [2, 2, 1])
    }

    @Test func typedAPIWritesTheSameFileAsTheRowAPI() throws {
        let directory = try ParquetTestDirectory()
        defer { directory.remove() }
        let schema = try ParquetSchema([
            ParquetColumn(name: "s", type: .string, nullable: true),
            ParquetColumn(name: "n", type: .int64, nullable: false),
            ParquetColumn(name: "d", type: .date, nullable: false)
        ])
        let rows: [[ParquetValue]] = (0..<100).map {
            [$0 % 3 == 0 ? .null : .string("v\($0 % 7)"), .int64(Int64($0)), .date(Int32($0) - 50)]
        }
        let byRow = try writeParquet(directory.path("row.parquet"), schema, rows)

        let typedPath = directory.path("typed.parquet")
        let writer = try ParquetFileWriter(path: typedPath, schema: schema, options: ParquetWriterOptions(createdBy: "parquet-tests"))
        for index in 0..<100 {
            if index % 3 == 0 { try writer.writeNull(0) } else { try writer.write(0, string: "v\(index % 7)") }
            try writer.write(1, int64: Int64(index))
            try writer.write(2, date: Int32(index) - 50)
            try writer.endRow()
        }
        try writer.close()
        #expect(try Data(contentsOf: URL(fileURLWithPath: byRow)) == (try Data(contentsOf: URL(fileURLWithPath: typedPath))))
    }

    @Test func misuseIsReportedNotWritten() throws {
        let directory = try ParquetTestDirectory()
        defer { directory.remove() }
        let schema = try ParquetSchema([
            ParquetColumn(name: "s", type: .string, nullable: false),
            ParquetColumn(name: "d", type: .decimal(precision: 4, scale: 2), nullable: true)
        ])
        let options = ParquetWriterOptions(createdBy: "t")

        let nullInRequired = try ParquetFileWriter(path: directory.path("1.parquet"), schema: schema, options: options)
        #expect(throws: ParquetError.self) { try nullInRequired.writeNull(0) }
        #expect(throws: ParquetError.self) { try nullInRequired.close() }

        let wrongType = try ParquetFileWriter(path: directory.path("2.parquet"), schema: schema, options: options)
        #expect(throws: ParquetError.self) { try wrongType.write(0, int64: 1) }

        let tooManyDigits = try ParquetFileWriter(path: directory.path("3.parquet"), schema: schema, options: options)
        try tooManyDigits.write(0, string: "x")
        #expect(throws: ParquetError.self) { try tooManyDigits.write(1, decimal: ParquetDecimal(10_000)) }

        let incomplete = try ParquetFileWriter(path: directory.path("4.parquet"), schema: schema, options: options)
        try incomplete.write(0, string: "x")
        #expect(throws: ParquetError.self) { try incomplete.endRow() }

        let unfinished = try ParquetFileWriter(path: directory.path("5.parquet"), schema: schema, options: options)
        try unfinished.write(0, string: "x")
        #expect(throws: ParquetError.self) { try unfinished.close() }

        #expect(throws: ParquetError.self) {
            try ParquetSchema([
                ParquetColumn(name: "a", type: .int64, nullable: true), ParquetColumn(name: "a", type: .bool, nullable: true)
            ])
        }
        #expect(throws: ParquetError.self) {
            try ParquetSchema([ParquetColumn(name: "a", type: .decimal(precision: 39, scale: 0), nullable: true)])
        }
    }
}
