"""Answers at one date: every customer's tier and figures, counts per tier, the tier map, the
thresholds the data suggests, which channel makes loyal customers, and the scope's choices.

Each answer is a SQL builder returning `(sql, params)` beside the function that runs it and
shapes the result. Every function takes an explicit `as_of` that defaults to the latest order
date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .analysis import Analysis
from .rules import (
    Params,
    pick,
    ranks_to_codes,
    scope_sql,
    threshold_params,
    thresholds_or_default,
    tier_at_sql,
    tier_code_sql,
)
from .scope import SCOPE_KINDS, Scope
from .thresholds import DEFAULT_MIN_AMOUNT, DEFAULT_THRESHOLDS, Thresholds
from .tiers import RANK, TIER_STATUS_KEYS, code_of

# ---------------------------------------------------------------------------------------------
# Every customer at one date


def classify_sql(thresholds: Thresholds, scope: Scope | None, as_of: dt.date, *,
                 customer_ids: bool = True) -> tuple[str, Params]:
    """Every customer existing at `as_of` with the figures of the spec.

    interval = tenure / (F - 1); the next order is expected one (rounded) interval after the
    last; overdue when the silence exceeds `overdue_factor` intervals, due when the next order is
    expected within `due_window_days`. Columns: customer_id, tier, lapsed, orders, amount,
    first_order_date, last_order_date, tenure_days, recency_days, interval_days,
    expected_next_order_date, cycle_status, campaign_share (share of the orders that used a
    campaign code), cid. `customer_ids=False` leaves customer_id NULL and skips the join that
    reads it (for counts).
    """
    tiers, params = tier_at_sql(thresholds, scope, as_of)
    customer_id, join = (("c.customer_id", " JOIN cust c USING (cid)") if customer_ids
                         else ("CAST(NULL AS VARCHAR) AS customer_id", ""))
    sql = f"""
        WITH t AS ({tiers}),
        x AS (
            SELECT t.*, ($as_of - last_day) AS recency,
                   CASE WHEN f >= 2 THEN tenure / (f - 1) END AS interval_days,
                   CASE WHEN f >= 2 THEN last_day + CAST((2 * tenure + f - 1) // (2 * (f - 1)) AS INTEGER) END
                       AS expected_next
            FROM t
        )
        SELECT {customer_id}, {tier_code_sql('x.tier')} AS tier, x.lapsed,
               x.f AS orders, CAST(x.m_cents AS DECIMAL(18, 2)) / 100 AS amount,
               x.first_day AS first_order_date, x.last_day AS last_order_date,
               CASE WHEN x.f > 0 THEN x.tenure END AS tenure_days, CAST(x.recency AS INTEGER) AS recency_days,
               x.interval_days, x.expected_next AS expected_next_order_date,
               CASE WHEN x.f < 2 THEN NULL
                    WHEN x.recency * (x.f - 1) > x.tenure * $overdue_factor THEN 'overdue'
                    WHEN x.expected_next <= $as_of + CAST($due_window_days AS INTEGER) THEN 'due'
                    ELSE 'not_due' END AS cycle_status,
               CASE WHEN x.f > 0 THEN x.f_campaign / x.f END AS campaign_share,
               x.cid
        FROM x{join}
    """
    return sql, {**params, **pick(threshold_params(thresholds), "overdue_factor", "due_window_days")}


def classify(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    as_of: Any = None,
    scope: Scope | None = None,
) -> pd.DataFrame:
    """One row per customer existing at `as_of` (default: the latest order date), by id."""
    sql, params = classify_sql(thresholds_or_default(thresholds), scope, analysis.resolve_as_of(as_of))
    return analysis.df(sql + " ORDER BY customer_id", params)


# ---------------------------------------------------------------------------------------------
# Counts per tier


def tier_counts_sql(thresholds: Thresholds, scope: Scope | None, as_of: dt.date) -> tuple[str, Params]:
    """Customers and their amount M (as of the date, refunds included) per tier and status.

    Columns: tier (rank), lapsed, customers, amount_cents.
    """
    tiers, params = tier_at_sql(thresholds, scope, as_of)
    return f"""
        SELECT tier, lapsed, count(*) AS customers, CAST(sum(m_cents) AS BIGINT) AS amount_cents
        FROM ({tiers})
        GROUP BY tier, lapsed
    """, params


def tier_counts(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    as_of: Any = None,
    scope: Scope | None = None,
) -> pd.DataFrame:
    """Per tier and status at `as_of`: customers, their share, amount and its share.

    Every tier and status appears, with zero where nobody is in it. Columns: tier, lapsed,
    customers, share, amount, amount_share.
    """
    sql, params = tier_counts_sql(thresholds_or_default(thresholds), scope, analysis.resolve_as_of(as_of))
    found = {(rank, lapsed): (n, cents) for rank, lapsed, n, cents in analysis.fetchall(sql, params)}
    records = []
    for rank, lapsed in TIER_STATUS_KEYS:
        n, cents = found.get((rank, lapsed), (0, 0))
        records.append({"tier": code_of(rank), "lapsed": lapsed, "customers": int(n), "amount": (cents or 0) / 100})
    frame = pd.DataFrame.from_records(records)
    total, total_amount = frame["customers"].sum(), frame["amount"].sum()
    frame["share"] = frame["customers"] / total if total else 0.0
    frame["amount_share"] = frame["amount"] / total_amount if total_amount else 0.0
    frame["lapsed"] = frame["lapsed"].astype("object")
    return frame[["tier", "lapsed", "customers", "share", "amount", "amount_share"]]


# ---------------------------------------------------------------------------------------------
# The tier map (a 2D histogram: no chart carries a row per customer)


def tier_map_sql(thresholds: Thresholds, scope: Scope | None, as_of: dt.date, *, tenure_bin_days: int,
                 orders_cap: int, amount_bins_per_decade: int) -> tuple[str, Params]:
    """Customers with an order at `as_of`, binned by tenure (x) and orders or amount (y).

    x bins are `$tenure_bin` days wide; on the orders axis y is the order count capped at
    `$orders_cap`; on the amount axis y is the amount bin on a log scale (`$amount_bins` per
    power of ten). Columns: x_bin, y_bin, tier (rank), lapsed, customers.
    """
    tiers, params = tier_at_sql(thresholds, scope, as_of)
    sql = f"""
        SELECT CAST(tenure // $tenure_bin AS INTEGER) AS x_bin,
               CAST(CASE WHEN $value_axis = 'orders' THEN least(f, $orders_cap)
                         ELSE floor(log10(greatest(m_cents, 100) / 100.0) * $amount_bins) END AS INTEGER) AS y_bin,
               tier, lapsed, count(*) AS customers
        FROM ({tiers})
        WHERE f >= 1
        GROUP BY ALL
    """
    return sql, {**params, "tenure_bin": tenure_bin_days, "orders_cap": orders_cap,
                 "amount_bins": amount_bins_per_decade}


def tier_map(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    as_of: Any = None,
    scope: Scope | None = None,
    tenure_bin_days: int = 30,
    orders_cap: int = 30,
    amount_bins_per_decade: int = 4,
) -> pd.DataFrame:
    """The tier map as a 2D histogram: one row per occupied cell and tier.

    Columns: tenure_from, tenure_to (days), value_from, value_to (orders, or amount on the
    amount axis), tier, lapsed, customers. On the orders axis the last row of cells holds
    every customer with `orders_cap` orders or more.
    """
    thresholds = thresholds_or_default(thresholds)
    sql, params = tier_map_sql(thresholds, scope, analysis.resolve_as_of(as_of), tenure_bin_days=tenure_bin_days,
                               orders_cap=orders_cap, amount_bins_per_decade=amount_bins_per_decade)
    frame = analysis.df(sql, params)
    columns = ["tenure_from", "tenure_to", "value_from", "value_to", "tier", "lapsed", "customers"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["tenure_from"] = frame["x_bin"] * tenure_bin_days
    frame["tenure_to"] = frame["tenure_from"] + tenure_bin_days
    if thresholds.value_axis == "orders":
        frame["value_from"] = frame["y_bin"].astype(float) - 0.5
        frame["value_to"] = frame["y_bin"].astype(float) + 0.5
    else:
        frame["value_from"] = 10 ** (frame["y_bin"] / amount_bins_per_decade)
        frame["value_to"] = 10 ** ((frame["y_bin"] + 1) / amount_bins_per_decade)
    ranks_to_codes(frame, "tier")
    frame["lapsed"] = frame["lapsed"].astype(object)
    return frame[columns].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Suggested thresholds


@dataclass(frozen=True)
class Suggestion:
    """A threshold value read off the data, with the one-line reason a manager can check."""

    name: str  # min_orders, min_tenure_days, lapse_days or min_amount
    value: Any
    reason_key: str  # key of the sentence in `texts.py`
    reason_values: dict[str, Any]

    def reason(self, lang: str = "en") -> str:
        from .texts import text

        return text(self.reason_key, lang, **self.reason_values)


def suggestions_sql(scope: Scope | None, as_of: dt.date) -> tuple[str, Params]:
    """Spread of repeat customers (F >= 2 at `$as_of`) and of the gaps between their orders.

    Columns: repeat_customers, orders_p75, tenure_p50, amount_cents_p75, gaps, gap_p90.
    """
    tiers, params = tier_at_sql(DEFAULT_THRESHOLDS, scope, as_of)
    where, _ = scope_sql(scope)
    sql = f"""
        WITH r AS (
            SELECT * FROM ({tiers}) WHERE f >= 2
        ),
        g AS (
            SELECT valid_from - prev_last_day AS gap, n_orders
            FROM state WHERE valid_from <= $as_of AND {where}
        )
        SELECT (SELECT count(*) FROM r),
               (SELECT quantile_disc(f, 0.75) FROM r),
               (SELECT quantile_disc(tenure, 0.5) FROM r),
               (SELECT quantile_disc(m_cents, 0.75) FROM r),
               (SELECT count(*) FROM g WHERE n_orders > 0 AND gap > 0),
               (SELECT quantile_disc(gap, 0.9) FROM g WHERE n_orders > 0 AND gap > 0)
    """
    return sql, params


def _round_up(value: float, step: int) -> int:
    return int(-(-int(value) // step) * step)


def _two_significant(value: float) -> float:
    if value <= 0:
        return 0.0
    digits = len(str(int(value))) - 2
    step = 10 ** max(digits, 0)
    return float(round(value / step) * step)


def suggest_thresholds(
    analysis: Analysis,
    as_of: Any = None,
    scope: Scope | None = None,
) -> dict[str, Suggestion]:
    """Thresholds read off the data at `as_of`, each with its reason.

    - min_orders: the order count reached by the top quarter of repeat customers (at least 2);
    - min_tenure_days: the median tenure of repeat customers, rounded up to 30 days;
    - lapse_days: the gap between orders that 9 in 10 gaps stay within, rounded up to 10 days;
    - min_amount: the amount reached by the top quarter of repeat customers (2 significant digits).
    Falls back to the defaults (`DEFAULT_THRESHOLDS`, `DEFAULT_MIN_AMOUNT`), saying so, when
    there are too few repeat customers.
    """
    sql, params = suggestions_sql(scope, analysis.resolve_as_of(as_of))
    repeat, orders_p75, tenure_p50, cents_p75, gaps, gap_p90 = analysis.fetchall(sql, params)[0]
    defaults = DEFAULT_THRESHOLDS
    if repeat < 10:
        fallback = {"count": repeat}
        return {
            "min_orders": Suggestion("min_orders", defaults.min_orders, "reason_default", fallback),
            "min_tenure_days": Suggestion("min_tenure_days", defaults.min_tenure_days, "reason_default", fallback),
            "lapse_days": Suggestion("lapse_days", defaults.lapse_days, "reason_default", fallback),
            "min_amount": Suggestion("min_amount", float(DEFAULT_MIN_AMOUNT), "reason_default", fallback),
        }
    min_orders = max(2, int(orders_p75))
    tenure = max(30, _round_up(tenure_p50, 30))
    lapse = max(30, _round_up(gap_p90 or defaults.lapse_days, 10)) if gaps >= 10 else defaults.lapse_days
    amount = max(1.0, _two_significant((cents_p75 or 0) / 100))
    return {
        "min_orders": Suggestion("min_orders", min_orders, "reason_min_orders",
                                 {"value": min_orders, "count": repeat}),
        "min_tenure_days": Suggestion("min_tenure_days", tenure, "reason_min_tenure_days",
                                      {"value": tenure, "median": int(tenure_p50), "count": repeat}),
        "lapse_days": Suggestion("lapse_days", lapse, "reason_lapse_days" if gaps >= 10 else "reason_default",
                                 {"value": lapse, "gaps": gaps, "count": repeat}),
        "min_amount": Suggestion("min_amount", amount, "reason_min_amount",
                                 {"value": amount, "count": repeat}),
    }


# ---------------------------------------------------------------------------------------------
# Channel conversion


def channel_conversion_sql(thresholds: Thresholds, scope: Scope | None, as_of: dt.date) -> tuple[str, Params]:
    """Per acquisition channel, customers existing at `$as_of` (prospects included), how many
    ordered, ordered twice, are loyal now, and their amount. Columns: channel, acquired,
    first_order, second_order, loyal, amount_cents."""
    tiers, params = tier_at_sql(thresholds, scope, as_of)
    return f"""
        SELECT c.channel, count(*) AS acquired,
               count(*) FILTER (WHERE t.f >= 1) AS first_order,
               count(*) FILTER (WHERE t.f >= 2) AS second_order,
               count(*) FILTER (WHERE t.tier = {RANK['loyal']}) AS loyal,
               CAST(sum(t.m_cents) AS BIGINT) AS amount_cents
        FROM ({tiers}) t JOIN cust c USING (cid)
        GROUP BY c.channel
    """, params


def channel_conversion(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    as_of: Any = None,
    scope: Scope | None = None,
) -> pd.DataFrame:
    """Which acquisition channel turns leads into loyal customers. Columns: channel (None when
    unknown), acquired, first_order, second_order, loyal, second_order_share, loyal_share,
    amount, amount_per_customer; largest channel first, then by name."""
    sql, params = channel_conversion_sql(thresholds_or_default(thresholds), scope, analysis.resolve_as_of(as_of))
    frame = analysis.df(sql, params)
    columns = ["channel", "acquired", "first_order", "second_order", "loyal", "second_order_share",
               "loyal_share", "amount", "amount_per_customer"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["channel"] = frame["channel"].astype(object).where(frame["channel"].notna(), None)
    frame["amount"] = frame["amount_cents"].fillna(0) / 100
    frame["second_order_share"] = frame["second_order"] / frame["acquired"]
    frame["loyal_share"] = frame["loyal"] / frame["acquired"]
    frame["amount_per_customer"] = frame["amount"] / frame["acquired"]
    frame = frame.sort_values(["acquired", "channel"], ascending=[False, True], na_position="last")
    return frame[columns].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# What the scope can be, and how far the sliders should reach


def scope_options(analysis: Analysis) -> dict[str, list[str]]:
    """The values each scope kind can take in this data, most common first."""
    options = {}
    for kind in SCOPE_KINDS:
        table = "cust_category" if kind == "category" else "cust"
        rows = analysis.fetchall(
            f"SELECT {kind}, count(*) AS n FROM {table} WHERE {kind} IS NOT NULL AND {kind} <> '' "
            f"GROUP BY {kind} ORDER BY n DESC, {kind}"
        )
        options[kind] = [value for value, _ in rows]
    return options


#: The least each threshold slider reaches, and its step; the data can make a slider longer.
SLIDER_FLOORS: dict[str, tuple[int, int, int]] = {  # field -> (min, max at least, step)
    "min_orders": (2, 30, 1),
    "min_tenure_days": (0, 1095, 5),
    "lapse_days": (30, 730, 10),
}


def slider_ranges(analysis: Analysis, as_of: Any = None,
                  suggested: dict[str, float] | None = None) -> dict[str, tuple[int, int, int]]:
    """(min, max, step) of each threshold slider: at least `SLIDER_FLOORS`, longer where the
    data reaches further at `as_of` (the order count 1 in 100 repeat customers reach, the
    longest tenure), and always long enough to hold the `suggested` values (name -> value)."""
    sql, params = _reach_sql(analysis.resolve_as_of(as_of))
    orders_p99, longest_tenure = analysis.fetchall(sql, params)[0]
    reach = {"min_orders": orders_p99 or 0, "min_tenure_days": longest_tenure or 0, "lapse_days": 0}
    ranges = {}
    for name, (low, high, step) in SLIDER_FLOORS.items():
        wanted = max(high, int(reach[name]))
        if suggested and name in suggested:
            wanted = max(wanted, int(suggested[name]))
        ranges[name] = (low, _round_up(wanted - low, step) + low, step)
    return ranges


def _reach_sql(as_of: dt.date) -> tuple[str, Params]:
    """The order count the top 1% of repeat customers reach and the longest tenure, at `as_of`."""
    return """
        SELECT quantile_disc(f, 0.99) FILTER (WHERE f >= 2), max(tenure)
        FROM state WHERE valid_from <= $as_of AND valid_to > $as_of
    """, {"as_of": as_of}
