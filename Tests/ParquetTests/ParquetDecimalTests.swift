import Parquet
import Testing

@Suite struct ParquetDecimalTests {
    @Test(arguments: [
        ("12.34", 2, "1234"), ("-0.50", 2, "-50"), ("1200", 0, "1200"), ("7", 3, "7000"), ("-0", 2, "0"),
        ("+3.1", 2, "310"), ("00012.30", 2, "1230"), (".5", 1, "5"),
        ("99999999999999999999999999999999999999", 0, "99999999999999999999999999999999999999"),
        ("-9999999999999999999999999999.9999999999", 10, "-99999999999999999999999999999999999999")
    ])
    func parsesToTheUnscaledValue(text: String, scale: Int, unscaled: String) throws {
        #expect(try ParquetDecimal(parsing: text, scale: scale).description == unscaled)
    }

    @Test(arguments: [
        ("1.234", 2), ("abc", 2), ("", 0), ("-", 0), ("1.2.3", 3), ("1e5", 0),
        ("999999999999999999999999999999999999999", 0), ("9999999999999999999999999999999999999", 2)
    ])
    func rejectsWhatItCannotRepresentExactly(text: String, scale: Int) {
        #expect(throws: ParquetError.self) { try ParquetDecimal(parsing: text, scale: scale) }
    }

    @Test func ordersAndFormatsSignedValues() throws {
        let values = try [
            "-99999999999999999999999999999999999999", "-18446744073709551616", "-1", "0", "1",
            "18446744073709551615", "99999999999999999999999999999999999999"
        ].map { try ParquetDecimal(parsing: $0, scale: 0) }
        #expect(values == values.sorted())
        #expect(values[1].int64Value == nil)
        #expect(values[2].int64Value == -1)
        #expect(try ParquetDecimal(parsing: "-0.05", scale: 2).formatted(scale: 2) == "-0.05")
        #expect(ParquetDecimal(Int64.min).description == "-9223372036854775808")
        #expect(ParquetDecimal(1_234).formatted(scale: 6) == "0.001234")
    }

    @Test func precisionLimitsAndWidths() throws {
        #expect(ParquetDecimal(999).fits(precision: 3))
        #expect(!ParquetDecimal(1_000).fits(precision: 3))
        #expect(ParquetDecimal(-999).fits(precision: 3))
        #expect(!ParquetDecimal(-1_000).fits(precision: 3))
        #expect(try ParquetDecimal(parsing: String(repeating: "9", count: 38), scale: 0).fits(precision: 38))
        #expect(ParquetDecimal.byteWidth(forPrecision: 18) == 8)
        #expect(ParquetDecimal.byteWidth(forPrecision: 19) == 9)
        #expect(ParquetDecimal.byteWidth(forPrecision: 38) == 16)
        #expect(ParquetColumnType.decimal(precision: 18, scale: 2).physicalType == .int64)
        #expect(ParquetColumnType.decimal(precision: 19, scale: 2).fixedLength == 9)
    }
}
