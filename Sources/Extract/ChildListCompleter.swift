import JSON

/// Makes an object complete: when an embedded child list (`invoice.lines`, `credit_note.lines`,
/// `subscription.items`) says `has_more`, pages the rest from its own endpoint and splices the full
/// list back in, with `has_more: false`, so downstream never sees a truncated child list.
struct ChildListCompleter {
    let client: StripeClient
    let child: StreamSpec.ChildList
    let limit: Int
    let stream: String

    /// True when `element`'s embedded child list says `has_more` (it needs `complete`).
    static func needsCompletion(_ document: JSONDocument, _ element: JSONValue, member: String) throws -> Bool {
        try ListPager.parsed {
            guard let list = try document.member(element, key: Array(member.utf8)), list.kind == .object,
                let more = try document.member(list, "has_more")
            else { return false }
            return try document.bool(more) == true
        }
    }

    /// Returns the object (compact JSON) with its child list complete, and the pages it took.
    func complete(_ object: [UInt8], parentId: String) throws -> (object: [UInt8], pages: Int) {
        try object.withUnsafeBytes { bytes -> ([UInt8], Int) in
            let document = JSONDocument(bytes)
            let root = try ListPager.parsed { try document.root() }
            guard let list = try ListPager.parsed({ try document.member(root, key: Array(child.member.utf8)) }), list.kind == .object else {
                return (object, 0)
            }
            guard let more = try ListPager.parsed({ try document.member(list, "has_more") }),
                try ListPager.parsed({ try document.bool(more) }) == true
            else {
                return (object, 0)
            }
            var elements: [JSONValue] = []
            var seen = Set<String>()
            var lastId: String? = nil
            var totalCount: Int? = nil
            if let total = try ListPager.parsed({ try document.member(list, "total_count") }),
                let n = try ListPager.parsed({ try document.int64(total) })
            {
                totalCount = Int(n)
            }
            if let data = try ListPager.parsed({ try document.member(list, "data") }), data.kind == .array {
                try ListPager.parsed {
                    try document.forEachElement(data) { element in
                        if let idValue = try document.member(element, "id"), let id = try document.string(idValue) {
                            seen.insert(id)
                            lastId = id
                        }
                        elements.append(element)
                    }
                }
            }
            let pager = ListPager(
                client: client, path: child.path(parentId: parentId), query: child.query(parentId: parentId),
                limit: limit, context: "stream \(stream), \(child.member) of \(parentId)")
            var fetched: [UInt8] = []
            var ranges: [Range<Int>] = []
            let stats = try pager.forEach(startingAfter: lastId, seen: seen, totalCount: totalCount) { pageDocument, element, _ in
                let start = fetched.count
                try ListPager.parsed { try pageDocument.compact(element, into: &fetched) }
                ranges.append(start..<fetched.count)
            }

            var out: [UInt8] = []
            out.reserveCapacity(object.count + fetched.count + 64)
            out.append(contentsOf: bytes[0..<list.start])
            out.append(UInt8(ascii: "{"))
            var first = true
            try ListPager.parsed {
                try document.forEachMember(list) { keyStart, keyEnd, value in
                    if !first { out.append(UInt8(ascii: ",")) }
                    first = false
                    // keyStart..<keyEnd is the key's text between its quotes.
                    let key = UnsafeRawBufferPointer(rebasing: bytes[keyStart..<keyEnd])
                    out.append(UInt8(ascii: "\""))
                    out.append(contentsOf: key)
                    out.append(contentsOf: "\":".utf8)
                    if key.elementsEqual("data".utf8) {
                        out.append(UInt8(ascii: "["))
                        var firstElement = true
                        for element in elements {
                            if !firstElement { out.append(UInt8(ascii: ",")) }
                            firstElement = false
                            document.bytes(element).withUnsafeBufferPointer { out.append(contentsOf: $0) }
                        }
                        for range in ranges {
                            if !firstElement { out.append(UInt8(ascii: ",")) }
                            firstElement = false
                            out.append(contentsOf: fetched[range])
                        }
                        out.append(UInt8(ascii: "]"))
                    } else if key.elementsEqual("has_more".utf8) {
                        out.append(contentsOf: "false".utf8)
                    } else {
                        document.bytes(value).withUnsafeBufferPointer { out.append(contentsOf: $0) }
                    }
                }
            }
            out.append(UInt8(ascii: "}"))
            out.append(contentsOf: bytes[list.end..<bytes.count])
            return (out, stats.pages)
        }
    }
}
