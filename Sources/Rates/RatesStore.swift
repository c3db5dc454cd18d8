public import Core
import Foundation
import ModuleErrors
import Zstd

/// The rates store: `<output>/rates/eurofxref-hist.csv.zst`, refreshed by `update`, falling back to the
/// snapshot shipped in this module when it has never been updated.
public struct RatesStore: Sendable {
    /// The store's file name inside its directory.
    public static let fileName = "eurofxref-hist.csv.zst"
    /// zstd level of the stored file: 12 compresses ECB's history within 10% of level 19 at a tenth of the time.
    public static let compressionLevel: Int32 = 12

    /// Where a rates file came from.
    public enum Origin: String, Sendable {
        /// `<directory>/eurofxref-hist.csv.zst`, written by `update`.
        case store
        /// `Sources/Rates/Resources/eurofxref-hist.csv.zst`, shipped with the tool.
        case shippedSnapshot
    }

    /// A rates file to load.
    public struct File: Sendable, Equatable {
        public let path: String
        public let origin: Origin
    }

    /// What `update` installed.
    public struct UpdateResult: Sendable {
        /// The store file written.
        public let path: String
        /// Container of the downloaded body.
        public let format: RatesData.Format
        public let downloadedBytes: Int
        /// sha256 of the new canonical CSV (what `RatesTable.ecbSha256` reports when it is loaded).
        public let sha256: String
        /// First and last day of the new file (days since 1970-01-01).
        public let firstDay: Int
        public let lastDay: Int
        /// Last day of the file it replaced (store or shipped snapshot), if it could be read.
        public let previousLastDay: Int?
    }

    public let directory: String

    /// `directory` is `RunPaths(root:).rates` in the pipeline (`<output>/rates`).
    public init(directory: String) {
        self.directory = directory
    }

    /// The pipeline's store, `<output>/rates`.
    public init(paths: RunPaths) {
        self.init(directory: paths.rates)
    }

    /// `<directory>/eurofxref-hist.csv.zst`.
    public var storePath: String { directory + "/" + Self.fileName }

    /// The shipped snapshot (a resource of this module). See Resources/SOURCE.md for its provenance.
    public static func shippedSnapshotPath() throws -> String {
        guard let url = Bundle.module.url(forResource: "eurofxref-hist.csv", withExtension: "zst", subdirectory: "Resources") else {
            throw RatesError(
                .io,
                "the shipped rates snapshot Resources/eurofxref-hist.csv.zst is missing from the Rates bundle; reinstall, or run `stripe-etl rates update`"
            )
        }
        return url.path
    }

    /// The store file if present, else the shipped snapshot.
    public func current() throws -> File {
        if FileManager.default.fileExists(atPath: storePath) { return File(path: storePath, origin: .store) }
        return File(path: try Self.shippedSnapshotPath(), origin: .shippedSnapshot)
    }

    /// Loads the table a pipeline asks for: `fx.rates` if set, else `current()`; plus `fx.supplementary`
    /// and `fx.max_staleness_days`.
    public func table(rates: String? = nil, supplementary: String? = nil, maxStalenessDays: Int = 7) throws -> RatesTable {
        let path = try rates ?? current().path
        return try RatesTable(ecbPath: path, supplementaryPath: supplementary, maxStalenessDays: maxStalenessDays)
    }

    /// Loads the table a pipeline definition asks for (`fx.rates`, `fx.supplementary`, `fx.max_staleness_days`)
    /// and checks `fx.reporting_currency` can be converted into.
    public func table(fx: PipelineDefinition.FX) throws -> RatesTable {
        let table = try table(rates: fx.rates, supplementary: fx.supplementary, maxStalenessDays: fx.maxStalenessDays)
        try table.validate(reporting: fx.reportingCurrency)
        return table
    }

    /// The default of `fx.max_rate_change`: a rate may move by a factor of 1.5 from one day to the next.
    public static let defaultMaxChange = 0.5

    /// One GET of `url`: the HTTP status and the whole body; transport failures throw. The caller
    /// brings the transport (the pipeline's is libcurl, see Pipeline's `RatesRefresh`), so this module
    /// knows no HTTP client.
    public typealias Download = (_ url: String) throws -> (status: Int, body: [UInt8])

    /// Downloads ECB's history from `url` with `download` (ECB's zip, or plain CSV, or zstd), validates
    /// it completely as a `RatesTable`, checks it against the rates it replaces (the store, else the
    /// shipped snapshot: `RatesTable.checkReplaces`, skipped when `maxChange` is nil), then atomically
    /// replaces the store file. On any failure (transport, HTTP status, truncated, malformed or
    /// implausible body) it throws and the previous file stays exactly as it was.
    @discardableResult
    public func update(from url: String, maxChange: Double? = RatesStore.defaultMaxChange, download: Download) throws -> UpdateResult {
        let location = Self.withoutQuery(url)
        let response: (status: Int, body: [UInt8])
        do {
            response = try download(url)
        } catch {
            throw RatesError(.download, "downloading rates from \(location) failed; the rates in \(directory) are unchanged", cause: error)
        }
        guard (200..<300).contains(response.status) else {
            throw RatesError(
                .download,
                "downloading rates from \(location) returned HTTP \(response.status); the rates in \(directory) are unchanged (check fx.update_url or retry later)"
            )
        }
        let format = RatesData.format(of: response.body)
        let csv: [UInt8]
        let table: RatesTable
        do {
            csv = try RatesData.decode(response.body, name: location)
            table = try RatesTable(ecbCSV: csv, ecbName: location)
        } catch let error as RatesError {
            throw RatesError(.download, "\(error.message); the rates in \(directory) are unchanged", cause: error.cause)
        } catch {
            throw RatesError(.download, "the rates from \(location) do not validate; the rates in \(directory) are unchanged", cause: error)
        }
        let previous = try? current()
        if let maxChange, let previous, let old = try? RatesTable(ecbPath: previous.path) {
            do { try table.checkReplaces(old, maxChange: maxChange, source: location) } catch let error as RatesError {
                throw RatesError(.refused, "\(error.message); the rates in \(directory) are unchanged")
            }
        }

        let compressed: [UInt8]
        do {
            compressed = try ZstdCompressor(level: Self.compressionLevel).compress(csv)
            // Read back before publishing: what lands on disk must decompress to what was validated.
            let check = try compressed.withUnsafeBytes { try ZstdDecompression.decompress($0, decompressedSize: csv.count) }
            guard check == csv else { throw RatesError(.io, "compressed rates do not round-trip") }
        } catch {
            throw RatesError(.io, "compressing the downloaded rates failed; the rates in \(directory) are unchanged", cause: error)
        }
        let previousLastDay = previous.flatMap { try? RatesData.readFile($0.path) }.flatMap { RatesTable.latestDay(inCSV: $0) }
        do {
            try AtomicFile.createDirectory(directory)
            try AtomicFile.write(compressed, to: storePath)
        } catch {
            try? FileManager.default.removeItem(atPath: AtomicFile.temporaryPath(for: storePath))
            throw RatesError(.io, "writing \(storePath) failed; the previous rates file is unchanged", cause: error)
        }
        return UpdateResult(
            path: storePath, format: format, downloadedBytes: response.body.count, sha256: table.ecbSha256,
            firstDay: table.ecbFirstDay, lastDay: table.ecbLastDay, previousLastDay: previousLastDay)
    }

    static func withoutQuery(_ url: String) -> String {
        if let q = url.firstIndex(of: "?") { return String(url[..<q]) }
        return url
    }
}
