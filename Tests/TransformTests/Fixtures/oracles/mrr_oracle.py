"""Independent MRR oracle: the documented rule of schemas/subscriptions.json, written from the
documentation with Python's Fraction (exact) and rounded once, half-even, to 6 decimals.

usage: mrr_oracle.py SUBSCRIPTIONS.ndjson COUPONS.ndjson RULE SNAPSHOT_UNIX_SECONDS [PRICES.ndjson]
A tiered item price without tiers takes the tiers of the price with its id in PRICES.
RULE is stripe or chartmogul. Prints {"<subscription item id>": ["<mrr>" | null, "<mrr_status>"], ...}."""
import json, sys
from fractions import Fraction

ZERO_DECIMAL = set("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())
THREE_DECIMAL = set("bhd jod kwd omr tnd".split())
MAX_UNITS = 10 ** 38  # decimal(38,6)


def exponent(currency):
    c = currency.lower()
    return 0 if c in ZERO_DECIMAL else 3 if c in THREE_DECIMAL else 2


def per_month(interval, count):
    return {"day": Fraction(365, 12), "week": Fraction(52, 12), "month": Fraction(1), "year": Fraction(1, 12)}[interval] / count


def load_coupons(path):
    """id -> object of an NDJSON file (coupons, or prices)."""
    coupons = {}
    for line in open(path, encoding="utf-8"):
        if line.strip():
            c = json.loads(line)
            coupons[c["id"]] = c
    return coupons


def coupon_of(discount, coupons):
    """The coupon dict of a discount (expanded object with a coupon object or id); None if unknown."""
    if not isinstance(discount, dict):
        return None
    c = discount.get("coupon")
    if c is None and isinstance(discount.get("source"), dict):
        c = discount["source"].get("coupon")
    if isinstance(c, str):
        return coupons.get(c)
    return c


def item_status(sub, recurring, rule):
    if recurring.get("usage_type") == "metered":
        return "metered"
    status = sub["status"]
    if status in ("active", "past_due"):
        return "paused" if isinstance(sub.get("pause_collection"), dict) and rule == "stripe" else "counted"
    return {"trialing": "trialing", "paused": "paused", "unpaid": "churned", "canceled": "churned",
            "incomplete": "incomplete", "incomplete_expired": "incomplete"}.get(status, "unknown")


def reduces(coupon, discount, rule, snapshot):
    """True/False, or None when it cannot be told."""
    duration = coupon.get("duration")
    if duration == "forever":
        return True
    if duration == "repeating" and rule == "chartmogul":
        if not isinstance(discount, dict):
            return None
        end = discount.get("end")
        return end is None or end > snapshot
    return False


def apply(coupon, discount, amount, months, currency, rule, snapshot):
    """amount after a discount that reduces MRR under the rule; None when it cannot apply."""
    r = reduces(coupon, discount, rule, snapshot)
    if r is None:
        return None
    if not r:
        return amount
    if coupon.get("percent_off") is not None:
        amount = amount * (100 - Fraction(str(coupon["percent_off"]))) / 100
    elif coupon.get("amount_off") is not None:
        if coupon.get("currency") not in (None, currency) or months is None:
            return None
        amount = amount - coupon["amount_off"] * months
    return max(amount, Fraction(0))


def round_half_even(q):
    n = q * 10 ** 6
    floor = n.numerator // n.denominator
    rest = n - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2 == 1):
        floor += 1
    if abs(floor) >= MAX_UNITS:
        return None
    sign = "-" if floor < 0 else ""
    digits = str(abs(floor)).rjust(7, "0")
    return sign + digits[:-6] + "." + digits[-6:]


def tiered(tiers, quantity, mode):
    def dec(t, exact, whole):
        if t.get(exact) is not None:
            return Fraction(t[exact])
        if t.get(whole) is not None:
            return Fraction(t[whole])
        return Fraction(0)
    if mode == "volume":
        for t in tiers:
            if t.get("up_to") is None or quantity <= t["up_to"]:
                return dec(t, "unit_amount_decimal", "unit_amount") * quantity + dec(t, "flat_amount_decimal", "flat_amount")
        return None
    total, previous = Fraction(0), 0
    for t in tiers:
        ceiling = quantity if t.get("up_to") is None else min(t["up_to"], quantity)
        if ceiling > previous:
            total += dec(t, "unit_amount_decimal", "unit_amount") * (ceiling - previous) + dec(t, "flat_amount_decimal", "flat_amount")
        if t.get("up_to") is None or t["up_to"] >= quantity:
            return total
        previous = t["up_to"]
    return total if quantity == 0 else None


def subscription_mrr(sub, coupons, rule, snapshot, prices):
    out = {}
    items = sub["items"]["data"]
    sub_discounts = [d for d in (sub.get("discounts") or []) if d is not None]
    if isinstance(sub.get("discount"), dict) and not any(isinstance(d, dict) and d.get("id") == sub["discount"].get("id") for d in sub_discounts):
        sub_discounts.append(sub["discount"])
    gross, months_of, currency_of, status_of = {}, {}, {}, {}
    for item in items:
        price = item.get("price") or item.get("plan")
        currency = price["currency"]
        recurring = price.get("recurring") or {"interval": price.get("interval"), "interval_count": price.get("interval_count"), "usage_type": price.get("usage_type")}
        status_of[item["id"]] = item_status(sub, recurring, rule)
        if status_of[item["id"]] != "counted":
            gross[item["id"]] = None if status_of[item["id"]] == "unknown" else "zero"
            continue
        months = per_month(recurring["interval"], recurring.get("interval_count") or 1)
        quantity = item.get("quantity")
        quantity = 1 if quantity is None else quantity
        transform = price.get("transform_quantity") or price.get("transform_usage")
        if transform and transform.get("divide_by"):
            q, r = divmod(quantity, transform["divide_by"])
            quantity = q + 1 if (transform.get("round") == "up" and r) else q
        unit = price.get("unit_amount_decimal") if "unit_amount_decimal" in price else price.get("amount_decimal")
        if unit is not None:
            amount = Fraction(unit) * quantity
        elif price.get("tiers"):
            amount = tiered(price["tiers"], quantity, price.get("tiers_mode") or "graduated")
        elif (prices.get(price.get("id")) or {}).get("tiers"):
            listed = prices[price["id"]]
            amount = tiered(listed["tiers"], quantity, listed.get("tiers_mode") or "graduated")
        else:
            amount = None
        if amount is None:
            gross[item["id"]] = None
            continue
        amount *= months
        for d in item.get("discounts") or []:
            c = coupon_of(d, coupons)
            amount = None if (c is None or amount is None) else apply(c, d, amount, months, currency, rule, snapshot)
        gross[item["id"]] = amount
        months_of[item["id"]] = months
        currency_of[item["id"]] = currency
    counted = [i["id"] for i in items if gross[i["id"]] not in ("zero", None)]
    total = sum((gross[i] for i in counted), Fraction(0))
    net = total
    first = counted[0] if counted else None
    for d in sub_discounts:
        c = coupon_of(d, coupons)
        if c is None or net is None:
            net = None
            break
        net = apply(c, d, net, months_of.get(first), currency_of.get(first), rule, snapshot)
    for item in items:
        g = gross[item["id"]]
        price = item.get("price") or item.get("plan")
        if g == "zero":
            out[item["id"]] = ["0.000000", status_of[item["id"]]]
        elif g is None or net is None:
            out[item["id"]] = [None, "unknown"]
        else:
            share = g if total == 0 or not sub_discounts else g * net / total
            value = round_half_even(share / 10 ** exponent(price["currency"]))
            out[item["id"]] = [value, status_of[item["id"]] if value is not None else "unknown"]
    return out


def main():
    subs_path, coupons_path, rule, snapshot = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    coupons = load_coupons(coupons_path)
    prices = load_coupons(sys.argv[5]) if len(sys.argv) > 5 else {}
    result = {}
    for line in open(subs_path, encoding="utf-8"):
        if line.strip():
            result.update(subscription_mrr(json.loads(line), coupons, rule, snapshot, prices))
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
