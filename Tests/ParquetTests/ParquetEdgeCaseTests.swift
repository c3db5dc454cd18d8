import Foundation
import Parquet
import Testing

@Suite struct ParquetEdgeCaseTests {
    @Test func emptyFileHasTheSchemaAndNoRows() async throws {
        let directory = try ParquetTestDirectory()
        defer { directory.remove() }
        let schema = try ParquetFileWriterTests.allTypesSchema()
        let path = try writeParquet(directory.path("empty.parquet"), schema, [])
        let arrow = try await ParquetReaders.pyarrow(path)
        #expect(arrow.meta.num_rows == 0)
        #expect(arrow.meta.num_row_groups == 0)
        #expect(arrow.meta.columns.map(\.name) == schema.columns.map(\.name))
        #expect(arrow.rows == [])
        let duck = try await ParquetReaders.duckdb(path, queries: ["SELECT count(*) FROM t"])
        #expect(duck.types.count == schema.columns.count)
        #expect(duck.rows == [])
        #expect(duck.scalars == [["i:0"]])
    }

    @Test(arguments: [(999, [999]), (1_000, [1_000]), (1_001, [1_000, 1]), (2_000, [1_000, 1_000])])
    func rowGroupsEndExactlyAtTheLimit(rowCount: Int, groups: [Int]) async throws {
        let directory = try ParquetTestDirectory()
        defer { directory.remove() }
        let schema = try ParquetSchema([
            ParquetColumn(name: "n", type: .int64, nullable: false),
            ParquetColumn(name: "s", type: .string, nullable: true)
        ])
        let rows: [[ParquetValue]] = (0..<rowCount).map { [.int64(Int64($0)), $0 % 5 == 0 ? .null : .string("k\($0 % 11)")] }
        let path = try writeParquet(
            directory.path("groups.parquet"), schema, rows,
            options: ParquetWriterOptions(createdBy: "t", rowGroupRows: 1_000, pageValues: 300))
        let arrow = try await ParquetReaders.pyarrow(path)
        #expect(arrow.meta.row_group_rows == groups)
        #expect(arrow.rows == ParquetReaders.expectedCells(rows, schema))
        #expect(try await ParquetReaders.duckdb(path).rows == ParquetReaders.expectedCells(rows, schema))
    }

    @Test func allNullColumnsOfEveryType() async throws {
        let directory = try ParquetTestDirectory()
        defer { directory.remove() }
        let base = try ParquetFileWriterTests.allTypesSchema()
        let schema = try ParquetSchema(base.columns.map { ParquetColumn(name: $0.name, type: $0.type, nullable: true) })
        let rows: [[ParquetValue]] = Array(repeating: Array(repeating: .null, count: schema.columns.count), count: 2_500)
        let path = try writeParquet(
            directory.path("nulls.parquet"), schema, rows,
            options: ParquetWriterOptions(createdBy: "t", rowGroupRows: 1_000, pageValues: 400))
        let arrow = try await ParquetReaders.pyarrow(path)
        #expect(arrow.rows == ParquetReaders.expectedCells(rows, schema))
        for column in arrow.meta.columns {
            #expect(column.row_groups.map(\.null_count) == [1_000, 1_000, 500])
            #expect(column.row_groups.allSatisfy { !$0.has_min_max })
        }
        #expect(try await ParquetReaders.duckdb(path).rows == ParquetReaders.expectedCells(rows, schema))
    }

    @Test func unicodeAndMegabyteStrings() async throws {
        let directory = try ParquetTestDirectory()
        defer { directory.remove() }
        let schema = try ParquetSchema([
            ParquetColumn(name: "text", type: .string, nullable: true),
            ParquetColumn(name: "doc", type: .json, nullable: false)
        ])
        let megabyte = String(repeating: "Ωmega-€-", count: 1_048_576 / 11 + 1)
        let longASCII = String((0..<1_100_000).map { Character(UnicodeScalar(UInt8(33 + $0 % 90))) })
        let rows: [[ParquetValue]] = [
            [.string("日本語のテキスト"), .string(#"{"emoji":"🙂"}"#)],
            [
                .string(megabyte),
                .string(#"{"k":""# + longASCII.replacingOccurrences(of: "\"", with: "'").replacingOccurrences(of: "\\", with: "/") + #""}"#)
            ],
            [.null, .string("[]")],
            [.string("e\u{301} vs é, \u{0}nul, tab\tline\nbreak"), .string("{}")],
            [.string(longASCII), .string("1")]
        ]
        let path = try writeParquet(
            directory.path("unicode.parquet"), schema, rows,
            options: ParquetWriterOptions(createdBy: "t", rowGroupRows: 2))
        #expect(megabyte.utf8.count > 1_048_576)
        #expect(try await ParquetReaders.pyarrow(path).rows == ParquetReaders.expectedCells(rows, schema))
        #expect(try await ParquetReaders.duckdb(path).rows == ParquetReaders.expectedCells(rows, schema))
        let meta = try await ParquetReaders.pyarrow(path, includeRows: false).meta
        // Bounds over 4 KiB are left out rather than truncated; the null count stays.
        #expect(meta.columns[0].row_groups[0].has_min_max == false)
        #expect(meta.columns[0].row_groups[1].null_count == 1)
        #expect(meta.columns[0].row_groups[1].min == "s:e\u{301} vs é, \u{0}nul, tab\tline\nbreak")
    }

    @Test func lowCardinalityStringsAreDictionaryEncoded() async throws {
        let directory = try ParquetTestDirectory()
        defer { directory.remove() }
        let schema = try ParquetSchema([ParquetColumn(name: "currency", type: .string, nullable: true)])
        let currencies = ["usd", "eur", "gbp", "jpy", "krw", "bhd"]
        let rows: [[ParquetValue]] = (0..<50_000).map { $0 % 13 == 0 ? [.null] : [.string(currencies[($0 * 7 + $0 / 100) % 6])] }
        let path = try writeParquet(
            directory.path("dict.parquet"), schema, rows,
            options: ParquetWriterOptions(createdBy: "t", pageValues: 8_000))
        let arrow = try await ParquetReaders.pyarrow(path)
        let chunk = try #require(arrow.meta.columns.first?.row_groups.first)
        #expect(chunk.has_dictionary_page)
        #expect(chunk.encodings.contains("RLE_DICTIONARY"))
        #expect(!chunk.encodings.contains("PLAIN") || chunk.encodings.contains("RLE_DICTIONARY"))
        #expect(chunk.min == "s:bhd")
        #expect(chunk.max == "s:usd")
        #expect(arrow.rows == ParquetReaders.expectedCells(rows, schema))
        #expect(try await ParquetReaders.duckdb(path).rows == ParquetReaders.expectedCells(rows, schema))
    }

    @Test func dictionaryOverflowFallsBackToPlainWithinAChunk() async throws {
        let directory = try ParquetTestDirectory()
        defer { directory.remove() }
        let schema = try ParquetSchema([
            ParquetColumn(name: "key", type: .string, nullable: true),
            ParquetColumn(name: "n", type: .int64, nullable: false)
        ])
        // 250 distinct values fit the 200-entry dictionary only partly: early pages are
        // dictionary-encoded, later ones PLAIN; the next row group starts PLAIN.
        let rows: [[ParquetValue]] = (0..<3_000).map { index -> [ParquetValue] in
            [index % 17 == 0 ? .null : .string("key-\(index % 250)-" + String(repeating: "x", count: index % 9)), .int64(Int64(index))]
        }
        let path = try writeParquet(
            directory.path("fallback.parquet"), schema, rows,
            options: ParquetWriterOptions(
                createdBy: "t", rowGroupRows: 2_000, pageValues: 100, dictionaryMaxEntries: 200,
                dictionaryMaxDistinctRatio: 1))
        let arrow = try await ParquetReaders.pyarrow(path)
        let chunks = arrow.meta.columns[0].row_groups
        #expect(chunks[0].has_dictionary_page)
        #expect(Set(chunks[0].encodings).isSuperset(of: ["PLAIN", "RLE_DICTIONARY"]))
        #expect(!chunks[1].has_dictionary_page)
        #expect(!chunks[1].encodings.contains("RLE_DICTIONARY"))
        #expect(arrow.rows == ParquetReaders.expectedCells(rows, schema))
        #expect(try await ParquetReaders.duckdb(path).rows == ParquetReaders.expectedCells(rows, schema))
    }

    @Test func aMillionDistinctStringsOverflowTheDefaultDictionary() async throws {
        let directory = try ParquetTestDirectory()
        defer { directory.remove() }
        let schema = try ParquetSchema([ParquetColumn(name: "id", type: .string, nullable: false)])
        let path = directory.path("million.parquet")
        // The distinct-ratio shortcut is off so the 1 MB dictionary really fills up and overflows.
        let writer = try ParquetFileWriter(
            path: path, schema: schema, options: ParquetWriterOptions(createdBy: "t", dictionaryMaxDistinctRatio: 1))
        var text: [UInt8] = Array("in_0000000".utf8)
        for index in 0..<1_000_000 {
            var rest = index
            for position in stride(from: text.count - 1, through: 3, by: -1) {
                text[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            try text.withUnsafeBytes { try writer.write(0, bytes: $0) }
            try writer.endRow()
        }
        try writer.close()

        let meta = try await ParquetReaders.pyarrow(path, includeRows: false).meta
        #expect(meta.num_rows == 1_000_000)
        let first = try #require(meta.columns[0].row_groups.first)
        #expect(first.has_dictionary_page)
        #expect(Set(first.encodings).isSuperset(of: ["PLAIN", "RLE_DICTIONARY"]))
        #expect(meta.columns[0].row_groups.dropFirst().allSatisfy { !$0.has_dictionary_page })
        // Every value, checked by the reader against the formula that generated it.
        let duck = try await ParquetReaders.duckdb(
            path, includeRows: false,
            queries: [
                "SELECT count(*), count(DISTINCT id), min(id), max(id) FROM t",
                "SELECT count(*) FROM t WHERE id <> 'in_' || lpad(file_row_number::VARCHAR, 7, '0')"
            ])
        #expect(duck.scalars?[0] == ["i:1000000", "i:1000000", "s:in_0000000", "s:in_0999999"])
        #expect(duck.scalars?[1] == ["i:0"])
    }

    @Test func mostlyDistinctTextIsWrittenPlainFromTheStart() async throws {
        let directory = try ParquetTestDirectory()
        defer { directory.remove() }
        let schema = try ParquetSchema([
            ParquetColumn(name: "invoice", type: .string, nullable: false),
            ParquetColumn(name: "status", type: .string, nullable: false)
        ])
        // invoice repeats 3 times (33% distinct): PLAIN; status has 4 values: dictionary.
        let statuses = ["draft", "open", "paid", "void"]
        let rows: [[ParquetValue]] = (0..<30_000).map { [.string("in_\($0 / 3)"), .string(statuses[$0 % 4])] }
        let path = try writeParquet(
            directory.path("ratio.parquet"), schema, rows,
            options: ParquetWriterOptions(createdBy: "t", rowGroupRows: 10_000, pageValues: 4_000))
        let arrow = try await ParquetReaders.pyarrow(path)
        #expect(arrow.meta.columns[0].row_groups.allSatisfy { !$0.has_dictionary_page && !$0.encodings.contains("RLE_DICTIONARY") })
        #expect(arrow.meta.columns[1].row_groups.allSatisfy { $0.has_dictionary_page && $0.encodings.contains("RLE_DICTIONARY") })
        #expect(arrow.meta.columns[0].row_groups.first?.min == "s:in_0")
        #expect(arrow.meta.columns[0].row_groups.first?.max == "s:in_999")
        #expect(arrow.rows == ParquetReaders.expectedCells(rows, schema))
        #expect(try await ParquetReaders.duckdb(path).rows == ParquetReaders.expectedCells(rows, schema))
    }

    @Test func decimalsAtTheLimitsOfTheirPrecision() async throws {
        let directory = try ParquetTestDirectory()
        defer { directory.remove() }
        var columns: [ParquetColumn] = []
        var texts: [[String]] = []
        for (precision, scale) in [(1, 0), (9, 2), (18, 2), (18, 0), (19, 4), (28, 10), (38, 0), (38, 2), (38, 38)] {
            columns.append(
                ParquetColumn(name: "d\(precision)_\(scale)", type: .decimal(precision: precision, scale: scale), nullable: true))
            let nines = String(repeating: "9", count: precision - scale)
            let fraction = scale > 0 ? "." + String(repeating: "9", count: scale) : ""
            let smallest = scale > 0 ? "0." + String(repeating: "0", count: scale - 1) + "1" : "1"
            let maximum = (nines.isEmpty ? "0" : nines) + fraction
            texts.append([maximum, "-" + maximum, smallest, "-" + smallest, scale > 0 ? "0." + String(repeating: "0", count: scale) : "0"])
        }
        let schema = try ParquetSchema(columns)
        let rows: [[ParquetValue]] =
            try (0..<5).map { row in
                try columns.indices.map { column in
                    guard case .decimal(_, let scale) = columns[column].type else { return .null }
                    return .decimal(try ParquetDecimal(parsing: texts[column][row], scale: scale))
                }
            } + [Array(repeating: .null, count: columns.count)]
        let path = try writeParquet(directory.path("decimals.parquet"), schema, rows)
        let expected = ParquetReaders.expectedCells(rows, schema)
        // The formatted text must be the text we parsed (the expectation is not circular).
        #expect(expected[0][6] == "s:" + String(repeating: "9", count: 38))
        #expect(expected[1][7] == "s:-" + String(repeating: "9", count: 36) + ".99")

        // DuckDB prints DECIMAL(38,38) without the leading zero (".99..."); restore it before comparing.
        let duck = try await ParquetReaders.duckdb(path)
        let duckRows = duck.rows?.map { row in
            row.map { cell in
                cell.map { $0.replacingOccurrences(of: "s:-.", with: "s:-0.").replacingOccurrences(of: "s:.", with: "s:0.") }
            }
        }
        #expect(duckRows == expected)
        let arrow = try await ParquetReaders.pyarrow(path)
        // Python's Decimal prints tiny values of large scale in exponent form; compare numerically there.
        for (column, info) in arrow.meta.columns.enumerated() {
            guard case .decimal(_, let scale) = columns[column].type else { continue }
            #expect(info.physical_type == (columns[column].type.physicalType == .int64 ? "INT64" : "FIXED_LEN_BYTE_ARRAY"))
            if scale < 6 {
                #expect(arrow.rows?.map { $0[column] } == expected.map { $0[column] })
            }
            let chunk = info.row_groups[0]
            if scale < 6 {
                #expect(chunk.max == "s:" + texts[column][0])
                #expect(chunk.min == "s:" + texts[column][1])
            }
            #expect(chunk.null_count == 1)
        }
        let numeric = try await ParquetReaders.duckdb(
            path, includeRows: false,
            queries: [
                "SELECT count(*) FROM t WHERE \"d38_38\" > 0.5 OR \"d38_38\" < -0.5"
            ])
        #expect(numeric.scalars?[0] == ["i:2"])
    }

    @Test func booleansAndDatesAroundTheEpoch() async throws {
        let directory = try ParquetTestDirectory()
        defer { directory.remove() }
        let schema = try ParquetSchema([
            ParquetColumn(name: "flag", type: .bool, nullable: false),
            ParquetColumn(name: "maybe", type: .bool, nullable: true),
            ParquetColumn(name: "day", type: .date, nullable: false),
            ParquetColumn(name: "at", type: .timestampMicros, nullable: false)
        ])
        let rows: [[ParquetValue]] = (0..<1_001).map { index in
            let day = Int32(index - 500) * 37
            return [
                .bool(index % 3 == 0), index % 4 == 0 ? .null : .bool(index % 2 == 0), .date(day),
                .int64(Int64(day) * 86_400_000_000 + Int64(index))
            ]
        }
        let path = try writeParquet(
            directory.path("bools.parquet"), schema, rows,
            options: ParquetWriterOptions(createdBy: "t", pageValues: 64))
        let expected = ParquetReaders.expectedCells(rows, schema)
        #expect(try await ParquetReaders.pyarrow(path).rows == expected)
        let duck = try await ParquetReaders.duckdb(path, queries: ["SELECT min(day)::VARCHAR, max(day)::VARCHAR FROM t"])
        #expect(duck.rows == expected)
        // 1970-01-01 -/+ 18,500 days.
        #expect(duck.scalars?[0] == ["s:1919-05-09", "s:2020-08-26"])
    }
}
