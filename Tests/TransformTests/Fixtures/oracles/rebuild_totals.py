"""Property check: every invoice's and credit note's totals, as Stripe's raw documents state them,
equal the sums of the document's output lines (DuckDB over the staging files).

usage: rebuild_totals.py RAW_INVOICES.zst STAGING_INVOICE_LINES.zst RAW_CREDIT_NOTES.zst STAGING_CREDIT_NOTE_LINES.zst
prints {"invoices": {"documents": n, "mismatches": [...]}, "credit_notes": {...}}"""
import json, subprocess, sys
import duckdb

raw_invoices, invoice_lines, raw_notes, note_lines = sys.argv[1:5]


def raw(path):
    text = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout.decode("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def sums(path, key):
    con = duckdb.connect(); con.execute("SET enable_progress_bar = false")  # a progress bar would go to stdout
    rows = con.execute(f"""
        SELECT {key}, count(*), sum(amount)::HUGEINT, sum(discount_amount)::HUGEINT, sum(tax_amount)::HUGEINT,
               sum(tax_amount_inclusive)::HUGEINT, sum(tax_amount_exclusive)::HUGEINT, sum(amount_excluding_tax)::HUGEINT,
               {"sum(pretax_credit_amount)::HUGEINT" if key == "invoice_id" else "0"}
        FROM read_json('{path}', format='newline_delimited', compression='zstd') GROUP BY {key}""").fetchall()
    return {r[0]: {"lines": r[1], "amount": int(r[2]), "discount": int(r[3]), "tax": int(r[4]),
                   "inclusive": int(r[5]), "exclusive": int(r[6]), "excluding_tax": int(r[7]), "credits": int(r[8])} for r in rows}


def check(documents, lines, fields):
    mismatches = []
    compared = {}
    for d in documents:
        s = lines.get(d["id"], {"lines": 0, "amount": 0, "discount": 0, "tax": 0, "inclusive": 0, "exclusive": 0, "excluding_tax": 0, "credits": 0})
        expected = fields(s)
        for field, value in expected.items():
            if field in d and d[field] is not None:
                compared[field] = compared.get(field, 0) + 1
            if field in d and d[field] is not None and d[field] != value:
                mismatches.append({"id": d["id"], "field": field, "stripe": d[field], "rebuilt": value})
        if s["lines"] != len(d["lines"]["data"]):
            mismatches.append({"id": d["id"], "field": "line count", "stripe": len(d["lines"]["data"]), "rebuilt": s["lines"]})
    return {"documents": len(documents), "compared": compared, "mismatches": mismatches[:20], "mismatch_count": len(mismatches)}


def invoice_fields(s):
    return {
        "subtotal": s["amount"],
        "subtotal_excluding_tax": s["excluding_tax"],
        "total": s["amount"] - s["discount"] - s["credits"] + s["exclusive"],
        "total_excluding_tax": s["amount"] - s["discount"] - s["credits"] - s["inclusive"],
    }


def note_fields(s):
    total = s["amount"] - s["discount"] + s["exclusive"]
    return {
        "subtotal": s["amount"],
        "subtotal_excluding_tax": s["excluding_tax"],
        "total": total,
        "amount": total,
        "discount_amount": s["discount"],
        "total_excluding_tax": s["amount"] - s["discount"] - s["inclusive"],
    }


def taxes(documents, lines):
    """Tax per document from its total_taxes (or tax) against the lines' tax_amount."""
    bad = 0
    for d in documents:
        stated = sum(t["amount"] for t in (d.get("total_taxes") or [])) if d.get("total_taxes") is not None else d.get("tax")
        if stated is not None and stated != lines.get(d["id"], {"tax": 0})["tax"]:
            bad += 1
    return bad


invoices = raw(raw_invoices)
notes = raw(raw_notes)
inv_lines = sums(invoice_lines, "invoice_id")
cn_lines = sums(note_lines, "credit_note_id")
result = {"invoices": check(invoices, inv_lines, invoice_fields), "credit_notes": check(notes, cn_lines, note_fields)}
result["invoices"]["tax_mismatches"] = taxes(invoices, inv_lines)
result["credit_notes"]["tax_mismatches"] = taxes(notes, cn_lines)
print(json.dumps(result))
