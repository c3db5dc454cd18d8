import Core
import Foundation
import ModuleErrors
import Parquet
import Testing

@testable import Load

/// The fast in-schema-order scan and the general JSON walk must decode every row the same way.
@Suite struct StagingRowDecoderTests {
    static func table() throws -> TableSchema {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("decoder-schema-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let columns = [
            ("id", "string", false), ("n", "int64", true), ("amount", "decimal(18,3)", false), ("flag", "bool", false),
            ("at", "timestamp", true), ("day", "date", false), ("doc", "json", true)
        ]
        let json = """
            {"table": "t", "description": "decoder test", "source_stream": "s", "primary_key": ["id"],
             "partition": {"column": "snapshot_date", "by": "snapshot"},
             "columns": [\(columns.map { #"{"name": "\#($0.0)", "type": "\#($0.1)", "nullable": \#($0.2), "description": "c", "source": "\#($0.0)"}"# }.joined(separator: ", "))]}
            """
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return try TableSchema.load(path: path)
    }

    /// Every column decoded to text, the way the Parquet path sees it.
    static func decode(_ line: String) throws -> [String] {
        var decoder = StagingRowDecoder(table: try table(), file: "t.ndjson.zst")
        var bytes = Array(line.utf8)
        return try bytes.withUnsafeMutableBytes { buffer in
            try decoder.parse(UnsafeRawBufferPointer(buffer), lineNumber: 3)
            var values: [String] = []
            for column in 0..<7 {
                if decoder.isNull(column) { values.append("NULL"); continue }
                switch column {
                case 0: values.append(try decoder.withString(column) { String(decoding: $0, as: UTF8.self) })
                case 1: values.append(String(try decoder.int64(column)))
                case 2: values.append(try decoder.decimal(column, scale: 3).description)
                case 3: values.append(String(try decoder.bool(column)))
                case 4: values.append(String(try decoder.timestampMicros(column)))
                case 5: values.append(String(try decoder.days(column)))
                default: values.append(String(decoding: decoder.raw(column), as: UTF8.self))
                }
            }
            return values
        }
    }

    @Test func schemaOrderAndAnyOtherOrderDecodeAlike() throws {
        let ordered =
            #"{"id":"a\"b\\ \u00e9","n":-9223372036854775808,"amount":"-12.5","flag":true,"at":"2024-02-29T23:59:59.000001Z","day":"1969-12-31","doc":{"k":[1,"}"]}}"#
        let shuffled =
            #"{ "doc" : {"k":[1,"}"]}, "day":"1969-12-31", "flag":true, "amount":"-12.5", "id":"a\"b\\ \u00e9", "at":"2024-02-29T23:59:59.000001Z", "extra": 1, "n":-9223372036854775808 }"#
        let expected = ["a\"b\\ é", "-9223372036854775808", "-12500", "true", "1709251199000001", "-1", #"{"k":[1,"}"]}"#]
        #expect(try Self.decode(ordered) == expected)
        #expect(try Self.decode(shuffled) == expected)
        #expect(
            try Self.decode(#"{"id":"","n":null,"amount":"99999999999999.999","flag":false,"at":null,"day":"2000-01-01","doc":null}"#)
                == ["", "NULL", "99999999999999999", "false", "NULL", "10957", "NULL"])
    }

    @Test(arguments: [
        (#"{"id":"x","n":1,"amount":"1.5","flag":true,"at":null,"day":"2000-01-01"}"#, "column 'doc': the key is missing"),
        (#"{"id":"x","n":1.5,"amount":"1.5","flag":true,"at":null,"day":"2000-01-01","doc":null}"#, "column 'n'"),
        (#"{"id":"x","n":99999999999999999999,"amount":"1","flag":true,"at":null,"day":"2000-01-01","doc":null}"#, "column 'n'"),
        (#"{"id":"x","n":1,"amount":"1.2345","flag":true,"at":null,"day":"2000-01-01","doc":null}"#, "column 'amount'"),
        (#"{"id":"x","n":1,"amount":"1","flag":"yes","at":null,"day":"2000-01-01","doc":null}"#, "column 'flag'"),
        (#"{"id":"x","n":1,"amount":"1","flag":true,"at":"2024-02-30T00:00:00Z","day":"2000-01-01","doc":null}"#, "column 'at'"),
        (#"{"id":"x","n":1,"amount":"1","flag":true,"at":null,"day":"2000-1-01","doc":null}"#, "column 'day'"),
        (#"{"id":"x","n":1,"amount":"1","flag":true,"at":null,"day":"2000-01-01","doc":null"#, "line 3: not a JSON object row"),
        (#"["id"]"#, "not a JSON object")
    ])
    func badRowsNameTheLineAndColumn(line: String, message: String) throws {
        do {
            _ = try Self.decode(line)
            Issue.record("accepted \(line)")
        } catch let error as LoadError {
            #expect(error.code == .badRow)
            #expect(error.message.contains("t.ndjson.zst line 3"), "\(error.message)")
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test func smallDecimalsAndIntegersParseExactlyOrDeferToTheGeneralParser() {
        func small(_ text: String, _ scale: Int) -> Int64? {
            var bytes = Array(text.utf8)
            return bytes.withUnsafeMutableBytes { StagingRowDecoder.parseSmallDecimal(UnsafeRawBufferPointer($0), scale: scale) }
        }
        #expect(small("12.34", 3) == 12_340)
        #expect(small("-0.5", 2) == -50)
        #expect(small("1200", 0) == 1_200)
        #expect(small("999999999999999.999", 3) == 999_999_999_999_999_999)
        #expect(small("9999999999999999.999", 3) == nil) // 19 digits: the 128-bit parser decides
        #expect(small("1.2345", 3) == nil)
        #expect(small("1.", 3) == nil)
        #expect(small("-", 3) == nil)
        #expect(small("1e3", 0) == nil)
    }
}
