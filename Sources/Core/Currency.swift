/// ISO 4217 currencies Stripe accepts, with their minor-unit exponents: the one currency table.
public enum Currency {
    /// Zero-decimal currencies: amounts are whole units.
    public static let zeroDecimal: Set<String> = [
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"
    ]
    /// Three-decimal currencies: amounts are thousandths.
    public static let threeDecimal: Set<String> = ["bhd", "jod", "kwd", "omr", "tnd"]
    /// Every currency code Stripe lists as supported (lowercase, as Stripe sends them).
    public static let known: Set<String> = zeroDecimal.union(threeDecimal).union([
        "usd", "aed", "afn", "all", "amd", "ang", "aoa", "ars", "aud", "awg", "azn", "bam", "bbd", "bdt", "bgn",
        "bmd", "bnd", "bob", "brl", "bsd", "bwp", "byn", "bzd", "cad", "cdf", "chf", "cny", "cop", "crc", "cve",
        "czk", "dkk", "dop", "dzd", "egp", "etb", "eur", "fjd", "fkp", "gbp", "gel", "gip", "gmd", "gtq", "gyd",
        "hkd", "hnl", "hrk", "htg", "huf", "idr", "ils", "inr", "isk", "jmd", "kes", "kgs", "khr", "kyd", "kzt",
        "lak", "lbp", "lkr", "lrd", "lsl", "mad", "mdl", "mkd", "mmk", "mnt", "mop", "mur", "mvr", "mwk", "mxn",
        "myr", "mzn", "nad", "ngn", "nio", "nok", "npr", "nzd", "pab", "pen", "pgk", "php", "pkr", "pln", "qar",
        "ron", "rsd", "rub", "sar", "sbd", "scr", "sek", "sgd", "shp", "sle", "sll", "sos", "srd", "std", "szl",
        "thb", "tjs", "top", "try", "ttd", "twd", "tzs", "uah", "uyu", "uzs", "wst", "xcd", "yer", "zar", "zmw"
    ])

    /// Digits after the decimal point in the currency's major unit (JPY 0, EUR 2, BHD 3); nil if unknown.
    public static func exponent(of code: String) -> Int? {
        let lower = code.lowercased()
        guard known.contains(lower) else { return nil }
        if zeroDecimal.contains(lower) { return 0 }
        if threeDecimal.contains(lower) { return 3 }
        return 2
    }
}
