import Core
import Foundation

extension RatesTable {
    /// Checks that this table, downloaded to replace `previous`, is at least as complete and
    /// plausible: it covers every currency and the whole date range of `previous`, and no
    /// currency's rate moves by more than `maxChange` (relative, either direction: 0.5 allows
    /// x1.5 and /1.5) from `previous`'s rate on the same day, or from its own previous published
    /// day where `previous` has no rate that day. Throws `RatesError(.refused)` naming the first
    /// problem; `source` names the download in the message.
    public func checkReplaces(_ previous: RatesTable, maxChange: Double, source: String) throws {
        func refuse(_ why: String) -> RatesError {
            RatesError(.refused, "refusing the rates from \(source): \(why); check the source, or pass --force to install it anyway")
        }
        if ecbFirstDay > previous.ecbFirstDay || ecbLastDay < previous.ecbLastDay {
            throw refuse(
                "they cover \(UTCDate.dayString(ecbFirstDay)) to \(UTCDate.dayString(ecbLastDay)), less than the \(UTCDate.dayString(previous.ecbFirstDay)) to \(UTCDate.dayString(previous.ecbLastDay)) they would replace"
            )
        }
        let missing = previous.codes.indices.filter { previous.count($0) > 0 && previous.codes[$0] != "EUR" }
            .map { previous.codes[$0] }.filter { code in !codes.indices.contains { codes[$0] == code && count($0) > 0 } }
        if !missing.isEmpty {
            throw refuse(
                "they lack \(missing.count) of the \(previous.currencies.count - 1) currencies they would replace (\(missing.prefix(8).joined(separator: ", "))\(missing.count > 8 ? ", ..." : ""))"
            )
        }
        let factor = 1 + maxChange
        for s in codes.indices where s != eurIndex && count(s) > 0 {
            let code = codes[s]
            let old = previous.codes.firstIndex(of: code).map { ($0, previous.seriesStart[$0], previous.seriesStart[$0 + 1]) }
            var o = old?.1 ?? 0
            var before: (day: Int32, rate: Double)? = nil
            for i in seriesStart[s]..<seriesStart[s + 1] {
                let day = days[i]
                let rate = Double(units[i]) / pow(10, Double(scales[i]))
                var reference = before
                var against = "its previous published day"
                if let old {
                    while o < old.2 && previous.days[o] < day { o += 1 }
                    if o < old.2 && previous.days[o] == day {
                        reference = (day, Double(previous.units[o]) / pow(10, Double(previous.scales[o])))
                        against = "the same day in the rates it would replace"
                    }
                }
                if let reference, reference.rate > 0, rate > 0 {
                    let change = max(rate / reference.rate, reference.rate / rate)
                    if change > factor {
                        throw refuse(
                            "\(code) on \(UTCDate.dayString(Int(day))) is \(Self.plain(rate)) per EUR against \(Self.plain(reference.rate)) on \(UTCDate.dayString(Int(reference.day))) (\(against)), a change by a factor of \(Self.plain(change)), more than fx.max_rate_change \(Self.plain(maxChange)) allows"
                        )
                    }
                } else if rate <= 0 {
                    throw refuse("\(code) on \(UTCDate.dayString(Int(day))) has the rate \(Self.plain(rate)) per EUR")
                }
                before = (day, rate)
            }
        }
    }

    private static func plain(_ value: Double) -> String {
        value >= 1000 ? String(format: "%.0f", value) : String(format: "%.6g", value)
    }
}
