import Core
import Foundation
import ModuleErrors
import Rates

/// Which rates a run converts with, and their pinned copies in `staging/<run_id>/rates/`.
///
/// The first transform of a run id uses the pipeline's rates (`fx.rates`, else the rates path the
/// caller passes, e.g. the rates store) plus `fx.supplementary`, and copies those files byte for byte
/// to `rates/ecb-<name>` and `rates/supplementary-<name>`. Any later transform of the same run id
/// loads the pinned copies instead, so re-running an old run gives the same bytes even after the
/// rates store was updated. `Options.refreshRates` replaces the pinned copies with the current files.
struct RatesPinning {
    let table: RatesTable
    let sha256: String
    let description: String
    /// Files to copy into the pinned directory (empty when reusing the pinned ones).
    let sources: [(path: String, pinnedName: String)]

    static let directoryName = "rates"

    static func resolve(stage: TransformStage, runId: String) throws -> RatesPinning {
        let pinnedDirectory = stage.paths.staging(runId) + "/" + directoryName
        let pinned = ((try? FileManager.default.contentsOfDirectory(atPath: pinnedDirectory)) ?? []).sorted()
        if !stage.options.refreshRates, let ecb = pinned.first(where: { $0.hasPrefix("ecb-") }) {
            let supplementary = pinned.first(where: { $0.hasPrefix("supplementary-") })
            let table = try load(
                ecb: pinnedDirectory + "/" + ecb, ecbName: ecb, supplementary: supplementary.map { pinnedDirectory + "/" + $0 },
                supplementaryName: supplementary, staleness: stage.pipeline.fx.maxStalenessDays)
            return RatesPinning(
                table: table, sha256: table.sha256,
                description: "\(directoryName)/\(ecb)" + (supplementary.map { " + \(directoryName)/\($0)" } ?? ""), sources: [])
        }
        let ecbPath: String
        if let explicit = stage.pipeline.fx.rates ?? stage.ratesPath {
            ecbPath = explicit
        } else {
            do { ecbPath = try RatesStore(directory: stage.paths.rates).current().path } catch {
                throw TransformError(
                    .rates, "no exchange rates: set fx.rates in \(stage.pipeline.path), or run `stripe-etl rates update`", cause: error)
            }
        }
        let supplementary = stage.pipeline.fx.supplementary
        let ecbName = "ecb-" + URL(fileURLWithPath: ecbPath).lastPathComponent
        let supplementaryName = supplementary.map { "supplementary-" + URL(fileURLWithPath: $0).lastPathComponent }
        let table = try load(
            ecb: ecbPath, ecbName: ecbName, supplementary: supplementary, supplementaryName: supplementaryName,
            staleness: stage.pipeline.fx.maxStalenessDays)
        var sources = [(ecbPath, ecbName)]
        if let supplementary, let supplementaryName { sources.append((supplementary, supplementaryName)) }
        return RatesPinning(
            table: table, sha256: table.sha256,
            description: "\(directoryName)/\(ecbName)" + (supplementaryName.map { " + \(directoryName)/\($0)" } ?? ""),
            sources: sources)
    }

    /// Loads from bytes, naming the files by their pinned names so messages (and so rejects) do not
    /// depend on where the rates or the output live.
    private static func load(ecb: String, ecbName: String, supplementary: String?, supplementaryName: String?, staleness: Int) throws
        -> RatesTable
    {
        do {
            let ecbBytes = Array(try Data(contentsOf: URL(fileURLWithPath: ecb)))
            let supplementaryBytes = try supplementary.map { Array(try Data(contentsOf: URL(fileURLWithPath: $0))) }
            return try RatesTable(
                ecbCSV: ecbBytes, ecbName: "\(directoryName)/\(ecbName)", supplementaryCSV: supplementaryBytes,
                supplementaryName: "\(directoryName)/\(supplementaryName ?? "supplementary.csv")", maxStalenessDays: staleness)
        } catch {
            throw TransformError(
                .rates, "cannot load exchange rates from \(ecb)" + (supplementary.map { " and \($0)" } ?? ""), cause: error)
        }
    }

    /// Copies the files used into `staging/rates/` (atomically), replacing older pinned copies.
    func pin(into staging: String) throws {
        guard !sources.isEmpty else { return }
        let directory = staging + "/" + Self.directoryName
        try AtomicFile.createDirectory(directory)
        // The `ecb-` copy marks a complete pin (`resolve` reuses the pinned files when it exists): it
        // goes first and comes back last, so a transform killed in between never leaves an ECB
        // copy without its supplementary one (a re-run would then reject every supplementary-only row).
        let keep = Set(sources.map(\.pinnedName))
        for old in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        where !keep.contains(old) || old.hasPrefix("ecb-") {
            try? FileManager.default.removeItem(atPath: directory + "/" + old)
        }
        AtomicFile.syncDirectory(of: directory + "/.")
        for source in sources.sorted(by: { !$0.pinnedName.hasPrefix("ecb-") && $1.pinnedName.hasPrefix("ecb-") }) {
            let bytes: [UInt8]
            do { bytes = Array(try Data(contentsOf: URL(fileURLWithPath: source.path))) } catch {
                throw TransformError(.rates, "cannot read \(source.path) to pin it", cause: error)
            }
            try AtomicFile.write(bytes, to: directory + "/" + source.pinnedName)
        }
    }
}
