import ModuleErrors
import Zlib

/// Reads the one file inside a zip such as ECB's `eurofxref-hist.zip`: the central directory gives the
/// entry's sizes and CRC (so a data descriptor is fine), the local header gives where the data starts;
/// stored and deflated entries are supported, and the CRC and size are checked.
enum ZipArchive {
    struct Entry {
        let name: String
        let data: [UInt8]
    }

    private static func u16(_ b: UnsafeBufferPointer<UInt8>, _ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
    private static func u32(_ b: UnsafeBufferPointer<UInt8>, _ at: Int) -> Int { u16(b, at) | u16(b, at + 2) << 16 }

    private static func failure(_ what: String) -> RatesError { RatesError(.invalidFile, "zip archive \(what)") }

    /// The archive's only entry, or, if it has several, the only one whose name ends in `preferredSuffix`.
    static func singleEntry(_ bytes: [UInt8], preferredSuffix: String) throws -> Entry {
        try bytes.withUnsafeBufferPointer { b -> Entry in
            // End of central directory record: 22 bytes plus a comment of up to 65535 bytes, at the end.
            var eocd = -1
            var i = b.count - 22
            while i >= 0 && i >= b.count - 22 - 0xFFFF {
                if b[i] == 0x50 && b[i + 1] == 0x4B && b[i + 2] == 0x05 && b[i + 3] == 0x06 { eocd = i; break }
                i -= 1
            }
            guard eocd >= 0 else { throw failure("has no end-of-central-directory record (the file is truncated or not a zip)") }
            let entryCount = u16(b, eocd + 10)
            let directorySize = u32(b, eocd + 12)
            let directoryOffset = u32(b, eocd + 16)
            guard entryCount > 0 else { throw failure("is empty") }
            guard directoryOffset + directorySize <= eocd else { throw failure("has a central directory outside the file (truncated?)") }

            struct Candidate {
                let name: String; let method: Int; let flags: Int; let crc: UInt32; let compressed: Int; let size: Int; let offset: Int
            }
            var candidates: [Candidate] = []
            var p = directoryOffset
            for _ in 0..<entryCount {
                guard p + 46 <= eocd, u32(b, p) == 0x0201_4B50 else { throw failure("has a corrupt central directory") }
                let nameLength = u16(b, p + 28), extraLength = u16(b, p + 30), commentLength = u16(b, p + 32)
                guard p + 46 + nameLength <= eocd else { throw failure("has a corrupt central directory") }
                let name = String(decoding: UnsafeBufferPointer(rebasing: b[(p + 46)..<(p + 46 + nameLength)]), as: UTF8.self)
                candidates.append(
                    Candidate(
                        name: name, method: u16(b, p + 10), flags: u16(b, p + 8), crc: UInt32(u32(b, p + 16)),
                        compressed: u32(b, p + 20), size: u32(b, p + 24), offset: u32(b, p + 42)))
                p += 46 + nameLength + extraLength + commentLength
            }
            let files = candidates.filter { !$0.name.hasSuffix("/") }
            let chosen: Candidate
            if files.count == 1 {
                chosen = files[0]
            } else {
                let matching = files.filter { $0.name.lowercased().hasSuffix(preferredSuffix) }
                guard matching.count == 1 else {
                    throw failure(
                        "holds \(files.count) files (\(files.map(\.name).joined(separator: ", "))); expected one \(preferredSuffix) file")
                }
                chosen = matching[0]
            }
            guard chosen.flags & 1 == 0 else { throw failure("entry \(chosen.name) is encrypted") }
            guard chosen.size != 0xFFFF_FFFF, chosen.compressed != 0xFFFF_FFFF else {
                throw failure("entry \(chosen.name) uses zip64, which is not supported")
            }
            let local = chosen.offset
            guard local + 30 <= b.count, u32(b, local) == 0x0403_4B50 else { throw failure("entry \(chosen.name) has no local header") }
            let start = local + 30 + u16(b, local + 26) + u16(b, local + 28)
            guard start + chosen.compressed <= b.count else { throw failure("entry \(chosen.name) is truncated") }
            let payload = UnsafeBufferPointer(rebasing: b[start..<(start + chosen.compressed)])
            let data: [UInt8]
            switch chosen.method {
            case 0:
                guard chosen.compressed == chosen.size else { throw failure("stored entry \(chosen.name) has inconsistent sizes") }
                data = Array(payload)
            case 8:
                do {
                    data = try Zlib.inflateRaw(payload, size: chosen.size)
                } catch let error as ZlibError {
                    throw failure("entry \(chosen.name): \(error.message)")
                }
            default:
                throw failure(
                    "entry \(chosen.name) uses compression method \(chosen.method); only stored (0) and deflate (8) are supported")
            }
            guard Zlib.crc32(data) == chosen.crc else {
                throw failure("entry \(chosen.name) fails its CRC-32 check (corrupt or truncated)")
            }
            return Entry(name: chosen.name, data: data)
        }
    }
}
