import Core
import Foundation
import ModuleErrors
import Testing

@testable import Rates

/// Conversions against values worked out by hand from ECB's published rows, which are cited per test
/// (snapshot rows; expected values computed with Python's decimal module as a calculator:
/// `(amount * rate_to / rate_from).quantize(..., ROUND_HALF_EVEN)`).
///
/// ECB row 2024-03-01 (Friday): USD 1.0813, JPY 162.82, GBP 0.85588, KRW 1444.21.
/// ECB row 2023-12-22 (Friday before Christmas): USD 1.1023. Row 2023-12-29: USD 1.105.
/// Fixtures/supplementary.csv 2024-03-01: BHD 0.40657, AED 3.97107 (per EUR).
@Suite struct RatesConversionTests {
    let table: RatesTable
    let supplemented: RatesTable

    init() throws {
        table = try Fixture.snapshot.get()
        supplemented = try Fixture.supplementedSnapshot.get()
    }

    @Test func usdToEUR() throws {
        // 123.45 / 1.0813 = 114.16813095348... -> 114.17
        let c = try table.convert(minorUnits: 12345, currency: "usd", on: Fixture.day("2024-03-01"), to: "EUR")
        #expect(c.amount.description == "114.17")
        #expect(c.unrounded.description == "114.168130953482")
        #expect(c.rate.description == "0.924812725423") // 1 / 1.0813
        #expect(c.rateDay == (try Fixture.day("2024-03-01")))
        #expect(c.sourceRatePerEUR.description == "1.0813")
        #expect(c.reportingRatePerEUR.description == "1")
    }

    @Test func gbpToEUR() throws {
        // 99.99 / 0.85588 = 116.8271252979... -> 116.83
        let c = try table.convert(minorUnits: 9999, currency: "gbp", on: Fixture.day("2024-03-01"), to: "EUR")
        #expect(c.amount.description == "116.83")
        #expect(c.unrounded.description == "116.827125297939")
    }

    @Test func zeroDecimalJPY() throws {
        // 10000 JPY (no minor unit) / 162.82 = 61.4175162756... -> 61.42
        let c = try table.convert(minorUnits: 10000, currency: "JPY", on: Fixture.day("2024-03-01"), to: "EUR")
        #expect(c.amount.description == "61.42")
        // Into JPY: 123.45 USD * 162.82 / 1.0813 = 18588.855... -> 18589 (exponent 0)
        let u = try table.convert(minorUnits: 12345, currency: "usd", on: Fixture.day("2024-03-01"), to: "jpy")
        #expect(u.amount.description == "18589")
        #expect(u.amount.scale == 0)
        #expect(u.rate.description == "150.578007953389")
        // 100.00 EUR * 162.82 = 16282 exactly
        let e = try table.convert(minorUnits: 10000, currency: "eur", on: Fixture.day("2024-03-01"), to: "JPY")
        #expect(e.amount.description == "16282")
    }

    @Test func roundingIsHalfEven() throws {
        // 25.00 EUR * 162.82 = 4070.5 exactly -> 4070 (even); 75.00 EUR -> 12211.5 -> 12212 (even).
        let day = try Fixture.day("2024-03-01")
        #expect(try table.convert(minorUnits: 2500, currency: "eur", on: day, to: "JPY").amount.description == "4070")
        #expect(try table.convert(minorUnits: 7500, currency: "eur", on: day, to: "JPY").amount.description == "12212")
        #expect(try table.convert(minorUnits: -2500, currency: "eur", on: day, to: "JPY").amount.description == "-4070")
        #expect(try table.convert(minorUnits: -7500, currency: "eur", on: day, to: "JPY").amount.description == "-12212")
        #expect(try table.convert(minorUnits: 2500, currency: "eur", on: day, to: "JPY").unrounded.description == "4070.500000000000")
    }

    @Test func krw() throws {
        // 1,000,000 KRW / 1444.21 = 692.4200774125... -> 692.42
        let c = try table.convert(minorUnits: 1_000_000, currency: "krw", on: Fixture.day("2024-03-01"), to: "EUR")
        #expect(c.amount.description == "692.42")
    }

    @Test func threeDecimalBHD() throws {
        // 12.345 BHD (12345 fils) / 0.40657 = 30.3637749956... -> 30.36
        let c = try supplemented.convert(minorUnits: 12345, currency: "bhd", on: Fixture.day("2024-03-01"), to: "EUR")
        #expect(c.amount.description == "30.36")
        #expect(c.sourceRatePerEUR.description == "0.40657")
        // Into BHD: 123.45 USD * 0.40657 / 1.0813 = 46.41733700... -> 46.417 (exponent 3)
        let u = try supplemented.convert(minorUnits: 12345, currency: "usd", on: Fixture.day("2024-03-01"), to: "BHD")
        #expect(u.amount.description == "46.417")
        #expect(u.rate.description == "0.376001109775")
    }

    @Test func weekendUsesPreviousBusinessDay() throws {
        // Saturday 2024-03-02 and Sunday 2024-03-03 take Friday 2024-03-01's USD 1.0813.
        for date in ["2024-03-02", "2024-03-03"] {
            let c = try table.convert(minorUnits: 12345, currency: "USD", on: Fixture.day(date), to: "EUR")
            #expect(c.amount.description == "114.17")
            #expect(c.rateDay == (try Fixture.day("2024-03-01")))
        }
    }

    @Test func holidayUsesPreviousBusinessDay() throws {
        // No ECB rows on 2023-12-25/26 (Christmas): Friday 2023-12-22, USD 1.1023; 123.45 / 1.1023 = 111.9931... -> 111.99
        for date in ["2023-12-25", "2023-12-26"] {
            let c = try table.convert(minorUnits: 12345, currency: "usd", on: Fixture.day(date), to: "EUR")
            #expect(c.amount.description == "111.99")
            #expect(UTCDate.dayString(c.rateDay) == "2023-12-22")
        }
        // New Year's Day 2024-01-01: 2023-12-29, USD 1.105; 123.45 / 1.105 = 111.7194... -> 111.72
        let c = try table.convert(minorUnits: 12345, currency: "usd", on: Fixture.day("2024-01-01"), to: "EUR")
        #expect(c.amount.description == "111.72")
        #expect(UTCDate.dayString(c.rateDay) == "2023-12-29")
    }

    @Test func dateBeforeFirstRateIsRejected() throws {
        // ECB's first CNY rate is 2005-04-01 (the column is N/A before).
        let error = try #require(throws: RatesError.self) {
            try table.convert(minorUnits: 100, currency: "cny", on: Fixture.day("2005-03-31"), to: "EUR")
        }
        #expect(error.code == .missingRate)
        #expect(error.currency == "CNY")
        #expect(error.message.contains("CNY"))
        #expect(error.message.contains("2005-03-31"))
        #expect(error.message.contains("first rate is 2005-04-01"))
        #expect(error.message.contains("supplementary"))
        // From 2005-04-01 on (CNY 10.7255): 1.00 / 10.7255 = 0.0932... -> 0.09
        #expect(try table.convert(minorUnits: 100, currency: "cny", on: Fixture.day("2005-04-01"), to: "EUR").amount.description == "0.09")
        // Before ECB's first row at all.
        #expect(throws: RatesError.self) { try table.convert(minorUnits: 100, currency: "usd", on: Fixture.day("1998-12-31"), to: "EUR") }
    }

    @Test func currencyECBNeverPublished() throws {
        // AED via the supplementary file: 250.00 / 3.97107 = 62.9553243836... -> 62.96
        let c = try supplemented.convert(minorUnits: 25000, currency: "aed", on: Fixture.day("2024-03-01"), to: "EUR")
        #expect(c.amount.description == "62.96")
        // Without it: rejected, naming the currency, the date, "none" and the fix.
        let error = try #require(throws: RatesError.self) {
            try table.convert(minorUnits: 25000, currency: "aed", on: Fixture.day("2024-03-01"), to: "EUR")
        }
        #expect(error.code == .missingRate)
        #expect(
            error.message
                == "currency AED has no rate on 2024-03-01 in \(table.ecbName) (latest available: none, ECB does not publish AED); add AED rates per EUR to the supplementary file (fx.supplementary, columns date,currency,rate_per_eur)"
        )
        #expect(error.latestRateDay == nil)
    }

    @Test func reportingCurrencyItselfIsIdentity() throws {
        // Rate 1, the document's own day as rate day, no lookup: works on a Sunday and far beyond the data.
        for date in ["2024-03-03", "2031-01-01"] {
            let c = try table.convert(minorUnits: 12345, currency: "usd", on: Fixture.day(date), to: "USD")
            #expect(c.amount.description == "123.45")
            #expect(c.unrounded.description == "123.450000000000")
            #expect(c.rate.description == "1.000000000000")
            #expect(c.rateDay == (try Fixture.day(date)))
        }
        let eur = try table.convert(minorUnits: -500, currency: "EUR", on: Fixture.day("2024-03-03"), to: "eur")
        #expect(eur.amount.description == "-5.00")
        let bhd = try table.convert(minorUnits: 12345, currency: "bhd", on: Fixture.day("2024-03-03"), to: "BHD")
        #expect(bhd.amount.description == "12.345")
    }

    @Test func crossRateGBPToUSD() throws {
        // 99.99 GBP * 1.0813 / 0.85588 = 126.32517058... -> 126.33 (reporting USD, through EUR)
        let c = try table.convert(minorUnits: 9999, currency: "gbp", on: Fixture.day("2024-03-01"), to: "USD")
        #expect(c.amount.description == "126.33")
        #expect(c.unrounded.description == "126.325170584661")
        #expect(c.rate.description == "1.263378043651")
        #expect(c.sourceRatePerEUR.description == "0.85588")
        #expect(c.reportingRatePerEUR.description == "1.0813")
    }

    @Test func decimalMajorUnitAmounts() throws {
        let day = try Fixture.day("2024-03-01")
        // A monthly share of a yearly 1000.00 USD price: 83.333333333333 / 1.0813 = 77.0677271185... -> 77.07
        let mrr = try #require(ExactDecimal(parsing: "83.333333333333"))
        let c = try table.convert(amount: mrr, currency: "usd", on: day, to: "EUR")
        #expect(c.amount.description == "77.07")
        #expect(c.unrounded.description == "77.067727118592")
        // Sub-cent USD into JPY: 0.125 * 162.82 / 1.0813 = 18.822... -> 19
        #expect(
            try table.convert(amount: #require(ExactDecimal(parsing: "0.125")), currency: "usd", on: day, to: "JPY").amount.description
                == "19")
        // Identity still rounds half-even to the reporting exponent.
        #expect(
            try table.convert(amount: #require(ExactDecimal(parsing: "12.345")), currency: "usd", on: day, to: "USD").amount.description
                == "12.34")
        #expect(
            try table.convert(amount: #require(ExactDecimal(parsing: "12.355")), currency: "usd", on: day, to: "USD").amount.description
                == "12.36")
        // Minor units and the equivalent major-unit decimal agree.
        let converter = RatesConverter(table: table)
        #expect(
            try converter.convert(amount: ExactDecimal(units: 12345, scale: 2), currency: "gbp", on: day, to: "USD")
                == table.convert(minorUnits: 12345, currency: "gbp", on: day, to: "USD"))
    }

    @Test func eurHasRateOneOnEveryECBDay() throws {
        let lookup = try table.rate(of: "eur", on: Fixture.day("2024-03-03"))
        #expect(lookup.ratePerEUR.description == "1")
        #expect(UTCDate.dayString(lookup.day) == "2024-03-01")
        let usd = try table.rate(of: "Usd", on: Fixture.day("2024-03-01"))
        #expect(usd.ratePerEUR.description == "1.0813")
        #expect(usd.currency == "USD")
    }

    @Test func converterMatchesTableAndCaches() throws {
        let converter = RatesConverter(table: supplemented)
        let start = try Fixture.day("2024-02-20")
        for offset in 0..<40 {
            for (currency, reporting) in [("usd", "EUR"), ("gbp", "USD"), ("jpy", "EUR"), ("bhd", "EUR"), ("eur", "GBP")] {
                let day = start + offset
                let expected = Result {
                    try supplemented.convert(minorUnits: 987_654 + Int64(offset), currency: currency, on: day, to: reporting)
                }
                let actual = Result {
                    try converter.convert(minorUnits: 987_654 + Int64(offset), currency: currency, on: day, to: reporting)
                }
                switch (expected, actual) {
                case let (.success(a), .success(b)): #expect(a == b)
                case let (.failure(a), .failure(b)): #expect("\(a)" == "\(b)")
                default: Issue.record("converter and table disagree for \(currency) on \(UTCDate.dayString(day)): \(expected) vs \(actual)")
                }
            }
        }
        // Going back in time after a cached lookup still finds the right row.
        let late = try converter.convert(minorUnits: 12345, currency: "usd", on: Fixture.day("2024-03-01"), to: "EUR")
        let early = try converter.convert(minorUnits: 12345, currency: "usd", on: Fixture.day("2023-12-26"), to: "EUR")
        #expect(late.amount.description == "114.17")
        #expect(early.amount.description == "111.99")
    }

    @Test func unknownCurrencies() throws {
        let day = try Fixture.day("2024-03-01")
        let notACode = try #require(throws: RatesError.self) { try table.convert(minorUnits: 1, currency: "us", on: day, to: "EUR") }
        #expect(notACode.code == .unknownCurrency)
        let unknown = try #require(throws: RatesError.self) { try table.convert(minorUnits: 1, currency: "xyz", on: day, to: "EUR") }
        #expect(unknown.code == .unknownCurrency)
        #expect(unknown.message.contains("XYZ"))
        // CYP is an ECB column (until 2007) but not a Stripe currency: no exponent to read minor units with.
        #expect(throws: RatesError.self) { try table.convert(minorUnits: 1, currency: "cyp", on: Fixture.day("2005-01-03"), to: "EUR") }
        #expect(throws: RatesError.self) { try table.validate(reporting: "AED") }
        try table.validate(reporting: "usd")
        try table.validate(reporting: "EUR")
        try supplemented.validate(reporting: "BHD")
    }

    @Test func hugeAmountsAreAnErrorNotACrash() throws {
        // Int64.max pence at GBP 0.83578 into IDR 20193.16 (row 2026-10-29) needs more than 128 bits at scale 12.
        let error = try #require(throws: RatesError.self) {
            try table.convert(minorUnits: Int64.max, currency: "gbp", on: Fixture.day("2026-10-29"), to: "IDR")
        }
        #expect(error.code == .amountOutOfRange)
        let big = try table.convert(minorUnits: Int64.max, currency: "usd", on: Fixture.day("2024-03-01"), to: "EUR")
        #expect(big.amount.scale == 2)
    }
}

/// Staleness and missing rates, on the real ECB rows of Fixtures/ecb-older.csv (2024-02-26 .. 2024-03-01).
@Suite struct RatesStalenessTests {
    @Test func staleBeyondLimitIsRejectedWithMessage() throws {
        let path = try Fixture.path("ecb-older.csv")
        let table = try RatesTable(ecbPath: path)
        // Exactly 7 days after the last rate (Friday 2024-03-01) is allowed ...
        let ok = try table.convert(minorUnits: 12345, currency: "usd", on: Fixture.day("2024-03-08"), to: "EUR")
        #expect(ok.amount.description == "114.17")
        #expect(UTCDate.dayString(ok.rateDay) == "2024-03-01")
        // ... 8 days is not.
        let error = try #require(throws: RatesError.self) {
            try table.convert(minorUnits: 12345, currency: "usd", on: Fixture.day("2024-03-09"), to: "EUR")
        }
        #expect(error.code == .staleRate)
        #expect(
            error.message
                == "currency USD has no rate on 2024-03-09 in \(path) (latest is 2024-03-01, 8 days earlier, more than the 7-day limit); run `stripe-etl rates update`, add the rate to the supplementary file (fx.supplementary), or set fx.max_staleness_days"
        )
        #expect(error.currency == "USD")
        #expect(error.day == (try Fixture.day("2024-03-09")))
        #expect(error.latestRateDay == (try Fixture.day("2024-03-01")))
    }

    @Test func stalenessIsConfigurable() throws {
        let table = try RatesTable(ecbPath: Fixture.path("ecb-older.csv"), maxStalenessDays: 10)
        #expect(
            try table.convert(minorUnits: 100, currency: "gbp", on: Fixture.day("2024-03-11"), to: "EUR").rateDay
                == (try Fixture.day("2024-03-01")))
        #expect(throws: RatesError.self) { try table.convert(minorUnits: 100, currency: "gbp", on: Fixture.day("2024-03-12"), to: "EUR") }
        let strict = try RatesTable(ecbPath: Fixture.path("ecb-older.csv"), maxStalenessDays: 0)
        #expect(throws: RatesError.self) { try strict.convert(minorUnits: 100, currency: "gbp", on: Fixture.day("2024-03-02"), to: "EUR") }
        #expect(throws: RatesError.self) { try RatesTable(ecbPath: Fixture.path("ecb-older.csv"), maxStalenessDays: -1) }
    }

    @Test func gapInASeriesIsStale() throws {
        // ISK is N/A in ECB's table from 2008-12-10 (last rate 2008-12-09: 290) until 2018.
        let table = try Fixture.snapshot.get()
        let error = try #require(throws: RatesError.self) {
            try table.convert(minorUnits: 100, currency: "isk", on: Fixture.day("2010-06-01"), to: "EUR")
        }
        #expect(error.code == .staleRate)
        #expect(error.message.contains("ISK"))
        #expect(error.message.contains("2010-06-01"))
        #expect(error.message.contains("latest is 2008-12-09"))
    }

    @Test func staleReportingLegIsRejectedToo() throws {
        let table = try RatesTable(ecbPath: Fixture.path("ecb-older.csv"), supplementaryPath: Fixture.path("supplementary.csv"))
        // BHD has supplementary rates up to 2024-03-05, but the USD leg ends 2024-03-01.
        let error = try #require(throws: RatesError.self) {
            try table.convert(minorUnits: 100, currency: "bhd", on: Fixture.day("2024-03-12"), to: "USD")
        }
        #expect(error.currency == "USD")
        // BHD's own rate of 2024-03-05 with EUR's last day 2024-03-01: the older leg is the rate day.
        let c = try table.convert(minorUnits: 12345, currency: "bhd", on: Fixture.day("2024-03-06"), to: "EUR")
        #expect(UTCDate.dayString(c.sourceRateDay) == "2024-03-05")
        #expect(UTCDate.dayString(c.rateDay) == "2024-03-01")
    }
}
