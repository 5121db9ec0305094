"""What a loyal customer costs per acquisition channel: the costs entered once per channel and
month (table `channel_costs`, schema migration 5), and per channel the funnel acquired →
second order → loyal with what each step cost.

The figures, per channel, at a date (`as_of`) and under the current thresholds:

- `acquired`, `second_order`, `loyal`, the shares and the revenue per customer are those of
  `at_date.channel_conversion` (every customer existing at the date, prospects included);
- `reached_loyal`: customers whose tier was loyal at some date up to `as_of` (the first `state`
  row, from the customer's first activity on, whose tier is loyal); `reached_loyal_share` of
  `acquired`; `median_days_to_loyal`: the median days from the first order to that row;
- the costs: `cost` is the sum of the amounts entered for the channel for months up to the
  month of `as_of` (`cost_months` of them). A cost is set against the customers the channel
  acquired in those same months (acquired: the customer's `created_at`, else the first order):
  `cost_acquired` of them, `cost_repeat` of those who ordered a second time and `cost_loyal` of
  those who reached loyal by `as_of`. `cost_per_acquired` = cost ÷ cost_acquired, likewise per
  repeat and per loyal customer; empty when there is no such customer (never a division by
  zero) or no cost entered.

Costs are spent on a whole channel, so the cost figures are given for the whole company only:
under a scope narrower than channels (a region, a staff, a category) or for a staff user's
narrowed analysis they are left empty (`costs_apply`). The table is read from the file on each
call (`read_costs`: milliseconds) and handed to `channel_economics` as a tuple, so cached
results change when a cost does.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Sequence

import pandas as pd

from . import audit, schema
from .access import Viewer
from .analysis import Analysis
from .at_date import channel_conversion
from .errors import CataloguedError
from .rules import Params, thresholds_or_default, tier_at_sql, tier_rank_sql
from .scope import Scope
from .text_checks import first_control, shortened
from .thresholds import Thresholds
from .tiers import RANK

__all__ = ["ChannelCostError", "CostRow", "ECONOMICS_COLUMNS", "channel_economics", "costs_apply", "delete_cost",
           "economics_sql", "first_loyal_sql", "month_of", "read_costs", "set_cost"]

#: One cost: (channel, first day of the month, amount).
CostRow = tuple[str, dt.date, Decimal]

#: The most a cost can be (a typo guard: a trillion yen).
MAX_AMOUNT = Decimal("1000000000000")
CHANNEL_MAX_LENGTH = 60

#: Every column of `channel_economics`, in order: `channel_conversion`'s first.
ECONOMICS_COLUMNS: tuple[str, ...] = (
    "channel", "acquired", "first_order", "second_order", "loyal", "second_order_share", "loyal_share", "amount",
    "amount_per_customer", "reached_loyal", "reached_loyal_share", "median_days_to_loyal", "cost", "cost_months",
    "cost_acquired", "cost_repeat", "cost_loyal", "cost_per_acquired", "cost_per_repeat", "cost_per_loyal",
)


class ChannelCostError(CataloguedError, ValueError):
    """A cost to enter is refused (the sentence's `key` in the text catalogue)."""


# ---------------------------------------------------------------------------------------------
# Entering costs

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?\s*$")


def month_of(value: Any) -> dt.date:
    """`2026-10`, `2026-10-01` or a date -> the first day of that month."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.replace(day=1)
    match = _MONTH.match(str(value)) if isinstance(value, str) else None
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and 1900 <= year <= 9999:
            return dt.date(year, month, 1)
    raise ChannelCostError("cost_bad_month", value=shortened(str(value)))


def _channel(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ChannelCostError("cost_no_channel")
    value = value.strip()
    if len(value) > CHANNEL_MAX_LENGTH or first_control(value) is not None:
        raise ChannelCostError("cost_bad_channel", value=shortened(value), n=CHANNEL_MAX_LENGTH)
    return value


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise ChannelCostError("cost_bad_amount", value=shortened(str(value))) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ChannelCostError("cost_bad_amount", value=shortened(str(value)))
    return amount.quantize(Decimal("0.01"))


def set_cost(db_path: str | os.PathLike, viewer: Viewer, channel: str, month: Any, amount: Any, *,
             wait_seconds: float = 5.0) -> CostRow:
    """Enter (or replace) what acquiring customers through `channel` cost in `month`, and record
    it in the audit in the same transaction (action `channel_cost`, with the amount it replaced).
    Only a viewer allowed `set_costs` may (an admin). Zero is a cost too (a free channel)."""
    if not viewer.can("set_costs"):
        raise ChannelCostError("cost_refused", role=viewer.role)
    row = (_channel(channel), month_of(month), _amount(amount))
    with schema.writing(db_path, wait_seconds=wait_seconds, data_changed=False, create=False) as con:
        before = con.execute("SELECT amount FROM channel_costs WHERE channel = $channel AND month = $month",
                             {"channel": row[0], "month": row[1]}).fetchall()
        con.execute("DELETE FROM channel_costs WHERE channel = $channel AND month = $month",
                    {"channel": row[0], "month": row[1]})
        con.execute("INSERT INTO channel_costs VALUES ($channel, $month, $amount, current_timestamp, $who)",
                    {"channel": row[0], "month": row[1], "amount": row[2], "who": viewer.name})
        audit.record(con, viewer, "channel_cost", {
            "channel": row[0], "month": row[1].strftime("%Y-%m"), "amount": str(row[2]),
            "replaced": str(before[0][0]) if before else None})
    return row


def delete_cost(db_path: str | os.PathLike, viewer: Viewer, channel: str, month: Any, *,
                wait_seconds: float = 5.0) -> bool:
    """Remove the cost of `channel` in `month` (audited); whether there was one."""
    if not viewer.can("set_costs"):
        raise ChannelCostError("cost_refused", role=viewer.role)
    channel, first = _channel(channel), month_of(month)
    with schema.writing(db_path, wait_seconds=wait_seconds, data_changed=False, create=False) as con:
        before = con.execute("SELECT amount FROM channel_costs WHERE channel = $channel AND month = $month",
                             {"channel": channel, "month": first}).fetchall()
        if not before:
            return False
        con.execute("DELETE FROM channel_costs WHERE channel = $channel AND month = $month",
                    {"channel": channel, "month": first})
        audit.record(con, viewer, "channel_cost", {"channel": channel, "month": first.strftime("%Y-%m"),
                                                   "amount": None, "replaced": str(before[0][0])})
    return True


def read_costs(db_path: str | os.PathLike, *, wait_seconds: float = 5.0) -> tuple[CostRow, ...]:
    """Every cost entered, by channel and month (none in a file from before the table existed)."""
    with schema.reading(db_path, wait_seconds=wait_seconds) as con:
        if not schema.has_table(con, "channel_costs"):
            return ()
        rows = con.execute("SELECT channel, month, amount FROM channel_costs ORDER BY channel, month").fetchall()
    return tuple((channel, month, Decimal(amount)) for channel, month, amount in rows)


# ---------------------------------------------------------------------------------------------
# Per-channel economics


def first_loyal_sql(thresholds: Thresholds, as_of_param: str = "as_of") -> tuple[str, Params]:
    """Customers who reached loyal by `$as_of`: cid, loyal_day (the first day their tier was
    loyal), first_day (their first order). Within a loyal row, last_day - tenure is the first
    order day."""
    rank, params = tier_rank_sql(thresholds)
    return f"""
        SELECT cid, min(valid_from) AS loyal_day, min(CAST(last_day - tenure AS DATE)) AS first_day
        FROM state
        WHERE valid_from <= ${as_of_param} AND {rank} = {RANK['loyal']}
        GROUP BY cid
    """, {**params, as_of_param: None}


def economics_sql(thresholds: Thresholds, scope: Scope | None, as_of: dt.date) -> tuple[str, Params]:
    """Per channel and month of acquisition (`acquired_month`, the first day of the month of
    the customer's created_at, else first activity; NULL when neither is known): acquired,
    second_order, reached_loyal, and the sum and count of the days to loyal. Columns: channel,
    acquired_month, acquired, second_order, reached_loyal."""
    tiers, params = tier_at_sql(thresholds, scope, as_of)
    loyal, loyal_params = first_loyal_sql(thresholds)
    return f"""
        SELECT c.channel, date_trunc('month', coalesce(c.exists_from, c.first_activity)) AS acquired_month,
               count(*) AS acquired,
               count(*) FILTER (WHERE t.f >= 2) AS second_order,
               count(r.cid) AS reached_loyal
        FROM ({tiers}) t JOIN cust c USING (cid) LEFT JOIN ({loyal}) r USING (cid)
        GROUP BY c.channel, acquired_month
    """, {**loyal_params, **params}


def days_to_loyal_sql(thresholds: Thresholds, scope: Scope | None, as_of: dt.date) -> tuple[str, Params]:
    """Per channel, the median days from the first order to the first loyal day, over the
    customers existing at `$as_of` who reached loyal by then. Columns: channel, median_days."""
    tiers, params = tier_at_sql(thresholds, scope, as_of)
    loyal, loyal_params = first_loyal_sql(thresholds)
    return f"""
        SELECT c.channel, median(CAST(r.loyal_day - r.first_day AS DOUBLE)) AS median_days
        FROM ({tiers}) t JOIN cust c USING (cid) JOIN ({loyal}) r USING (cid)
        GROUP BY c.channel
    """, {**loyal_params, **params}


def costs_apply(analysis: Analysis, scope: Scope | None) -> bool:
    """Whether cost figures mean something here: the company's analysis (not a staff user's)
    under a scope that narrows at most the channels."""
    if getattr(analysis, "staff", None) is not None:
        return False
    return scope is None or set(scope.active_kinds()) <= {"channel"}


def _key(channel: Any) -> str:
    """A merge key that also matches the unknown channel (None) with itself."""
    return "\x00unknown" if channel is None or (not isinstance(channel, str) and pd.isna(channel)) else channel


def _per(cost: Any, count: Any) -> float | None:
    if cost is None or count is None or pd.isna(cost) or int(count) == 0:
        return None
    return round(float(cost) / int(count), 2)


def channel_economics(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    as_of: Any = None,
    scope: Scope | None = None,
    costs: Iterable[CostRow] = (),
) -> pd.DataFrame:
    """Per channel: the funnel, the days to loyal, and what each step cost (module docstring).
    Columns: `ECONOMICS_COLUMNS`. One row per channel with customers, plus one per channel
    that has costs but no customer (acquired 0). Largest channel first, then by name."""
    thresholds = thresholds_or_default(thresholds)
    day = analysis.resolve_as_of(as_of)
    base = channel_conversion(analysis, thresholds, as_of=day, scope=scope)
    monthly = analysis.df(*_with_as_of(economics_sql(thresholds, scope, day), day))
    medians = analysis.df(*_with_as_of(days_to_loyal_sql(thresholds, scope, day), day))
    last_month = day.replace(day=1)
    cost_rows = [(channel, month, amount) for channel, month, amount in costs if month <= last_month]
    if scope is not None and scope.channel:
        cost_rows = [row for row in cost_rows if row[0] in scope.channel]
    apply = costs_apply(analysis, scope)
    base = base.assign(key=pd.Series([_key(c) for c in base["channel"]], index=base.index, dtype=object))
    channels = list(base["channel"])
    if apply:
        known = set(base["key"])
        channels += sorted({row[0] for row in cost_rows if row[0] not in known})
    rows = []
    for channel in channels:
        key = _key(channel)
        mine = monthly[[_key(c) == key for c in monthly["channel"]]] if not monthly.empty else monthly
        spent = [(month, amount) for name, month, amount in cost_rows if name == channel]
        months = {month for month, _ in spent}
        costed = mine[[pd.notna(m) and pd.Timestamp(m).date() in months for m in mine["acquired_month"]]] \
            if not mine.empty else mine
        median = medians.loc[[_key(c) == key for c in medians["channel"]], "median_days"] if not medians.empty else []
        cost = float(sum(amount for _, amount in spent)) if apply and spent else None
        counts = {name: int(costed[name].sum()) if len(costed) else 0
                  for name in ("acquired", "second_order", "reached_loyal")}
        reached = int(mine["reached_loyal"].sum()) if len(mine) else 0
        rows.append({
            "key": key,
            "reached_loyal": reached,
            "median_days_to_loyal": round(float(median.iloc[0]), 1) if len(median) and pd.notna(median.iloc[0]) else None,
            "cost": cost,
            "cost_months": len(months) if apply and spent else None,
            "cost_acquired": counts["acquired"] if cost is not None else None,
            "cost_repeat": counts["second_order"] if cost is not None else None,
            "cost_loyal": counts["reached_loyal"] if cost is not None else None,
            "cost_per_acquired": _per(cost, counts["acquired"]),
            "cost_per_repeat": _per(cost, counts["second_order"]),
            "cost_per_loyal": _per(cost, counts["reached_loyal"]),
        })
    extra = pd.DataFrame(rows, columns=["key", *ECONOMICS_COLUMNS[9:]]).astype({"key": object})
    extra = extra.drop(columns=["reached_loyal_share"], errors="ignore")
    frame = pd.DataFrame({"channel": pd.Series(channels, dtype=object),
                          "key": pd.Series([_key(c) for c in channels], dtype=object)})
    frame = frame.merge(base.drop(columns=["channel"]), on="key", how="left").merge(extra, on="key", how="left")
    for column in ("acquired", "first_order", "second_order", "loyal"):
        frame[column] = frame[column].fillna(0).astype(int)
    frame["amount"] = frame["amount"].fillna(0.0)
    frame["reached_loyal"] = frame["reached_loyal"].fillna(0)
    frame["reached_loyal_share"] = [r / a if a else None for r, a in zip(frame["reached_loyal"], frame["acquired"])]
    frame["channel"] = _objects(frame["channel"], lambda value: value)
    for column in ("second_order_share", "loyal_share", "amount_per_customer"):
        frame[column] = _objects(frame[column].where(frame["acquired"] > 0), float)
    counts = ("reached_loyal", "cost_months", "cost_acquired", "cost_repeat", "cost_loyal")
    for column in ECONOMICS_COLUMNS[9:]:
        frame[column] = _objects(frame[column], int if column in counts else float)
    frame = frame.sort_values(["acquired", "channel"], ascending=[False, True], na_position="last")
    return frame[list(ECONOMICS_COLUMNS)].reset_index(drop=True)


def _objects(column: pd.Series, kind) -> pd.Series:
    """The column as Python values (`kind`), None where missing: empty cells, never NaN."""
    return pd.Series([None if value is None or (not isinstance(value, str) and pd.isna(value)) else kind(value)
                      for value in column], index=column.index, dtype=object)


def _with_as_of(built: tuple[str, Params], day: dt.date) -> tuple[str, Params]:
    sql, params = built
    return sql, {**params, "as_of": day}


def funnel_rows(economics: pd.DataFrame) -> pd.DataFrame:
    """The funnel per channel as rows for a chart: channel, step (acquired, second_order,
    reached_loyal), customers, share (of acquired). Aggregated rows only."""
    rows = []
    for record in economics.itertuples(index=False):
        for step in ("acquired", "second_order", "reached_loyal"):
            count = int(getattr(record, step))
            rows.append({"channel": record.channel, "step": step, "customers": count,
                         "share": count / record.acquired if record.acquired else None})
    return pd.DataFrame(rows, columns=["channel", "step", "customers", "share"])


def costs_frame(costs: Sequence[CostRow]) -> pd.DataFrame:
    """The costs entered, for a table: channel, month (YYYY-MM), amount."""
    return pd.DataFrame([(c, m.strftime("%Y-%m"), float(a)) for c, m, a in costs], columns=["channel", "month", "amount"])
