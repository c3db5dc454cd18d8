/// Counts the rows a damaged raw document holds, without parsing it: only quotes, backslashes,
/// colons, commas and brackets are read, so a bad byte inside a value (an invalid UTF-8 byte, a
/// broken number or literal) does not hide the rows after it. It finds the first member path equal to
/// the unit path (e.g. `lines` then `data`) and counts the objects opened directly inside that array.
/// A byte that breaks the structure itself (a lost quote or bracket) can make the count approximate;
/// the document is rejected whole either way, and the count is never below the objects seen.
enum RawUnitCount {
    static func count(_ bytes: Span<UInt8>, unit: [String]) -> Int {
        let path = unit.map { Array($0.utf8) }
        guard !path.isEmpty else { return 0 }
        let base = bytes
        // Per open container: how many leading path keys the chain of keys down to it matched (-1: off
        // the path), and whether it is an object.
        var matched: [Int] = []
        var isObject: [Bool] = []
        var expectKey = false
        var keyStart = -1
        var lastKey: Range<Int>? = nil
        var unitArrayDepth = -1
        var found = false
        var rows = 0
        var i = 0
        let n = bytes.count
        while i < n {
            let c = base[i]
            switch c {
            case 0x22: // a string: find its end
                let start = i + 1
                var j = start
                while j < n && base[j] != 0x22 {
                    j += base[j] == 0x5C ? 2 : 1
                }
                if expectKey { keyStart = start; lastKey = start..<min(j, n) } else { keyStart = -1 }
                expectKey = false
                i = j + 1
                continue
            case 0x3A: // ':' after a key: the key stays pending for the value
                break
            case 0x7B, 0x5B: // '{' or '['
                var m = -1
                if matched.isEmpty {
                    m = 0
                } else if let parent = matched.last, parent >= 0, parent < path.count, isObject.last == true,
                    let key = lastKey, keyStart >= 0, equal(base, key, path[parent])
                {
                    m = parent + 1
                }
                if c == 0x7B && unitArrayDepth >= 0 && matched.count == unitArrayDepth + 1 { rows += 1 }
                matched.append(m)
                isObject.append(c == 0x7B)
                if c == 0x5B && m == path.count && !found {
                    found = true
                    unitArrayDepth = matched.count - 1
                }
                expectKey = c == 0x7B
                keyStart = -1
            case 0x7D, 0x5D: // '}' or ']'
                if !matched.isEmpty {
                    if matched.count - 1 == unitArrayDepth { unitArrayDepth = -1 }
                    matched.removeLast()
                    isObject.removeLast()
                }
                keyStart = -1
            case 0x2C: // ','
                expectKey = isObject.last == true
                keyStart = -1
            default:
                break
            }
            i += 1
        }
        return rows
    }

    private static func equal(_ base: Span<UInt8>, _ range: Range<Int>, _ key: [UInt8]) -> Bool {
        guard range.count == key.count else { return false }
        for (k, b) in zip(range, key) where base[k] != b { return false }
        return true
    }
}
