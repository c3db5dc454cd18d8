public import Core

/// Figures for `stripe-bench`: the transform of one raw run, timed, with the invoice-lines table
/// (the hot path, compared with the DuckDB anchor) broken out. Run it with `convert: true` and
/// `convert: false` on the same run to see what currency conversion costs.
public enum TransformBenchmark {
    public struct Figures: Sendable, CustomStringConvertible {
        /// Uncompressed raw bytes of all streams.
        public let inputBytes: Int
        public let rowsOut: Int
        public let seconds: Double
        /// Uncompressed bytes of the invoices stream.
        public let invoiceBytes: Int
        public let invoiceLineRows: Int
        public let invoiceSeconds: Double
        /// CPU seconds of the whole process (all threads: decompression, mapping, compression, input
        /// checksums) while the invoices were transformed; unlike wall time, independent of other load
        /// on the machine.
        public let invoiceCPUSeconds: Double
        public let peakResidentBytes: Int
        public let converted: Bool
        /// Threads mapping rows (`TransformStage.Options.mappingThreads`).
        public let mappingThreads: Int

        /// Input MB/s, wall, all streams.
        public var megabytesPerSecond: Double { seconds > 0 ? Double(inputBytes) / 1e6 / seconds : 0 }
        /// Rows/s, wall, all tables.
        public var rowsPerSecond: Double { seconds > 0 ? Double(rowsOut) / seconds : 0 }
        /// Input MB/s of the invoices stream, wall.
        public var invoiceMegabytesPerSecond: Double { invoiceSeconds > 0 ? Double(invoiceBytes) / 1e6 / invoiceSeconds : 0 }
        public var invoiceRowsPerSecond: Double { invoiceSeconds > 0 ? Double(invoiceLineRows) / invoiceSeconds : 0 }
        /// Invoice MB per CPU second (all threads): the wall rate on an otherwise idle machine is at
        /// most this times the number of cores.
        public var invoiceMegabytesPerCPUSecond: Double { invoiceCPUSeconds > 0 ? Double(invoiceBytes) / 1e6 / invoiceCPUSeconds : 0 }

        public var description: String {
            func f(_ x: Double) -> String { String(Int((x * 10).rounded()) / 10) + "." + String(Int((x * 10).rounded()) % 10) }
            return "transform (\(converted ? "conversion on" : "conversion off"), \(mappingThreads) mapping thread\(mappingThreads == 1 ? "" : "s")): \(f(Double(inputBytes) / 1e6)) MB in \(f(seconds)) s = \(f(megabytesPerSecond)) MB/s, \(Int(rowsPerSecond)) rows/s; "
                + "invoices: \(f(Double(invoiceBytes) / 1e6)) MB -> \(invoiceLineRows) lines in \(f(invoiceSeconds)) s = \(f(invoiceMegabytesPerSecond)) MB/s, \(Int(invoiceRowsPerSecond)) rows/s (process CPU \(f(invoiceCPUSeconds)) s = \(f(invoiceMegabytesPerCPUSecond)) MB per CPU-second); "
                + "peak RSS \(peakResidentBytes / 1_048_576) MB"
        }
    }

    /// Transforms raw run `runId` under `outputRoot` (writing its staging output) and reports figures.
    /// `convert: false` measures the same run without currency conversion; `mappingThreads` nil
    /// uses the stage's default (2 on a machine with 2 or more cores).
    public static func run(outputRoot: String, runId: String, pipeline: PipelineDefinition, schemas: SchemaSet,
                           ratesPath: String? = nil, convert: Bool = true, mappingThreads: Int? = nil) throws -> Figures {
        var options = TransformStage.Options()
        options.convert = convert
        options.refreshRates = true
        if let mappingThreads { options.mappingThreads = max(1, mappingThreads) }
        let stage = TransformStage(pipeline: pipeline, paths: RunPaths(root: outputRoot), schemas: schemas, ratesPath: ratesPath, options: options)
        let report = try stage.run(runId: runId)
        let statistics = report.statistics
        let invoices = statistics.tables.first { $0.table == "invoice_lines" }
        return Figures(
            inputBytes: statistics.inputBytes, rowsOut: statistics.tables.reduce(0) { $0 + $1.rowsOut },
            seconds: statistics.seconds, invoiceBytes: invoices?.inputBytes ?? 0, invoiceLineRows: invoices?.rowsOut ?? 0,
            invoiceSeconds: invoices?.seconds ?? 0, invoiceCPUSeconds: invoices?.cpuSeconds ?? 0,
            peakResidentBytes: statistics.peakResidentBytes, converted: convert, mappingThreads: options.mappingThreads)
    }
}
