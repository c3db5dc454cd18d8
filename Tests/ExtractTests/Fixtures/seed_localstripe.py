#!/usr/bin/env python3
"""Seeds a fresh localstripe server through its HTTP API and prints what it created as JSON.

Used by Tests/ExtractTests/LocalstripeTests.swift. Standard library only (urllib): form-encoded
POSTs and DELETEs, like Stripe's own clients. The extract under test only ever GETs; this script is
the only writer.

    python3 seed_localstripe.py --base http://127.0.0.1:PORT [--customers 36]

Everything is deterministic except the ids localstripe assigns. The JSON on stdout lists, per
stream, the ids the extract must find (deleted customers excluded), the line count of every invoice,
and the events as this script lists them itself (its own pager, independent of the Swift one).
"""

import argparse
import base64
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

KEY = "sk_test_localstripeseed0001"


class Client:
    def __init__(self, base):
        self.base = base.rstrip("/")
        token = base64.b64encode((KEY + ":").encode()).decode()
        self.headers = {"Authorization": "Basic " + token}

    def call(self, method, path, params=None):
        data = None
        url = self.base + path
        if params is not None and method == "GET":
            url += "?" + urllib.parse.urlencode(params)
        elif params is not None:
            data = urllib.parse.urlencode(params).encode()
        request = urllib.request.Request(url, data=data, method=method, headers=dict(self.headers))
        if data is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read().decode())
        except urllib.error.HTTPError as error:
            body = error.read().decode(errors="replace")[:300]
            raise SystemExit(f"seed: {method} {path} failed with HTTP {error.code}: {body}")

    def post(self, path, params):
        return self.call("POST", path, params)

    def list_all(self, path, params=None):
        """Pages a list with starting_after; stops on a repeated id (localstripe restarts at
        page 1 on an unknown cursor)."""
        seen, items, cursor = set(), [], None
        while True:
            query = dict(params or {})
            query["limit"] = 100
            if cursor:
                query["starting_after"] = cursor
            page = self.call("GET", path, query)
            for item in page["data"]:
                if item["id"] in seen:
                    raise SystemExit(f"seed: {path} returned {item['id']} twice")
                seen.add(item["id"])
                items.append(item)
            if not page.get("has_more") or not page["data"]:
                return items
            cursor = page["data"][-1]["id"]


def seed(client, customer_count):
    out = {
        "customers": [], "deleted_customers": [], "customers_with_metadata": [],
        "products": [], "inactive_products": [], "plans": [], "coupons": [],
        "subscriptions": [], "canceled_subscriptions": [],
        "invoices": {}, "paid_invoices": [],
    }

    # Products: four active (they carry the plans) and two inactive (only listed with active=false).
    for i in range(6):
        active = i < 4
        product = client.post("/v1/products", {
            "name": f"Seed product {i}", "type": "service", "active": "true" if active else "false",
            "metadata[tier]": ["basic", "pro", "team", "enterprise", "legacy", "retired"][i],
        })
        out["products"].append(product["id"])
        if not active:
            out["inactive_products"].append(product["id"])

    # Plans (localstripe has no /v1/prices): several currencies, JPY zero-decimal included.
    plan_specs = [("eur", 1500, "month"), ("usd", 12000, "year"), ("jpy", 3000, "month"), ("gbp", 900, "week")]
    for i, (currency, amount, interval) in enumerate(plan_specs):
        plan = client.post("/v1/plans", {
            "id": f"seed-plan-{i}", "product": out["products"][i], "currency": currency,
            "amount": amount, "interval": interval, "nickname": f"Seed plan {i}",
        })
        out["plans"].append(plan["id"])

    # Coupons (listed, but localstripe cannot apply them to anything).
    for params in [
        {"id": "SEED10", "percent_off": "10", "duration": "forever"},
        {"id": "SEED5EUR", "amount_off": "500", "currency": "eur", "duration": "once"},
        {"id": "SEED25X3", "percent_off": "25", "duration": "repeating", "duration_in_months": "3",
         "metadata[campaign]": "spring"},
    ]:
        out["coupons"].append(client.post("/v1/coupons", params)["id"])

    # Customers: every third has metadata; the first 24 have a card (localstripe pays invoices,
    # first subscription invoices included, only with a payment method on file).
    customers = []
    for i in range(customer_count):
        params = {"name": f"Seed Customer {i:02d}", "email": f"seed{i:02d}@example.test",
                  "description": f"seeded customer {i}"}
        if i % 3 == 0:
            params["metadata[crm_id]"] = f"CRM-{1000 + i}"
            params["metadata[segment]"] = ["smb", "mid", "ent"][i % 9 // 3]
        if i < 24:
            card = client.post("/v1/payment_methods", {
                "type": "card", "card[number]": "4242424242424242", "card[exp_month]": "12",
                "card[exp_year]": "2034", "card[cvc]": "123",
            })
            params["payment_method"] = card["id"]
            params["invoice_settings[default_payment_method]"] = card["id"]
        customer = client.post("/v1/customers", params)
        customers.append(customer["id"])
        if i % 3 == 0:
            out["customers_with_metadata"].append(customer["id"])

    # Subscriptions: one item each (localstripe's limit); each creates and pays its first invoice
    # (one line). Every fifth is canceled afterwards (listed only with status=all).
    for i in range(20):
        subscription = client.post("/v1/subscriptions", {
            "customer": customers[i], "items[0][plan]": out["plans"][i % 4],
            "items[0][quantity]": str(1 + i % 3), "metadata[seed_index]": str(i),
        })
        out["subscriptions"].append(subscription["id"])
        if subscription.get("latest_invoice"):
            out["invoices"][subscription["latest_invoice"]] = 1
        if i % 5 == 0:
            canceled = client.call("DELETE", f"/v1/subscriptions/{subscription['id']}")
            assert canceled["status"] == "canceled", canceled
            out["canceled_subscriptions"].append(subscription["id"])

    # Further invoices from pending invoice items. localstripe only creates an invoice for a
    # customer with a live subscription, so each has the subscription's line plus 1-3 items, and
    # one has exactly 10 lines (a full first page of embedded lines, has_more false). The first
    # four are paid, the rest stay draft.
    extra = [i for i in range(1, 10) if i % 5 != 0]
    for n, i in enumerate(extra):
        items = 9 if i == 4 else 1 + i % 3
        for k in range(items):
            client.post("/v1/invoiceitems", {
                "customer": customers[i], "amount": str(250 * (k + 1)), "currency": "eur",
                "description": f"Seed item {i}-{k}",
            })
        invoice = client.post("/v1/invoices", {"customer": customers[i], "metadata[seed_index]": str(i)})
        assert len(invoice["lines"]["data"]) == items + 1, invoice["lines"]
        out["invoices"][invoice["id"]] = items + 1
        if n == 0:
            # The extract's order guard decides from the first page that moves in `created`
            # (see LocalstripeTests). localstripe lists invoices by `date`: this one (a yearly
            # plan's period end) is listed second, after the last extra one and before the monthly
            # ones. Creating those in a later second makes the first page rise, so the guard sees
            # an order that is not newest first, whatever the machine's speed.
            while int(time.time()) <= invoice["created"]:
                time.sleep(0.02)
        if n < 4:
            paid = client.post(f"/v1/invoices/{invoice['id']}/pay", {})
            assert paid["status"] == "paid", paid["status"]
            out["paid_invoices"].append(invoice["id"])

    # The last customer is deleted: Stripe (and localstripe) stop listing it.
    deleted = customers[-1]
    client.call("DELETE", f"/v1/customers/{deleted}")
    out["deleted_customers"].append(deleted)
    out["customers"] = [c for c in customers if c != deleted]
    out["customers_with_metadata"] = [c for c in out["customers_with_metadata"] if c != deleted]

    # The precondition above, checked: the first page of the Swift test's size rises in `created`.
    first_page = client.call("GET", "/v1/invoices", {"limit": "7"})["data"]
    created = [invoice["created"] for invoice in first_page]
    if not any(later > earlier for earlier, later in zip(created, created[1:])):
        raise SystemExit(f"seed: localstripe's first invoice page does not rise in created ({created}); "
                         "its invoice order changed, update the seed and LocalstripeTests")

    # Events, listed by this script's own pager once seeding is over.
    events = client.list_all("/v1/events")
    out["events"] = [event["id"] for event in events]
    types = {}
    for event in events:
        types[event["type"]] = types.get(event["type"], 0) + 1
    out["event_types"] = types
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--customers", type=int, default=36)
    args = parser.parse_args()
    if args.customers < 25:
        raise SystemExit("seed: --customers must be at least 25")
    result = seed(Client(args.base), args.customers)
    json.dump(result, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
