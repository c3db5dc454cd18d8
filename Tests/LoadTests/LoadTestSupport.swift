import Core
import Foundation
import ModuleErrors
import TestSupport

@testable import Load

/// A throwaway output root holding staging runs built from the real schemas/.
struct LoadFixture {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static func schemas() throws -> SchemaSet { try SchemaSet.load(directory: repositoryRoot + "/schemas") }

    let root: String
    var paths: RunPaths { RunPaths(root: root) }

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("load-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    /// Writes staging/<runId>/ with synthetic rows for `rows` (table -> count), manifest last.
    @discardableResult
    func writeStagingRun(_ runId: String, rows: [String: Int], snapshotDate: String = "2025-06-01", extraLines: [String: [String]] = [:])
        throws -> StagingManifest
    {
        let schemas = try Self.schemas()
        let directory = paths.staging(runId)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var tables: [String: StagingManifest.Table] = [:]
        for (name, count) in rows {
            guard let schema = schemas.table(name) else { throw LoadError(.configuration, "no schema \(name)") }
            let path = paths.stagingFile(runId, table: name)
            try SyntheticStaging.write(count: count, schema: schema, path: path, extraLines: extraLines[name] ?? [])
            let entry = try FileEntry.describe(path: path, relativeTo: directory)
            let total = count + (extraLines[name]?.count ?? 0)
            tables[name] = StagingManifest.Table(file: entry, schemaHash: schema.hash, rowsIn: total, rowsOut: total, rowsRejected: 0)
        }
        try AtomicFile.write("", to: paths.stagingRejects(runId))
        let manifest = StagingManifest(
            runId: runId, pipeline: "test", snapshotDate: snapshotDate, rawManifestSha256: String(repeating: "0", count: 64),
            inputs: [:], tables: tables, rejects: try FileEntry.describe(path: paths.stagingRejects(runId), relativeTo: directory),
            reportingCurrency: "EUR", ratesSha256: nil)
        try ManifestCoding.write(manifest, to: paths.stagingManifest(runId))
        return manifest
    }

    /// Every regular file under the published warehouse, relative path -> bytes.
    func warehouseFiles() throws -> [String: Data] {
        var files: [String: Data] = [:]
        let base = (try? FileManager.default.destinationOfSymbolicLink(atPath: paths.warehouse)).map { root + "/" + $0 } ?? paths.warehouse
        guard let walker = FileManager.default.enumerator(atPath: base) else { return files }
        while let relative = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: base + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[relative] = try Data(contentsOf: URL(fileURLWithPath: base + "/" + relative))
            }
        }
        return files
    }
}

struct PythonFailure: Error, CustomStringConvertible {
    var status: Int32
    var stderr: String
    var description: String { "python3 exited \(status): \(stderr)" }
}

/// Runs DuckDB queries in python3 and returns each query's rows as strings (NULL as nil).
func duckdbQuery(_ queries: [String]) async throws -> [[[String?]]] {
    let script = """
        import sys, json, duckdb
        con = duckdb.connect(); con.execute("SET enable_progress_bar = false")  # a progress bar would go to stdout
        out = []
        for q in json.loads(sys.argv[1]):
            rows = con.execute(q).fetchall() if q.lstrip().upper().startswith(("SELECT", "WITH", "FROM", "DESCRIBE")) else (con.execute(q) and [])
            out.append([[None if v is None else str(v) for v in r] for r in rows])
        sys.stdout.write(json.dumps(out))
        """
    let data = try await runPython(script, [String(decoding: try JSONSerialization.data(withJSONObject: queries), as: UTF8.self)])
    return try JSONDecoder().decode([[[String?]]].self, from: data)
}

func runPython(_ script: String, _ arguments: [String]) async throws -> Data {
    // Ends with os._exit once the script has run to its end: deltalake's native threads can abort the
    // interpreter's own shutdown ("terminate called without an active exception", exit 6) after every
    // result was printed. An exception in the script still exits non-zero before this line.
    let ending = "\nimport os as _os, sys as _sys\n_sys.stdout.flush()\n_sys.stderr.flush()\n_os._exit(0)\n"
    let result = try await ChildProcess.run("/usr/bin/env", ["python3", "-c", script + ending] + arguments, timeout: 300)
    guard result.status == 0 else { throw PythonFailure(status: result.status, stderr: result.stderr) }
    return Data(result.stdout.utf8)
}

/// SQL selecting a staging file's rows with the schema's types (decimals and timestamps are text in staging).
func stagingSelect(_ table: TableSchema, path: String) -> String {
    var columns: [String] = []
    var casts: [String] = []
    for column in table.columns {
        let name = "\"\(column.name)\""
        switch column.type {
        case .string: columns.append("\(name): 'VARCHAR'"); casts.append(name)
        case .int64: columns.append("\(name): 'BIGINT'"); casts.append(name)
        case .decimal(let p, let s): columns.append("\(name): 'VARCHAR'"); casts.append("CAST(\(name) AS DECIMAL(\(p),\(s))) AS \(name)")
        case .bool: columns.append("\(name): 'BOOLEAN'"); casts.append(name)
        case .timestamp: columns.append("\(name): 'VARCHAR'"); casts.append("CAST(\(name) AS TIMESTAMPTZ) AS \(name)")
        case .date: columns.append("\(name): 'DATE'"); casts.append(name)
        case .json: columns.append("\(name): 'JSON'"); casts.append("CAST(\(name) AS VARCHAR) AS \(name)")
        }
    }
    return
        "SELECT \(casts.joined(separator: ", ")) FROM read_json('\(path)', format='newline_delimited', columns={\(columns.joined(separator: ", "))})"
}

/// SQL selecting the same columns from warehouse files (json as text, partition column dropped).
func warehouseSelect(_ table: TableSchema, from source: String) -> String {
    let columns = table.columns.map { column -> String in
        column.type == .json ? "CAST(\"\(column.name)\" AS VARCHAR) AS \"\(column.name)\"" : "\"\(column.name)\""
    }
    return "SELECT \(columns.joined(separator: ", ")) FROM \(source)"
}
