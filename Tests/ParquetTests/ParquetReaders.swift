import Foundation
import Parquet
import TestSupport

/// Runs the independent readers (pyarrow, DuckDB) on a file we wrote and returns what they saw.
///
/// Cells come back tagged so JSON cannot blur types: nil, "b:true", "i:42", "s:text". Timestamps
/// are microseconds, dates days since 1970, decimals their text at the column's scale.
enum ParquetReaders {
    struct PyArrowResult: Decodable {
        struct Meta: Decodable {
            var num_rows: Int
            var num_row_groups: Int
            var created_by: String?
            var format_version: String
            var row_group_rows: [Int]
            var arrow_types: [String]
            var columns: [Column]
            var key_value: [String: String]
        }
        struct Column: Decodable {
            var name: String
            var physical_type: String
            var logical_type: String
            var converted_type: String
            var max_definition_level: Int
            var row_groups: [ChunkInfo]
        }
        struct ChunkInfo: Decodable {
            var compression: String
            var encodings: [String]
            var num_values: Int
            var has_dictionary_page: Bool
            var null_count: Int?
            var has_min_max: Bool
            var min: String?
            var max: String?
        }
        var meta: Meta
        var rows: [[String?]]?
    }

    struct DuckDBResult: Decodable {
        var types: [String]
        var rows: [[String?]]?
        var scalars: [[String?]]?
    }

    /// Reads the whole file with pyarrow; `includeRows: false` skips the values (metadata only).
    static func pyarrow(_ path: String, includeRows: Bool = true) async throws -> PyArrowResult {
        try JSONDecoder().decode(PyArrowResult.self, from: try await python(pyarrowScript, [path, includeRows ? "rows" : "meta"]))
    }

    /// Reads the whole file with DuckDB, in file order, plus any extra scalar queries over
    /// `t` (a view of the file with a `file_row_number` column).
    static func duckdb(_ path: String, includeRows: Bool = true, queries: [String] = []) async throws -> DuckDBResult {
        let queriesJSON = String(decoding: try JSONSerialization.data(withJSONObject: queries), as: UTF8.self)
        return try JSONDecoder().decode(
            DuckDBResult.self, from: try await python(duckdbScript, [path, includeRows ? "rows" : "meta", queriesJSON]))
    }

    /// The tagged cells a reader should report for `rows` written with `schema`.
    static func expectedCells(_ rows: [[ParquetValue]], _ schema: ParquetSchema) -> [[String?]] {
        rows.map { row in
            zip(row, schema.columns).map { value, column in
                switch value {
                case .null: return nil
                case .string(let text): return "s:" + text
                case .bytes(let bytes): return "s:" + String(decoding: bytes, as: UTF8.self)
                case .int64(let number): return "i:\(number)"
                case .date(let days): return "i:\(days)"
                case .bool(let flag): return flag ? "b:true" : "b:false"
                case .decimal(let decimal):
                    guard case .decimal(_, let scale) = column.type else { return "?" }
                    return "s:" + decimal.formatted(scale: scale)
                }
            }
        }
    }

    struct PythonFailure: Error, CustomStringConvertible {
        var status: Int32
        var stderr: String
        var description: String { "python3 exited \(status): \(stderr)" }
    }

    static func python(_ script: String, _ arguments: [String]) async throws -> Data {
        let result = try await ChildProcess.run("/usr/bin/env", ["python3", "-c", script] + arguments, timeout: 300)
        guard result.status == 0 else { throw PythonFailure(status: result.status, stderr: result.stderr) }
        return Data(result.stdout.utf8)
    }

    private static let cellFunction = """
        import decimal, datetime
        def cell(v):
            if v is None: return None
            if isinstance(v, bool): return "b:" + ("true" if v else "false")
            if isinstance(v, int): return "i:%d" % v
            if isinstance(v, bytes): return "s:" + v.decode("utf-8")
            if isinstance(v, (datetime.datetime, datetime.date)): return "s:" + v.isoformat()
            return "s:" + str(v)
        """

    private static let pyarrowScript =
        cellFunction + """

            import sys, json
            import pyarrow as pa, pyarrow.parquet as pq
            path, mode = sys.argv[1], sys.argv[2]
            f = pq.ParquetFile(path)
            md = f.metadata
            out = {"meta": {
                "num_rows": md.num_rows, "num_row_groups": md.num_row_groups, "created_by": md.created_by,
                "format_version": str(md.format_version),
                "row_group_rows": [md.row_group(g).num_rows for g in range(md.num_row_groups)],
                "arrow_types": [str(t) for t in f.schema_arrow.types],
                "key_value": {k.decode(): v.decode() for k, v in (md.metadata or {}).items()},
                "columns": []}}
            for i in range(md.num_columns):
                c = md.schema.column(i)
                info = {"name": c.name, "physical_type": c.physical_type, "logical_type": str(c.logical_type),
                        "converted_type": c.converted_type, "max_definition_level": c.max_definition_level, "row_groups": []}
                for g in range(md.num_row_groups):
                    cc = md.row_group(g).column(i)
                    s = cc.statistics
                    mm = bool(s is not None and s.has_min_max)
                    info["row_groups"].append({"compression": cc.compression, "encodings": list(cc.encodings),
                        "num_values": cc.num_values, "has_dictionary_page": cc.has_dictionary_page,
                        "null_count": (s.null_count if s is not None and s.has_null_count else None),
                        "has_min_max": mm, "min": cell(s.min) if mm else None, "max": cell(s.max) if mm else None})
                out["meta"]["columns"].append(info)
            if mode == "rows":
                table = f.read()
                cols = []
                for i in range(table.num_columns):
                    col = table.column(i)
                    t = col.type
                    if isinstance(t, pa.ExtensionType):
                        col = pa.chunked_array([c.storage for c in col.chunks], type=t.storage_type)
                        t = t.storage_type
                    if pa.types.is_timestamp(t): col = col.cast(pa.int64())
                    elif pa.types.is_date32(t): col = col.cast(pa.int32())
                    cols.append([cell(v) for v in col.to_pylist()])
                out["rows"] = [list(r) for r in zip(*cols)] if cols else []
            sys.stdout.write(json.dumps(out))
            """

    private static let duckdbScript =
        cellFunction + """

            import sys, json, duckdb
            path, mode, queries = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
            con = duckdb.connect(); con.execute("SET enable_progress_bar = false")  # a progress bar would go to stdout
            con.execute("CREATE VIEW t AS SELECT * FROM read_parquet(?, file_row_number=true)".replace("?", "'" + path.replace("'", "''") + "'"))
            desc = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [path]).fetchall()
            out = {"types": [d[1] for d in desc]}
            if mode == "rows":
                exprs = []
                for name, typ, *_ in desc:
                    q = '"' + name.replace('"', '""') + '"'
                    if typ.startswith("TIMESTAMP"): exprs.append("epoch_us(%s)" % q)
                    elif typ == "DATE": exprs.append("(%s - DATE '1970-01-01')" % q)
                    elif typ.startswith("DECIMAL") or typ == "JSON": exprs.append("CAST(%s AS VARCHAR)" % q)
                    else: exprs.append(q)
                if exprs:
                    sql = "SELECT " + ", ".join(exprs) + " FROM t ORDER BY file_row_number"
                    out["rows"] = [[cell(v) for v in r] for r in con.execute(sql).fetchall()]
                else:
                    out["rows"] = []
            out["scalars"] = [[cell(v) for v in con.execute(q).fetchone()] for q in queries]
            sys.stdout.write(json.dumps(out))
            """
}

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct ParquetTestDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("parquet-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Writes `rows` to `path` with the row API and returns the path.
@discardableResult
func writeParquet(
    _ path: String, _ schema: ParquetSchema, _ rows: [[ParquetValue]],
    options: ParquetWriterOptions = ParquetWriterOptions(createdBy: "parquet-tests")
) throws -> String {
    let writer = try ParquetFileWriter(path: path, schema: schema, options: options)
    for row in rows { try writer.append(row) }
    try writer.close()
    return path
}
