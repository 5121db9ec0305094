"""Answers over time: customers per tier at every period end (the 推移グラフ), revenue per
period, who moved between tiers and how, the matrix between two dates, and cohort retention.

Counts over time never classify every customer at every period end: each state row
contributes +1 at the period its (active or lapsed) interval starts and -1 where it ends, and a
running sum gives every period (see `tier_counts_over_time_sql`). The threshold-free tables
these read (`span_<freq>`, `act_<freq>`, ...) are described in `period_tables.py`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from .analysis import Analysis
from .errors import DateError
from .periods import HIGH_DATE, LOW_DATE, PeriodRange, index_sql, period_end, period_range, to_date
from .rules import (
    Params,
    display_order,
    nullable_bools,
    ranks_to_codes,
    scope_sql,
    thresholds_or_default,
    tier_at_sql,
    tier_rank_sql,
    tier_status_values_sql,
)
from .scope import Scope
from .thresholds import Thresholds
from .tiers import RANK, TIER_STATUS_KEYS


def _period_params(periods: PeriodRange) -> Params:
    return {"start_i": periods.start_index, "end_i": periods.end_index}


def _lapse_index_sql(freq: str) -> str:
    """The period index of a state row's lapse day (last order day + lapse_days + 1)."""
    return index_sql(freq, "last_day + CAST($lapse_days + 1 AS INTEGER)")


# ---------------------------------------------------------------------------------------------
# Customers per tier at every period end


def tier_counts_over_time_sql(thresholds: Thresholds, scope: Scope | None, periods: PeriodRange,
                              aggregated: bool = False) -> tuple[str, Params]:
    """Customers per tier and status at every period end from `$start_i` to `$end_i`.

    Each state row is active over [valid_from, min(valid_to, lapse day)) and lapsed over
    [lapse day, valid_to), where lapse day = last_day + lapse_days + 1. A period end P_j lies in
    a day interval [x, y) exactly when index(x) <= j < index(y), so every interval becomes +n at
    one index and -n at another, and a running sum over the indexes gives the counts.
    Prospects come from `cust` ([exists_from, first_activity)) and from state rows with F = 0.
    With `aggregated` (orders axis, no scope) the same rows come pre-grouped from
    `spanagg_<freq>` and `prospects_<freq>`, with their multiplicity in `n`.
    Columns: i, tier (rank), lapsed (0/1), customers.
    """
    freq = periods.freq
    rank, rank_params = tier_rank_sql(thresholds)
    where, where_params = scope_sql(scope)
    if aggregated:
        rows, weight = f"(SELECT *, 0 AS m_cents FROM spanagg_{freq})", "sum(n)"
        prospects, prospect_weight = f"prospects_{freq}", "sum(n)"
        prospect_a, prospect_e = "a_i", "e_i"
    else:
        rows, weight = f"span_{freq}", "count(*)"
        prospects, prospect_weight = "cust", "count(*)"
        prospect_a = index_sql(freq, f"coalesce(exists_from, DATE '{LOW_DATE}')")
        prospect_e = index_sql(freq, f"coalesce(first_activity, DATE '{HIGH_DATE}')")
    prospect = RANK["prospect"]
    # Clamping every index into [start_i, end_i + 1] keeps the grouping keys small, so DuckDB
    # aggregates with a perfect hash. The events below carry a zero weight instead of a WHERE:
    # a filter there would be pushed down and evaluated on the millions of rows.
    sql = f"""
        WITH g AS (
            SELECT {rank} AS tier,
                   least(greatest(a_i, $start_i), $end_i + 1) AS a_i,
                   least(greatest(e_i, $start_i), $end_i + 1) AS e_i,
                   least(greatest(CASE WHEN f = 0 THEN e_i ELSE CAST({_lapse_index_sql(freq)} AS INTEGER) END, $start_i),
                         $end_i + 1) AS l_i,
                   {weight} AS n
            FROM {rows}
            WHERE {where}
            GROUP BY ALL
        ),
        p AS (
            SELECT least(greatest(CAST({prospect_a} AS INTEGER), $start_i), $end_i + 1) AS a_i,
                   least(greatest(CAST({prospect_e} AS INTEGER), $start_i), $end_i + 1) AS e_i,
                   {prospect_weight} AS n
            FROM {prospects} WHERE {where}
            GROUP BY ALL
        ),
        ev AS (
            SELECT tier, 0 AS lapsed, a_i AS i, n * CAST(a_i < least(e_i, l_i) AS INTEGER) AS d FROM g
            UNION ALL SELECT tier, 0, least(e_i, l_i), -n * CAST(a_i < least(e_i, l_i) AS INTEGER) FROM g
            UNION ALL SELECT tier, 1, greatest(a_i, l_i), n * CAST(greatest(a_i, l_i) < e_i AS INTEGER) FROM g
            UNION ALL SELECT tier, 1, e_i, -n * CAST(greatest(a_i, l_i) < e_i AS INTEGER) FROM g
            UNION ALL SELECT {prospect}, 0, a_i, n * CAST(a_i < e_i AS INTEGER) FROM p
            UNION ALL SELECT {prospect}, 0, e_i, -n * CAST(a_i < e_i AS INTEGER) FROM p
        ),
        delta AS (SELECT i, tier, lapsed, sum(d) AS d FROM ev GROUP BY ALL),
        keys AS (SELECT * FROM ({tier_status_values_sql()}) k(tier, lapsed)),
        grid AS (SELECT CAST(r.i AS INTEGER) AS i, k.tier, k.lapsed FROM range($start_i, $end_i + 1) r(i), keys k)
        SELECT grid.i, grid.tier, grid.lapsed,
               CAST(sum(coalesce(delta.d, 0)) OVER (
                   PARTITION BY grid.tier, grid.lapsed ORDER BY grid.i ROWS UNBOUNDED PRECEDING
               ) AS BIGINT) AS customers
        FROM grid LEFT JOIN delta USING (i, tier, lapsed)
    """
    return sql, {**rank_params, **where_params, "lapse_days": thresholds.lapse_days, **_period_params(periods)}


def _over_time_frame(rows: pd.DataFrame, periods: PeriodRange, value: str) -> pd.DataFrame:
    """Rows of (i, tier rank, lapsed 0/1, value) as (period_end, tier, lapsed, value), in the
    order period, tier, status (prospects, then active, then lapsed)."""
    ends = {i: period_end(i, periods.freq) for i in range(periods.start_index, periods.end_index + 1)}
    rows = rows.copy()
    rows["period_end"] = rows["i"].map(ends)
    rows["lapsed"] = [None if t == RANK["prospect"] else bool(s) for t, s in zip(rows["tier"], rows["lapsed"])]
    rows["lapsed"] = rows["lapsed"].astype("object")
    ranks_to_codes(rows, "tier")
    rows = rows.sort_values(["i", "tier", "lapsed"], key=display_order)
    return rows[["period_end", "tier", "lapsed", value]].reset_index(drop=True)


def tier_counts_over_time(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    freq: str = "month",
    start: Any = None,
    end: Any = None,
    scope: Scope | None = None,
) -> pd.DataFrame:
    """Customers per tier and status at every period end. Columns: period_end, tier, lapsed,
    customers; every tier and status appears at every period end."""
    thresholds = thresholds_or_default(thresholds)
    periods = period_range(analysis, freq, start, end)
    if not len(periods):
        return pd.DataFrame(columns=["period_end", "tier", "lapsed", "customers"])
    analysis.ensure(f"span_{freq}")
    aggregated = thresholds.value_axis == "orders" and (scope is None or scope.is_empty())
    sql, params = tier_counts_over_time_sql(thresholds, scope, periods, aggregated=aggregated)
    return _over_time_frame(analysis.df(sql, params), periods, "customers")


# ---------------------------------------------------------------------------------------------
# Revenue per period


def revenue_over_time_sql(thresholds: Thresholds, scope: Scope | None, periods: PeriodRange) -> tuple[str, Params]:
    """Revenue (order amounts, refunds included) of each period, by the tier and status each
    customer has at the period's end. Columns: i, tier (rank), lapsed (0/1), cents."""
    rank, rank_params = tier_rank_sql(thresholds)
    where, where_params = scope_sql(scope)
    sql = f"""
        SELECT i, {rank} AS tier,
               CAST(CASE WHEN f = 0 THEN 0 ELSE (period_end - last_day) > $lapse_days END AS INTEGER) AS lapsed,
               CAST(sum(cents) AS BIGINT) AS cents
        FROM act_{periods.freq}
        WHERE i BETWEEN $start_i AND $end_i AND {where}
        GROUP BY ALL
    """
    return sql, {**rank_params, **where_params, "lapse_days": thresholds.lapse_days, **_period_params(periods)}


def revenue_over_time(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    freq: str = "month",
    start: Any = None,
    end: Any = None,
    scope: Scope | None = None,
) -> pd.DataFrame:
    """Revenue of every period by tier and status at the period's end. Columns: period_end,
    tier, lapsed, revenue; every tier and status appears at every period end."""
    thresholds = thresholds_or_default(thresholds)
    periods = period_range(analysis, freq, start, end)
    if not len(periods):
        return pd.DataFrame(columns=["period_end", "tier", "lapsed", "revenue"])
    analysis.ensure(f"act_{freq}")
    sql, params = revenue_over_time_sql(thresholds, scope, periods)
    found = {(i, t, s): cents for i, t, s, cents in analysis.fetchall(sql, params)}
    records = []
    for i in range(periods.start_index, periods.end_index + 1):
        for rank, lapsed in TIER_STATUS_KEYS:
            records.append({"i": i, "tier": rank, "lapsed": int(bool(lapsed)),
                            "revenue": found.get((i, rank, int(bool(lapsed))), 0) / 100})
    return _over_time_frame(pd.DataFrame.from_records(records), periods, "revenue")


# ---------------------------------------------------------------------------------------------
# Moves between tiers


def movements_sql(thresholds: Thresholds, scope: Scope | None, periods: PeriodRange) -> tuple[str, Params]:
    """Who moved between the end of period i-1 and the end of period i, for i in
    [`$start_i`, `$end_i`], and how.

    A customer's tier and status change only on an activity day or on its lapse day, so the
    moves are: (1) customers with activity in period i, compared with their state at the end
    of the previous period; (2) customers without activity whose lapse day falls in period i;
    (3) prospects created in period i. Columns: i, from_tier, from_lapsed, to_tier, to_lapsed,
    customers (from_tier NULL means the customer did not exist yet).
    """
    freq = periods.freq
    to_rank, rank_params = tier_rank_sql(thresholds)
    from_rank, _ = tier_rank_sql(thresholds, "prev_")
    where, where_params = scope_sql(scope)
    created, first = index_sql(freq, "created_on"), index_sql(freq, "first_activity")
    sql = f"""
        WITH a AS (
            SELECT i,
                   CASE WHEN prev_f IS NOT NULL THEN {from_rank}
                        WHEN existed_before THEN {RANK['prospect']} END AS from_tier,
                   CASE WHEN prev_f IS NULL OR prev_f = 0 THEN NULL
                        ELSE (previous_end - prev_last_day) > $lapse_days END AS from_lapsed,
                   {to_rank} AS to_tier,
                   CASE WHEN f = 0 THEN NULL ELSE (period_end - last_day) > $lapse_days END AS to_lapsed
            FROM act_{freq}
            WHERE i BETWEEN $start_i AND $end_i AND {where}
        ),
        l AS (
            SELECT CAST({_lapse_index_sql(freq)} AS INTEGER) AS i, {to_rank} AS tier, a_i, e_i
            FROM span_{freq}
            WHERE f > 0 AND e_i > $start_i AND a_i <= $end_i AND {where}
        ),
        moves AS (
            SELECT i, from_tier, from_lapsed, to_tier, to_lapsed, count(*) AS customers
            FROM a
            WHERE from_tier IS DISTINCT FROM to_tier OR from_lapsed IS DISTINCT FROM to_lapsed
            GROUP BY ALL
            UNION ALL
            SELECT i, tier, false, tier, true, count(*)
            FROM l WHERE a_i < i AND i < e_i AND i BETWEEN $start_i AND $end_i
            GROUP BY ALL
            UNION ALL
            SELECT CAST({created} AS INTEGER) AS i, NULL, NULL, {RANK['prospect']}, NULL, count(*)
            FROM cust
            WHERE created_on IS NOT NULL
              AND {created} BETWEEN $start_i AND $end_i
              AND (first_activity IS NULL OR {first} > {created})
              AND {where}
            GROUP BY ALL
        )
        SELECT i, from_tier, from_lapsed, to_tier, to_lapsed, CAST(sum(customers) AS BIGINT) AS customers
        FROM moves GROUP BY ALL
    """
    return sql, {**rank_params, **where_params, "lapse_days": thresholds.lapse_days, **_period_params(periods)}


def movement_kind(from_tier: str | None, from_lapsed: bool | None, to_tier: str, to_lapsed: bool | None) -> str:
    """new (did not exist), reactivated (lapsed -> active), lapsed (active -> lapsed), else
    promoted or demoted by tier order (prospect < first < nascent < steady < trend < loyal)."""
    if from_tier is None:
        return "new"
    if from_lapsed and not to_lapsed:
        return "reactivated"
    if to_lapsed and not from_lapsed:
        return "lapsed"
    return "promoted" if RANK[to_tier] > RANK[from_tier] else "demoted"


def movements_over_time(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    freq: str = "month",
    start: Any = None,
    end: Any = None,
    scope: Scope | None = None,
) -> pd.DataFrame:
    """The moves behind each change of the counts. Columns: period_end, movement, from_tier,
    from_lapsed, to_tier, to_lapsed, customers (only moves that happened), in the order period,
    to, from."""
    thresholds = thresholds_or_default(thresholds)
    periods = period_range(analysis, freq, start, end)
    columns = ["period_end", "movement", "from_tier", "from_lapsed", "to_tier", "to_lapsed", "customers"]
    if not len(periods):
        return pd.DataFrame(columns=columns)
    analysis.ensure(f"act_{freq}")
    sql, params = movements_sql(thresholds, scope, periods)
    frame = analysis.df(sql, params)
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["period_end"] = frame["i"].map(lambda i: period_end(int(i), freq))
    ranks_to_codes(frame, "from_tier", "to_tier")
    nullable_bools(frame, "from_lapsed", "to_lapsed")
    frame["movement"] = [
        movement_kind(a, b, c, d)
        for a, b, c, d in zip(frame["from_tier"], frame["from_lapsed"], frame["to_tier"], frame["to_lapsed"])
    ]
    frame = frame.sort_values(["period_end", "to_tier", "to_lapsed", "from_tier", "from_lapsed"], key=display_order)
    return frame[columns].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Transitions between two dates


def transitions_sql(thresholds: Thresholds, scope: Scope | None, date_from: dt.date,
                    date_to: dt.date) -> tuple[str, Params]:
    """Customers by (tier and status at `$date_from`) x (tier and status at `$date_to`);
    customers that did not exist at the first date come from `new`.
    Columns: from_tier (rank or NULL), from_lapsed, to_tier, to_lapsed, customers."""
    before, before_params = tier_at_sql(thresholds, scope, date_from, "date_from")
    after, after_params = tier_at_sql(thresholds, scope, date_to, "date_to")
    sql = f"""
        WITH a AS ({before}),
             b AS ({after})
        SELECT a.tier AS from_tier, a.lapsed AS from_lapsed, b.tier AS to_tier, b.lapsed AS to_lapsed,
               count(*) AS customers
        FROM b LEFT JOIN a USING (cid)
        GROUP BY ALL
    """
    return sql, {**before_params, **after_params}


def transitions(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    date_from: Any = None,
    date_to: Any = None,
    scope: Scope | None = None,
) -> pd.DataFrame:
    """Columns: from_tier ('new' for customers that did not exist at `date_from`), from_lapsed,
    to_tier, to_lapsed, customers. `date_to` defaults to the latest order date and `date_from`
    to one year before it."""
    date_to = analysis.resolve_as_of(date_to)
    date_from = (date_to - dt.timedelta(days=365)) if date_from is None else to_date(date_from, "from")
    if date_from > date_to:
        raise DateError(f"The first date {date_from} is after the second date {date_to}.")
    sql, params = transitions_sql(thresholds_or_default(thresholds), scope, date_from, date_to)
    frame = analysis.df(sql, params)
    columns = ["from_tier", "from_lapsed", "to_tier", "to_lapsed", "customers"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    ranks_to_codes(frame, "from_tier", "to_tier")
    frame["from_tier"] = frame["from_tier"].fillna("new")
    nullable_bools(frame, "from_lapsed", "to_lapsed")
    frame = frame.sort_values(["from_tier", "from_lapsed", "to_tier", "to_lapsed"], key=display_order)
    return frame[columns].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Cohorts


def cohort_retention_sql(scope: Scope | None, as_of: dt.date, first_cohort: dt.date) -> tuple[str, Params]:
    """Customers by month of first order (cohort) and how many ordered again k months later.

    Columns: cohort (first day of the month), months_since (0 = the first month), customers.
    """
    where, where_params = scope_sql(scope)
    sql = f"""
        WITH rows AS (
            SELECT cid, valid_from, f, lag(f, 1, 0) OVER (PARTITION BY cid ORDER BY valid_from) AS prev_f
            FROM state WHERE valid_from <= $as_of AND {where}
        ),
        firsts AS (
            SELECT cid, date_trunc('month', min(valid_from)) AS cohort FROM rows WHERE f > prev_f GROUP BY cid
        ),
        active AS (
            SELECT DISTINCT cid, date_trunc('month', valid_from) AS month FROM rows WHERE f > prev_f
        )
        SELECT CAST(f.cohort AS DATE) AS cohort,
               CAST(datediff('month', f.cohort, a.month) AS INTEGER) AS months_since,
               count(*) AS customers
        FROM firsts f JOIN active a USING (cid)
        WHERE f.cohort >= $first_cohort
        GROUP BY ALL
    """
    return sql, {**where_params, "as_of": as_of, "first_cohort": first_cohort}


def cohort_retention(
    analysis: Analysis,
    as_of: Any = None,
    scope: Scope | None = None,
    cohorts: int = 24,
) -> pd.DataFrame:
    """For the last `cohorts` months of first orders: the share of each cohort that ordered in
    each later month. Columns: cohort, months_since, customers, cohort_size, share."""
    as_of = analysis.resolve_as_of(as_of)
    first_cohort = dt.date(as_of.year, as_of.month, 1)
    for _ in range(cohorts - 1):
        first_cohort = (first_cohort - dt.timedelta(days=1)).replace(day=1)
    sql, params = cohort_retention_sql(scope, as_of, first_cohort)
    frame = analysis.df(sql, params)
    columns = ["cohort", "months_since", "customers", "cohort_size", "share"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    sizes = frame[frame["months_since"] == 0].set_index("cohort")["customers"]
    frame["cohort_size"] = frame["cohort"].map(sizes)
    frame["share"] = frame["customers"] / frame["cohort_size"]
    return frame.sort_values(["cohort", "months_since"])[columns].reset_index(drop=True)

