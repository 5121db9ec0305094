"""The pandas baseline: tier counts over time the way a typical pandas dashboard computes them.

The tables are loaded into DataFrames once (`load`, timed separately). Then, for every date D
(each month end of the trend, and the "current" date), `counts_at` starts again from the order
lines: keep the lines of orders dated on or before D, group them by order (sum amount, earliest
date), aggregate per customer (F, M, first, last), derive tenure and recency, apply the tier
rules of /work/shared/SPEC-tiers.md and count per tier and status. Nothing is carried from one
date to the next and nothing is precomputed across thresholds: that is the point of the
comparison with the engine, whose threshold-free part is built once by `Analysis.open`.

Two readings of the spec, written down because the engine must agree with them:

- An order is dated by its earliest line and counts with all its lines (its amount is their
  sum) from that date on. `load` therefore tags each line with its order's date once; the
  per-date filter uses that date, so an order whose lines carry different dates is never split.
- An order whose customer id has no customer row creates a minimal customer (created_at
  unknown), as the spec says.

Prospects: customers with F = 0 at D whose `created_at` (its calendar date) is on or before D,
or unknown. Every customer with F >= 1 at D is classified, whatever its `created_at`.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import duckdb
import numpy as np
import pandas as pd

from segmentation.thresholds import Thresholds
from segmentation.tiers import TIER_CODES

#: Every (tier, lapsed) key, in the order the engine returns them.
KEYS: tuple[tuple[str, bool | None], ...] = (("prospect", None),) + tuple(
    (code, lapsed) for code in TIER_CODES[1:] for lapsed in (False, True)
)


@dataclass
class Tables:
    """The database as DataFrames, loaded once."""

    customers: pd.DataFrame  # customer_id, created_on (datetime64, midnight; NaT when unknown)
    orders: pd.DataFrame  # order_id, customer_id, order_date, cents, order_day (the order's date)
    load_seconds: float = 0.0


def load(path: str | Path) -> Tables:
    """Read customers and orders into pandas (what a dashboard does once at start-up)."""
    started = time.perf_counter()
    con = duckdb.connect(str(path), read_only=True)
    try:
        customers = con.execute("SELECT customer_id, created_at FROM customers").df()
        orders = con.execute("SELECT order_id, customer_id, order_date, amount FROM orders").df()
    finally:
        con.close()
    customers["created_on"] = customers["created_at"].dt.normalize()
    customers = customers[["customer_id", "created_on"]]
    orders["order_date"] = orders["order_date"].dt.normalize()
    orders["cents"] = (orders["amount"] * 100).round().astype("int64")
    orphans = orders.loc[~orders["customer_id"].isin(customers["customer_id"]), "customer_id"].unique()
    if len(orphans):
        minimal = pd.DataFrame({"customer_id": pd.Series(orphans, dtype=customers["customer_id"].dtype),
                                "created_on": pd.Series(pd.NaT, index=range(len(orphans)),
                                                        dtype=customers["created_on"].dtype)})
        customers = pd.concat([customers, minimal], ignore_index=True)
    # An order is dated by its earliest line (see the module docstring).
    orders["order_day"] = orders.groupby(["customer_id", "order_id"])["order_date"].transform("min")
    orders = orders[["order_id", "customer_id", "order_date", "cents", "order_day"]].reset_index(drop=True)
    return Tables(customers=customers, orders=orders, load_seconds=time.perf_counter() - started)


def counts_at(tables: Tables, thresholds: Thresholds, day: dt.date) -> dict[tuple[str, bool | None], int]:
    """Customers per (tier, lapsed) as of `day`, from the order lines up."""
    d = pd.Timestamp(day)
    lines = tables.orders[tables.orders["order_day"] <= d]
    per_order = lines.groupby(["customer_id", "order_id"], sort=False).agg(
        cents=("cents", "sum"), day=("order_date", "min")
    )
    per_order = per_order.reset_index()
    positive = per_order[per_order["cents"] > 0]
    per_customer = positive.groupby("customer_id", sort=False).agg(
        f=("cents", "size"), first=("day", "min"), last=("day", "max")
    )
    per_customer["m"] = per_order.groupby("customer_id", sort=False)["cents"].sum()

    customers = tables.customers.merge(per_customer, how="left", left_on="customer_id", right_index=True)
    f = customers["f"].fillna(0).to_numpy(dtype=np.int64)
    m = customers["m"].fillna(0).to_numpy(dtype=np.int64)
    tenure = (customers["last"] - customers["first"]).dt.days.to_numpy(dtype=float, na_value=np.nan)
    recency = (d - customers["last"]).dt.days.to_numpy(dtype=float, na_value=np.nan)
    created = customers["created_on"]
    exists = (created.isna() | (created <= d)).to_numpy()

    if thresholds.value_axis == "orders":
        high = f >= thresholds.min_orders
    else:
        high = m >= (thresholds.min_amount_cents or 0)
    long = tenure >= thresholds.min_tenure_days
    tier = np.select(
        [f == 0, f == 1, high & long, high, long],
        ["prospect", "first", "loyal", "trend", "steady"],
        default="nascent",
    )
    lapsed = recency > thresholds.lapse_days

    counts: dict[tuple[str, bool | None], int] = {key: 0 for key in KEYS}
    counts[("prospect", None)] = int(((f == 0) & exists).sum())
    buyers = f >= 1
    found = pd.DataFrame({"tier": tier[buyers], "lapsed": lapsed[buyers]}).value_counts()
    for (code, is_lapsed), n in found.items():
        counts[(str(code), bool(is_lapsed))] = int(n)
    return counts


def counts_over_time(tables: Tables, thresholds: Thresholds, days: Iterable[dt.date]) -> pd.DataFrame:
    """Columns: period_end, tier, lapsed, customers; every key at every date (like the engine)."""
    records = []
    for day in days:
        counts = counts_at(tables, thresholds, day)
        records += [{"period_end": day, "tier": t, "lapsed": s, "customers": counts[(t, s)]} for t, s in KEYS]
    frame = pd.DataFrame.from_records(records, columns=["period_end", "tier", "lapsed", "customers"])
    frame["lapsed"] = frame["lapsed"].astype("object")
    return frame


def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month end from `first`'s month to `last`'s month, inclusive."""
    ends = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        nxt = dt.date(year + month // 12, month % 12 + 1, 1)
        ends.append(nxt - dt.timedelta(days=1))
        year, month = nxt.year, nxt.month
    return ends
