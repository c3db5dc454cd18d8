import Core

/// Byte-level parsing of ECB's `eurofxref-hist.csv` and of the supplementary `date,currency,rate_per_eur`
/// file. Every rejection names the file and the line.
extension RatesTable {
    /// One published rate: `units / 10^scale` per EUR, on `day`.
    struct Entry {
        var day: Int32
        var units: Int64
        var scale: UInt8
        var line: Int32
    }

    /// The ECB table before merging: column codes in file order, each with its entries (any order).
    struct ParsedECB {
        var codes: [String] = []
        var entries: [[Entry]] = []
        /// Every row's day, ascending: the days EUR has its rate of 1.
        var days: [Int32] = []
    }

    struct SupplementaryEntry {
        var code: String
        var entry: Entry
    }

    static func invalid(_ file: String, _ line: Int, _ what: String) -> RatesError {
        RatesError(.invalidFile, "\(file) line \(line): \(what)")
    }

    /// Splits `bytes` into lines (without `\n` or a trailing `\r`), skipping a UTF-8 BOM.
    /// `endsWithNewline` tells whether the last line was terminated.
    static func lines(_ bytes: UnsafeBufferPointer<UInt8>) -> (lines: [Range<Int>], endsWithNewline: Bool) {
        var result: [Range<Int>] = []
        var start = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
        var i = start
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\n") {
                var end = i
                if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                result.append(start..<end)
                start = i + 1
            }
            i += 1
        }
        let terminated = start == bytes.count
        if !terminated { result.append(start..<bytes.count) }
        return (result, terminated)
    }

    /// Field ranges of one line split on commas (no quoting: neither format uses it).
    static func fields(_ bytes: UnsafeBufferPointer<UInt8>, _ line: Range<Int>, into out: inout [Range<Int>]) {
        out.removeAll(keepingCapacity: true)
        var start = line.lowerBound
        for i in line where bytes[i] == UInt8(ascii: ",") {
            out.append(start..<i)
            start = i + 1
        }
        out.append(start..<line.upperBound)
    }

    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var lo = range.lowerBound, hi = range.upperBound
        while lo < hi && (bytes[lo] == 0x20 || bytes[lo] == 0x09) { lo += 1 }
        while hi > lo && (bytes[hi - 1] == 0x20 || bytes[hi - 1] == 0x09) { hi -= 1 }
        return lo..<hi
    }

    static func text(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, limit: Int = 60) -> String {
        let end = min(range.upperBound, range.lowerBound + limit)
        let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[range.lowerBound..<end]), as: UTF8.self)
        return end < range.upperBound ? s + "..." : s
    }

    /// `YYYY-MM-DD` (a real calendar day) to days since 1970-01-01.
    static func parseDay(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        guard range.count == 10, bytes[range.lowerBound + 4] == UInt8(ascii: "-"),
            bytes[range.lowerBound + 7] == UInt8(ascii: "-")
        else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            var value = 0
            for i in from..<(from + count) {
                let c = bytes[range.lowerBound + i]
                guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(c - UInt8(ascii: "0"))
            }
            return value
        }
        guard let y = number(0, 4), let m = number(5, 2), let d = number(8, 2),
            (1...12).contains(m), (1...31).contains(d)
        else { return nil }
        let days = UTCDate.daysFromCivil(year: y, month: m, day: d)
        let back = UTCDate.civil(fromDays: days)
        guard back.year == y && back.month == m && back.day == d else { return nil }
        return days
    }

    /// A strictly positive plain decimal (`1.0829`, `136`): at most 18 digits, at most 18 fraction digits.
    static func parsePositiveDecimal(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> (units: Int64, scale: UInt8)? {
        var units: Int64 = 0
        var scale = 0
        var digits = 0
        var seenPoint = false
        for i in range {
            let c = bytes[i]
            if c == UInt8(ascii: ".") {
                if seenPoint { return nil }
                seenPoint = true
            } else if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                if units > 0 || c != UInt8(ascii: "0") { digits += 1 }
                guard digits <= 18 else { return nil }
                units = units * 10 + Int64(c - UInt8(ascii: "0"))
                if seenPoint { scale += 1 }
            } else {
                return nil
            }
        }
        guard units > 0, scale <= 18, bytes[range.upperBound - 1] != UInt8(ascii: ".") else { return nil }
        // Canonical form: no trailing fraction zeros, so equal rates compare equal and stay small.
        while scale > 0 && units % 10 == 0 { units /= 10; scale -= 1 }
        return (units, UInt8(scale))
    }

    /// An ISO-style 3-letter code, uppercased; nil otherwise.
    static func currencyCode(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String? {
        guard range.count == 3 else { return nil }
        var out: [UInt8] = []
        for i in range {
            let u = bytes[i] & 0xDF
            guard u >= UInt8(ascii: "A") && u <= UInt8(ascii: "Z") && bytes[i] >= 0x41 else { return nil }
            out.append(u)
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func looksLikeHTML(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        let lower = text(bytes, range, limit: 200).lowercased()
        return lower.hasPrefix("<") || lower.contains("<html") || lower.contains("<!doctype")
    }

    /// The latest date among the rows of an eurofxref-hist CSV, without validating it (for reports).
    static func latestDay(inCSV data: [UInt8]) -> Int? {
        data.withUnsafeBufferPointer { bytes -> Int? in
            var latest: Int?
            for line in Self.lines(bytes).lines.dropFirst() where line.count >= 10 {
                if let day = Self.parseDay(bytes, line.lowerBound..<(line.lowerBound + 10)) { latest = max(latest ?? day, day) }
            }
            return latest
        }
    }

    /// Parses ECB's history: header `Date,USD,JPY,...` (a trailing comma allowed), one row per business
    /// day in any order, a positive decimal or `N/A` per currency, no duplicate dates, every line ended.
    static func parseECB(_ data: [UInt8], name: String) throws -> ParsedECB {
        try data.withUnsafeBufferPointer { bytes -> ParsedECB in
            let (lines, endsWithNewline) = Self.lines(bytes)
            guard let header = lines.first, !(lines.count == 1 && header.isEmpty) else {
                throw RatesError(.invalidFile, "\(name) is empty: expected ECB's eurofxref-hist CSV (header 'Date,USD,JPY,...')")
            }
            var fieldRanges: [Range<Int>] = []
            Self.fields(bytes, header, into: &fieldRanges)
            guard Self.text(bytes, Self.trimmed(bytes, fieldRanges[0])) == "Date", fieldRanges.count >= 2 else {
                if Self.looksLikeHTML(bytes, header) {
                    throw invalid(
                        name, 1,
                        "is an HTML page, not ECB's eurofxref-hist CSV (the server returned an error page?): '\(Self.text(bytes, header))'")
                }
                throw invalid(
                    name, 1, "expected the header 'Date,USD,JPY,...' of ECB's eurofxref-hist CSV, found '\(Self.text(bytes, header))'")
            }
            var parsed = ParsedECB()
            let columnCount = fieldRanges.count
            var trailingEmpty = false
            for (i, range) in fieldRanges.enumerated().dropFirst() {
                let r = Self.trimmed(bytes, range)
                if r.isEmpty && i == columnCount - 1 { trailingEmpty = true; continue }
                guard let code = Self.currencyCode(bytes, r) else {
                    throw invalid(name, 1, "header column \(i + 1) '\(Self.text(bytes, range))' is not a 3-letter currency code")
                }
                guard code != "EUR" else { throw invalid(name, 1, "header has an EUR column, but rates are per 1 EUR") }
                guard !parsed.codes.contains(code) else { throw invalid(name, 1, "header lists \(code) twice") }
                parsed.codes.append(code)
            }
            guard !parsed.codes.isEmpty else { throw invalid(name, 1, "header names no currency") }
            parsed.entries = Array(repeating: [], count: parsed.codes.count)
            for index in parsed.entries.indices { parsed.entries[index].reserveCapacity(lines.count) }

            var rowDays: [(day: Int32, line: Int32)] = []
            rowDays.reserveCapacity(lines.count)
            for lineIndex in 1..<lines.count {
                let lineNumber = lineIndex + 1
                let line = lines[lineIndex]
                guard !line.isEmpty else { throw invalid(name, lineNumber, "is empty (a row per business day expected)") }
                Self.fields(bytes, line, into: &fieldRanges)
                guard fieldRanges.count == columnCount else {
                    throw invalid(
                        name, lineNumber,
                        "has \(fieldRanges.count) fields but the header has \(columnCount) (the file is truncated or malformed): '\(Self.text(bytes, line))'"
                    )
                }
                guard let day = Self.parseDay(bytes, Self.trimmed(bytes, fieldRanges[0])) else {
                    throw invalid(name, lineNumber, "'\(Self.text(bytes, fieldRanges[0]))' is not a date (YYYY-MM-DD)")
                }
                rowDays.append((Int32(day), Int32(lineNumber)))
                var column = 0
                for f in 1..<columnCount {
                    let r = Self.trimmed(bytes, fieldRanges[f])
                    if trailingEmpty && f == columnCount - 1 {
                        guard r.isEmpty else {
                            throw invalid(name, lineNumber, "has a value '\(Self.text(bytes, r))' under the header's empty last column")
                        }
                        continue
                    }
                    defer { column += 1 }
                    if r.count == 3 && bytes[r.lowerBound] == UInt8(ascii: "N") && bytes[r.lowerBound + 1] == UInt8(ascii: "/")
                        && bytes[r.lowerBound + 2] == UInt8(ascii: "A")
                    {
                        continue
                    }
                    guard let value = Self.parsePositiveDecimal(bytes, r) else {
                        throw invalid(
                            name, lineNumber,
                            "\(parsed.codes[column]) rate '\(Self.text(bytes, fieldRanges[f]))' is not a positive decimal or N/A")
                    }
                    parsed.entries[column].append(Entry(day: Int32(day), units: value.units, scale: value.scale, line: Int32(lineNumber)))
                }
            }
            guard !rowDays.isEmpty else { throw invalid(name, 1, "has a header but no rows") }
            guard endsWithNewline else {
                throw invalid(name, lines.count, "does not end with a newline: the file is truncated")
            }
            rowDays.sort { $0.day < $1.day }
            for i in 1..<rowDays.count where rowDays[i].day == rowDays[i - 1].day {
                let (a, b) = (min(rowDays[i].line, rowDays[i - 1].line), max(rowDays[i].line, rowDays[i - 1].line))
                throw invalid(name, Int(b), "repeats date \(UTCDate.dayString(Int(rowDays[i].day))) of line \(a)")
            }
            parsed.days = rowDays.map(\.day)
            return parsed
        }
    }

    /// Parses the user's supplementary rates: header `date,currency,rate_per_eur`, then one rate per line
    /// (units of the currency per 1 EUR); blank lines and lines starting with `#` are ignored.
    static func parseSupplementary(_ data: [UInt8], name: String) throws -> [SupplementaryEntry] {
        try data.withUnsafeBufferPointer { bytes -> [SupplementaryEntry] in
            let (lines, _) = Self.lines(bytes)
            var fieldRanges: [Range<Int>] = []
            var result: [SupplementaryEntry] = []
            var sawHeader = false
            for (lineIndex, line) in lines.enumerated() {
                let lineNumber = lineIndex + 1
                let content = Self.trimmed(bytes, line)
                if content.isEmpty || bytes[content.lowerBound] == UInt8(ascii: "#") { continue }
                Self.fields(bytes, content, into: &fieldRanges)
                if !sawHeader {
                    let names = fieldRanges.map { Self.text(bytes, Self.trimmed(bytes, $0)).lowercased() }
                    guard names == ["date", "currency", "rate_per_eur"] else {
                        throw invalid(
                            name, lineNumber, "expected the header 'date,currency,rate_per_eur', found '\(Self.text(bytes, content))'")
                    }
                    sawHeader = true
                    continue
                }
                guard fieldRanges.count == 3 else {
                    throw invalid(
                        name, lineNumber,
                        "has \(fieldRanges.count) fields, expected 3 (date,currency,rate_per_eur): '\(Self.text(bytes, content))'")
                }
                guard let day = Self.parseDay(bytes, Self.trimmed(bytes, fieldRanges[0])) else {
                    throw invalid(name, lineNumber, "'\(Self.text(bytes, fieldRanges[0]))' is not a date (YYYY-MM-DD)")
                }
                guard let code = Self.currencyCode(bytes, Self.trimmed(bytes, fieldRanges[1])) else {
                    throw invalid(name, lineNumber, "'\(Self.text(bytes, fieldRanges[1]))' is not a 3-letter currency code")
                }
                guard code != "EUR" else {
                    throw invalid(name, lineNumber, "gives a rate for EUR, but rates are per 1 EUR (EUR is always 1)")
                }
                guard let value = Self.parsePositiveDecimal(bytes, Self.trimmed(bytes, fieldRanges[2])) else {
                    throw invalid(name, lineNumber, "rate_per_eur '\(Self.text(bytes, fieldRanges[2]))' is not a positive decimal")
                }
                result.append(
                    SupplementaryEntry(
                        code: code, entry: Entry(day: Int32(day), units: value.units, scale: value.scale, line: Int32(lineNumber))))
            }
            guard sawHeader else {
                throw RatesError(.invalidFile, "\(name) is empty: expected the header 'date,currency,rate_per_eur'")
            }
            return result
        }
    }
}
