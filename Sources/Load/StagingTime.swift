import Core

/// Parses the staging encodings of dates and timestamps without Foundation (hot path).
enum StagingTime {
    /// Days since 1970-01-01 of exactly "YYYY-MM-DD", or nil.
    static func parseDate(_ text: UnsafeRawBufferPointer) -> Int32? {
        guard text.count == 10, text[4] == UInt8(ascii: "-"), text[7] == UInt8(ascii: "-"),
            let year = digits(text, 0, 4), let month = digits(text, 5, 2), let day = digits(text, 8, 2),
            (1...12).contains(month), (1...daysInMonth(year: year, month: month)).contains(day)
        else { return nil }
        return Int32(UTCDate.daysFromCivil(year: year, month: month, day: day))
    }

    /// Microseconds since the epoch of "YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z", or nil.
    static func parseTimestamp(_ text: UnsafeRawBufferPointer) -> Int64? {
        guard text.count >= 20, text[10] == UInt8(ascii: "T"), text[13] == UInt8(ascii: ":"),
            text[16] == UInt8(ascii: ":"), text[text.count - 1] == UInt8(ascii: "Z"),
            let days = parseDate(UnsafeRawBufferPointer(rebasing: text[0..<10])),
            let hour = digits(text, 11, 2), let minute = digits(text, 14, 2), let second = digits(text, 17, 2),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var micros: Int64 = 0
        let fractionEnd = text.count - 1
        if fractionEnd > 19 {
            guard text[19] == UInt8(ascii: "."), fractionEnd - 20 >= 1, fractionEnd - 20 <= 6,
                let fraction = digits(text, 20, fractionEnd - 20)
            else { return nil }
            micros = Int64(fraction)
            for _ in 0..<(6 - (fractionEnd - 20)) { micros *= 10 }
        }
        let seconds = Int64(days) * 86_400 + Int64(hour * 3_600 + minute * 60 + second)
        return seconds * 1_000_000 + micros
    }

    /// The partition value cut from a date or timestamp's text: YYYY-MM-DD, YYYY-MM or YYYY.
    static func partitionValue(_ text: UnsafeRawBufferPointer, by granularity: PartitionSpec.Granularity) -> String? {
        guard text.count >= 10, parseDate(UnsafeRawBufferPointer(rebasing: text[0..<10])) != nil else { return nil }
        let length: Int
        switch granularity {
        case .day: length = 10
        case .month: length = 7
        case .year: length = 4
        case .snapshot: return nil
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: text[0..<length]), as: UTF8.self)
    }

    @inline(__always)
    private static func digits(_ text: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for index in start..<(start + count) {
            let byte = text[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
