import Foundation

/// Python helpers of the warehouse load tests (independent of the Swift code under test: they
/// read schemas/*.json, the Parquet files through DuckDB and the warehouses through psql / DuckDB).
enum WarehouseLoadScripts {
    /// Writes night 2's raw streams from night 1's: customers deleted and edited, drafts
    /// finalized on night 2 (their lines move to a later month), open invoices voided and paid
    /// late, a subscription canceled and one upgraded. Prints what changed, as JSON.
    static let nightTwo = #"""
        import sys, json, subprocess, shutil, os
        src, dst, now = sys.argv[1], sys.argv[2], int(sys.argv[3])
        def read(stream):
            out = subprocess.run(["zstd", "-dcq", f"{src}/{stream}.ndjson.zst"], capture_output=True, check=True).stdout
            return [json.loads(l) for l in out.splitlines() if l.strip()]
        def write(stream, objects):
            data = "".join(json.dumps(o, separators=(",", ":"), ensure_ascii=False) + "\n" for o in objects).encode()
            subprocess.run(["zstd", "-q", "-f", "-o", f"{dst}/{stream}.ndjson.zst"], input=data, check=True)
        changed = {}
        customers = read("customers")
        changed["deleted_customers"] = [c["id"] for i, c in enumerate(customers) if i % 10 == 3]
        customers = [c for c in customers if c["id"] not in changed["deleted_customers"]]
        customers[0]["email"] = "renamed." + (customers[0].get("email") or "x@example.com")
        changed["edited_customer"] = customers[0]["id"]
        write("customers", customers)
        invoices = read("invoices")
        drafts = [i for i in invoices if i["status"] == "draft" and i["lines"]["data"]]
        for n, invoice in enumerate(drafts):
            invoice["status"] = "open"
            invoice["status_transitions"]["finalized_at"] = now
            invoice["number"] = f"N2-{n:04d}"
        opens = [i for i in invoices if i["status"] == "open" and i not in drafts]
        opens[0]["status"] = "void"
        opens[0]["status_transitions"]["voided_at"] = now
        opens[1]["status"] = "paid"
        opens[1]["status_transitions"]["paid_at"] = now
        opens[1]["amount_paid"] = opens[1]["amount_due"]
        opens[1]["amount_remaining"] = 0
        changed["finalized_drafts"] = [i["id"] for i in drafts]
        changed["voided"] = opens[0]["id"]
        changed["paid_late"] = opens[1]["id"]
        write("invoices", invoices)
        subscriptions = read("subscriptions")
        active = [s for s in subscriptions if s["status"] == "active"]
        active[0].update(status="canceled", canceled_at=now, ended_at=now)
        active[1]["items"]["data"][0]["quantity"] += 2
        changed["canceled"] = active[0]["id"]
        changed["upgraded"] = active[1]["items"]["data"][0]["id"]
        write("subscriptions", subscriptions)
        for name in os.listdir(src):
            if name.endswith(".ndjson.zst") and not os.path.exists(f"{dst}/{name}"):
                shutil.copyfile(f"{src}/{name}", f"{dst}/{name}")
        print(json.dumps(changed))
        """#

    /// Compares every warehouse table in Postgres (via psql) and in a DuckDB database with the
    /// published run's Parquet files: by primary key and every column, types normalised
    /// (decimals exact, timestamps as epoch microseconds, JSON parsed), duplicates counted.
    static let compare = #"""
        import sys, json, csv, io, subprocess, duckdb
        from decimal import Decimal
        spec = json.loads(sys.argv[1])
        schemas = {t: json.load(open(f"{spec['schemas']}/{t}.json")) for t in {x["table"] for x in spec["targets"]}}
        def kinds(target):
            cols = [(c["name"], c["type"]) for c in schemas[target["table"]]["columns"]]
            return cols + [(target["partition_column"], "partition")]
        def duck_expr(name, kind):
            q = '"' + name + '"'
            if kind == "timestamp": return f"epoch_us({q})"
            if kind in ("date", "json", "partition") or kind.startswith("decimal"): return f"CAST({q} AS VARCHAR)"
            return q
        def pg_expr(name, kind):
            q = '"' + name + '"'
            if kind == "timestamp": return f"(extract(epoch from {q}) * 1000000)::bigint"
            if kind in ("date", "json", "partition", "bool") or kind.startswith("decimal"): return f"{q}::text"
            return q
        def norm(value, kind):
            if value is None: return None
            if kind in ("int64", "timestamp"): return int(value)
            if kind.startswith("decimal"): return Decimal(str(value)).normalize()
            if kind == "bool": return value is True or value in ("true", "t")
            if kind == "json": return json.dumps(json.loads(value), sort_keys=True)
            return str(value)
        def keyed(rows, target, cols):
            index = [n for n, _ in cols]
            keys = [index.index(k) for k in target["primary_key"]]
            table, dups = {}, 0
            for row in rows:
                values = tuple(norm(v, k) for v, (_, k) in zip(row, cols))
                key = tuple(values[i] for i in keys)
                if key in table: dups += 1
                table[key] = values
            return table, dups
        duck_files = duckdb.connect(); duck_files.execute("SET enable_progress_bar = false")  # a progress bar would go to stdout
        warehouse = duckdb.connect(spec["duckdb"]) if spec.get("duckdb") else None
        if warehouse is not None: warehouse.execute("SET enable_progress_bar = false")
        report = {}
        for target in spec["targets"]:
            cols = kinds(target)
            base = "/_history" if target["history"] else ""
            files = f"{spec['version']}{base}/{target['table']}/*/*.parquet"
            ptype = {"month": "VARCHAR", "year": "INTEGER"}.get(target["partition_by"], "DATE")
            select = ", ".join(duck_expr(n, k) for n, k in cols)
            expected, edups = keyed(duck_files.execute(f"SELECT {select} FROM read_parquet('{files}', hive_partitioning = true, hive_types = {{'{target['partition_column']}': {ptype}}})").fetchall(), target, cols)
            entry = {"expected": len(expected), "expected_dups": edups}
            if spec.get("postgres"):
                query = "SELECT " + ", ".join(pg_expr(n, k) for n, k in cols) + f' FROM "{target["name"]}"'
                out = subprocess.run(["psql", spec["postgres"], "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", f"\\copy ({query}) TO STDOUT WITH (FORMAT csv, NULL '\\N')"], capture_output=True, text=True)
                if out.returncode != 0: raise SystemExit(out.stderr)
                rows = [[None if v == "\\N" else v for v in r] for r in csv.reader(io.StringIO(out.stdout))]
                actual, dups = keyed(rows, target, cols)
                entry["postgres"] = len(actual); entry["postgres_dups"] = dups
                entry["postgres_diff"] = [repr(k) for k in set(expected) ^ set(actual)][:5] + [repr(k) for k in expected if k in actual and expected[k] != actual[k]][:5]
            if warehouse is not None:
                actual, dups = keyed(warehouse.execute(f'SELECT {select} FROM "{target["name"]}"').fetchall(), target, cols)
                entry["duckdb"] = len(actual); entry["duckdb_dups"] = dups
                entry["duckdb_diff"] = [repr(k) for k in set(expected) ^ set(actual)][:5] + [repr(k) for k in expected if k in actual and expected[k] != actual[k]][:5]
            report[target["name"]] = entry
        print(json.dumps(report))
        """#

    /// Applies DDL then load script files to a DuckDB database file, as the README shows.
    static let duckdbApply = #"""
        import sys, duckdb
        con = duckdb.connect(sys.argv[1]); con.execute("SET enable_progress_bar = false")  # a progress bar would go to stdout
        for path in sys.argv[2:]:
            con.execute(open(path).read())
        con.close()
        """#
}
