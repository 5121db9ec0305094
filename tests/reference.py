"""A deliberately naive reading of the tier rules (`SPEC-tiers.md`), for checking the engine.

No SQL, no data frames, no cleverness: every figure is recomputed from the raw rows for every
date asked about, so each function can be checked by reading it beside the spec. It is slow on
purpose; use it only on the handful of rows a test builds.

Rows look like the ones `conftest.write_db` takes:
customers: (customer_id, created_at or None[, channel, region, staff]);
orders: (order_id, customer_id, order_date, amount[, campaign, category]).
Dates may be `date` objects or ISO text; `created_at` may carry a time, only its date counts.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from typing import Iterable, NamedTuple

TIER_ORDER = ("prospect", "first", "nascent", "steady", "trend", "loyal")


class Figures(NamedTuple):
    """One customer's tier, status and figures at one date."""

    tier: str
    lapsed: bool | None  # None for prospects
    orders: int  # F
    amount: Decimal  # M
    first: dt.date | None
    last: dt.date | None
    tenure: int | None  # T (None without orders)
    recency: int | None  # R (None without orders)
    expected_next: dt.date | None
    cycle_status: str | None


def as_date(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip()[:10])


def merged_orders(orders: Iterable[tuple], customer_id: str) -> list[tuple[dt.date, Decimal]]:
    """The customer's orders as (date, amount): rows sharing an order_id are one order whose
    amount is their sum and whose date is their earliest."""
    by_order_id: dict[str, list[tuple[dt.date, Decimal]]] = {}
    for row in orders:
        order_id, owner, order_date, amount = row[:4]
        if owner == customer_id:
            by_order_id.setdefault(order_id, []).append((as_date(order_date), Decimal(str(amount))))
    merged = []
    for lines in by_order_id.values():
        earliest = min(line_date for line_date, _ in lines)
        total = sum((line_amount for _, line_amount in lines), Decimal(0))
        merged.append((earliest, total))
    return merged


def exists_at(customer: tuple, orders: Iterable[tuple], day: dt.date) -> bool:
    """A customer exists from its created_at date or its first order (amount > 0), whichever is
    earlier; with created_at unknown it exists at every date. A refund is not an order."""
    created = as_date(customer[1])
    if created is None:
        return True
    if created <= day:
        return True
    return any(order_date <= day and amount > 0 for order_date, amount in merged_orders(orders, customer[0]))


def round_half_up(value: Fraction) -> int:
    whole = value.numerator // value.denominator
    return whole + 1 if value - whole >= Fraction(1, 2) else whole


def figures(customer: tuple, orders: Iterable[tuple], thresholds, day: dt.date) -> Figures:
    """The spec's figures and tier for one existing customer at `day`."""
    counted = [(d, a) for d, a in merged_orders(orders, customer[0]) if d <= day]
    amount = sum((a for _, a in counted), Decimal(0))
    order_dates = [d for d, a in counted if a > 0]
    orders_count = len(order_dates)
    if orders_count == 0:
        return Figures("prospect", None, 0, amount, None, None, None, None, None, None)

    first, last = min(order_dates), max(order_dates)
    tenure = (last - first).days
    recency = (day - last).days
    lapsed = recency > thresholds.lapse_days

    if orders_count == 1:
        return Figures("first", lapsed, 1, amount, first, last, tenure, recency, None, None)

    if thresholds.value_axis == "orders":
        high = orders_count >= thresholds.min_orders
    else:
        high = amount >= Decimal(str(thresholds.min_amount))
    long = tenure >= thresholds.min_tenure_days
    if high:
        tier = "loyal" if long else "trend"
    else:
        tier = "steady" if long else "nascent"

    interval = Fraction(tenure, orders_count - 1)
    expected_next = last + dt.timedelta(days=round_half_up(interval))
    if recency > interval * Fraction(thresholds.overdue_factor):
        cycle_status = "overdue"
    elif expected_next <= day + dt.timedelta(days=thresholds.due_window_days):
        cycle_status = "due"
    else:
        cycle_status = "not_due"
    return Figures(tier, lapsed, orders_count, amount, first, last, tenure, recency, expected_next, cycle_status)


def all_customers(customers: Iterable[tuple], orders: Iterable[tuple]) -> list[tuple]:
    """The customer rows plus a minimal customer (id only, created_at unknown) for every
    customer id that appears only in orders."""
    customers = list(customers)
    known = {customer[0] for customer in customers}
    for row in orders:
        if row[1] not in known:
            customers.append((row[1], None))
            known.add(row[1])
    return customers


def classify(customers: Iterable[tuple], orders: Iterable[tuple], thresholds, day) -> dict[str, Figures]:
    """{customer_id: Figures} for every customer existing at `day`."""
    day = as_date(day)
    orders = list(orders)
    return {
        customer[0]: figures(customer, orders, thresholds, day)
        for customer in all_customers(customers, orders)
        if exists_at(customer, orders, day)
    }


def counts_at(customers, orders, thresholds, day) -> Counter:
    """Customers per (tier, lapsed) at `day`."""
    return Counter((f.tier, f.lapsed) for f in classify(customers, orders, thresholds, day).values())


# ---------------------------------------------------------------------------------------------
# Periods, written the slow way


def is_period_end(day: dt.date, freq: str) -> bool:
    last_of_month = day.day == calendar.monthrange(day.year, day.month)[1]
    if freq == "week":
        return day.weekday() == 6  # Sunday
    if freq == "month":
        return last_of_month
    if freq == "quarter":
        return last_of_month and day.month in (3, 6, 9, 12)
    raise ValueError(freq)


def period_ends(start, end, freq: str) -> list[dt.date]:
    """Every period end in [start, end], found by walking the days."""
    day, end = as_date(start), as_date(end)
    ends = []
    while day <= end:
        if is_period_end(day, freq):
            ends.append(day)
        day += dt.timedelta(days=1)
    return ends


def previous_period_end(period_end: dt.date, freq: str) -> dt.date:
    day = period_end - dt.timedelta(days=1)
    while not is_period_end(day, freq):
        day -= dt.timedelta(days=1)
    return day


def default_range(orders: Iterable[tuple]) -> tuple[dt.date, dt.date]:
    """Earliest and latest date of any order row, refund rows and later lines of an order
    included (the default range over time; the latest is also the default D)."""
    dates = [as_date(row[2]) for row in orders]
    return min(dates), max(dates)


# ---------------------------------------------------------------------------------------------
# Moves between two dates


def movement_kind(before: Figures | None, after: Figures) -> str:
    if before is None:
        return "new"
    was_lapsed, is_lapsed = bool(before.lapsed), bool(after.lapsed)
    if was_lapsed and not is_lapsed:
        return "reactivated"
    if is_lapsed and not was_lapsed:
        return "lapsed"
    if TIER_ORDER.index(after.tier) > TIER_ORDER.index(before.tier):
        return "promoted"
    return "demoted"


def movements(customers, orders, thresholds, date_from, date_to) -> Counter:
    """Customers whose (tier, lapsed) changed between the two dates, by
    (movement, from_tier, from_lapsed, to_tier, to_lapsed); from_tier None when new."""
    before = classify(customers, orders, thresholds, date_from)
    after = classify(customers, orders, thresholds, date_to)
    moves: Counter = Counter()
    for customer_id, now in after.items():
        then = before.get(customer_id)
        if then is not None and (then.tier, then.lapsed) == (now.tier, now.lapsed):
            continue
        from_tier = None if then is None else then.tier
        from_lapsed = None if then is None else then.lapsed
        moves[(movement_kind(then, now), from_tier, from_lapsed, now.tier, now.lapsed)] += 1
    return moves


def transitions(customers, orders, thresholds, date_from, date_to) -> Counter:
    """Customers existing at `date_to` by (from_tier, from_lapsed, to_tier, to_lapsed);
    from_tier 'new' when the customer did not exist at `date_from`."""
    before = classify(customers, orders, thresholds, date_from)
    after = classify(customers, orders, thresholds, date_to)
    result: Counter = Counter()
    for customer_id, now in after.items():
        then = before.get(customer_id)
        key = ("new", None) if then is None else (then.tier, then.lapsed)
        result[(*key, now.tier, now.lapsed)] += 1
    return result


def revenue(customers, orders, thresholds, period_start_exclusive, period_end) -> Counter:
    """Amounts of the orders dated in (previous end, period end], refunds included, by the
    tier and status their customer has at the period end. A refund dated before its customer
    exists counts on the day the customer starts to exist."""
    at_end = classify(customers, orders, thresholds, period_end)
    result: Counter = Counter()
    for customer in all_customers(customers, orders):
        created = as_date(customer[1])
        firsts = [d for d, a in merged_orders(orders, customer[0]) if a > 0]
        starts = [d for d in (created, min(firsts) if firsts else None) if d is not None]
        exists_from = min(starts) if created is not None and starts else None
        for order_date, amount in merged_orders(orders, customer[0]):
            if exists_from is not None and order_date < exists_from:
                order_date = exists_from
            if period_start_exclusive < order_date <= period_end:
                f = at_end[customer[0]]
                result[(f.tier, f.lapsed)] += amount
    return result


# ---------------------------------------------------------------------------------------------
# Reading the engine's answers in the same shapes


def _missing(value) -> bool:
    import pandas as pd

    return value is None or (not isinstance(value, (str, bool)) and bool(pd.isna(value)))


def _day_or_none(value) -> dt.date | None:
    if _missing(value):
        return None
    if isinstance(value, dt.datetime):  # pandas Timestamps are datetimes too
        return value.date()
    return value


def _int_or_none(value) -> int | None:
    return None if _missing(value) else int(value)


def engine_figures(frame) -> dict[str, Figures]:
    """{customer_id: Figures} from a frame returned by `engine.classify`."""
    result = {}
    for row in frame.to_dict("records"):
        result[row["customer_id"]] = Figures(
            tier=row["tier"],
            lapsed=None if _missing(row["lapsed"]) else bool(row["lapsed"]),
            orders=int(row["orders"]),
            amount=Decimal(str(row["amount"])).quantize(Decimal("0.01")),
            first=_day_or_none(row["first_order_date"]),
            last=_day_or_none(row["last_order_date"]),
            tenure=_int_or_none(row["tenure_days"]),
            recency=_int_or_none(row["recency_days"]),
            expected_next=_day_or_none(row["expected_next_order_date"]),
            cycle_status=None if _missing(row["cycle_status"]) else row["cycle_status"],
        )
    return result


def _lapsed_key(value) -> bool | None:
    return None if _missing(value) else bool(value)


def engine_counts(frame, value: str = "customers") -> dict[tuple, object]:
    """{(period_end, tier, lapsed): value} from an over-time frame, zeros included."""
    return {
        (_day_or_none(row["period_end"]), row["tier"], _lapsed_key(row["lapsed"])): row[value]
        for row in frame.to_dict("records")
    }


def engine_moves(frame) -> Counter:
    """Counter of (period_end, movement, from_tier, from_lapsed, to_tier, to_lapsed)."""
    moves: Counter = Counter()
    for row in frame.to_dict("records"):
        from_tier = None if _missing(row["from_tier"]) else row["from_tier"]
        key = (_day_or_none(row["period_end"]), row["movement"], from_tier, _lapsed_key(row["from_lapsed"]),
               row["to_tier"], _lapsed_key(row["to_lapsed"]))
        moves[key] += int(row["customers"])
    return moves


def engine_transitions(frame) -> Counter:
    """Counter of (from_tier, from_lapsed, to_tier, to_lapsed) from `engine.transitions`."""
    result: Counter = Counter()
    for row in frame.to_dict("records"):
        key = (row["from_tier"], _lapsed_key(row["from_lapsed"]), row["to_tier"], _lapsed_key(row["to_lapsed"]))
        result[key] += int(row["customers"])
    return result
