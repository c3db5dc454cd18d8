import Core
import Foundation
import ModuleErrors
import Zstd

/// Turns rates file bytes into plain CSV bytes, whatever their container: ECB's zip
/// (`eurofxref-hist.zip`), a zstd frame (the rates store, the shipped snapshot) or plain CSV.
public enum RatesData {
    /// The container detected from a file's first bytes.
    public enum Format: String, Sendable {
        case csv, zip, zstd
    }

    public static func format(of bytes: [UInt8]) -> Format {
        if bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4B && bytes[2] == 0x03 && bytes[3] == 0x04 { return .zip }
        if bytes.count >= 4 && bytes[0] == 0x28 && bytes[1] == 0xB5 && bytes[2] == 0x2F && bytes[3] == 0xFD { return .zstd }
        return .csv
    }

    /// The CSV inside `bytes` (unchanged when already plain CSV). `name` is used in error messages.
    public static func decode(_ bytes: [UInt8], name: String) throws -> [UInt8] {
        switch format(of: bytes) {
        case .csv:
            return bytes
        case .zip:
            do {
                return try ZipArchive.singleEntry(bytes, preferredSuffix: ".csv").data
            } catch let error as RatesError {
                throw RatesError(.invalidFile, "\(name): \(error.message)", cause: error.cause)
            }
        case .zstd:
            return try decompressZstd(bytes, name: name)
        }
    }

    /// Reads a whole rates file: `.zst` files are decompressed as a stream; everything else goes
    /// through `decode`.
    public static func readFile(_ path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw RatesError(.io, "rates file \(path) does not exist; check fx.rates / fx.supplementary or run `stripe-etl rates update`")
        }
        if path.hasSuffix(".zst") { return try readZstdFile(path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RatesError(.io, "cannot read rates file \(path)")
        }
        return try decode([UInt8](data), name: path)
    }

    static func readZstdFile(_ path: String) throws -> [UInt8] {
        do {
            let reader = try ZstdFileReader(path: path)
            var out: [UInt8] = []
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 8)
            defer { buffer.deallocate() }
            while true {
                let n = try reader.read(into: buffer)
                if n == 0 { break }
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            }
            return out
        } catch let error as ZstdError {
            throw RatesError(.invalidFile, "\(path) is not a complete zstd file: \(error.message)", cause: error)
        }
    }

    /// zstd bytes in memory go through a private temporary file: Zstd's streaming reader is the one
    /// that detects a frame cut short.
    static func decompressZstd(_ bytes: [UInt8], name: String) throws -> [UInt8] {
        let directory = FileManager.default.temporaryDirectory.path
        let path = directory + "/rates-\(ProcessInfo.processInfo.processIdentifier)-\(UInt64.random(in: 0...UInt64.max)).csv.zst"
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw RatesError(.io, "cannot write a temporary file in \(directory) to decompress \(name)")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            return try readZstdFile(path)
        } catch let error as RatesError {
            throw RatesError(.invalidFile, "\(name) is not a complete zstd file", cause: error.cause)
        }
    }
}
