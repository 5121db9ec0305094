"""The tier rules of `docs/tiers.md` as SQL fragments, written once and used by every query.

Each builder returns `(sql, params)`: the SQL text names its values as `$parameters` and the
dict holds exactly those values, so a caller merges the dicts of the fragments it combines and
never re-assembles or trims parameters. Ranks and codes come from `tiers.py`.

The fragments read the threshold-free tables `Analysis` builds (`state`, `cust`): a `state` row
holds a customer's cumulative F, M (cents), last order day and tenure from `valid_from` until
`valid_to`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from .periods import HIGH_DATE, LOW_DATE
from .scope import ALL_CUSTOMERS, Scope
from .thresholds import DEFAULT_THRESHOLDS, Thresholds
from .tiers import MOVEMENTS, RANK, TIER_STATUS_KEYS, TIERS, code_of

Params = dict[str, Any]


def threshold_params(thresholds: Thresholds) -> Params:
    """Every threshold as a parameter, for the fragments below to pick from."""
    return {
        "value_axis": thresholds.value_axis,
        "min_orders": thresholds.min_orders,
        "min_amount_cents": thresholds.min_amount_cents or 0,
        "min_tenure_days": thresholds.min_tenure_days,
        "lapse_days": thresholds.lapse_days,
        "overdue_factor": thresholds.overdue_factor,
        "due_window_days": thresholds.due_window_days,
    }


def pick(params: Params, *names: str) -> Params:
    return {name: params[name] for name in names}


def tier_rank_sql(thresholds: Thresholds, prefix: str = "") -> tuple[str, Params]:
    """The tier rank of a state row: prospect with F = 0, first-time with F = 1, and from two
    orders on by "high" (F >= min_orders on the orders axis, M >= min_amount on the amount
    axis) and "long" (tenure >= min_tenure_days): nascent, steady, trend, loyal. `prefix` names
    another set of the same columns (`prev_f`, ...)."""
    f, m, t = f"{prefix}f", f"{prefix}m_cents", f"{prefix}tenure"
    sql = f"""CASE
        WHEN {f} = 0 THEN {RANK['prospect']}
        WHEN {f} = 1 THEN {RANK['first']}
        WHEN (CASE WHEN $value_axis = 'orders' THEN {f} >= $min_orders ELSE {m} >= $min_amount_cents END)
            THEN CASE WHEN {t} >= $min_tenure_days THEN {RANK['loyal']} ELSE {RANK['trend']} END
        ELSE CASE WHEN {t} >= $min_tenure_days THEN {RANK['steady']} ELSE {RANK['nascent']} END
    END"""
    return sql, pick(threshold_params(thresholds), "value_axis", "min_orders", "min_amount_cents", "min_tenure_days")


def tier_code_sql(rank_column: str) -> str:
    """SQL turning a rank column into the tier code."""
    return f"CASE {rank_column} " + " ".join(f"WHEN {t.rank} THEN '{t.code}'" for t in TIERS) + " END"


def tier_status_values_sql() -> str:
    """Every (tier rank, lapsed 0/1) as a VALUES list: the grid counts over time fill in."""
    return "VALUES " + ", ".join(f"({rank}, {int(bool(lapsed))})" for rank, lapsed in TIER_STATUS_KEYS)


def tier_at_sql(thresholds: Thresholds, scope: Scope | None, day: dt.date, day_param: str = "as_of") -> tuple[str, Params]:
    """Every customer that exists at `day` (as `$<day_param>`), with its tier rank and status.

    Columns: cid, tier (rank), lapsed (NULL for prospects), f, m_cents, first_day, last_day,
    tenure, f_campaign (orders that used a campaign code). A customer exists from its
    `created_at` (or always, when unknown) or from its first order, whichever is earlier; a
    refund alone does not make a customer exist. Lapsed: more than lapse_days since the last
    order.
    """
    rank, rank_params = tier_rank_sql(thresholds)
    where, scope_params = scope_sql(scope)
    d = f"${day_param}"
    sql = f"""
        SELECT cid, {rank} AS tier,
               CASE WHEN f = 0 THEN NULL ELSE ({d} - last_day) > $lapse_days END AS lapsed,
               f, m_cents, CAST(last_day - tenure AS DATE) AS first_day, last_day, tenure, f_campaign
        FROM state
        WHERE valid_from <= {d} AND valid_to > {d} AND {where}
        UNION ALL
        SELECT cid, {RANK['prospect']}, NULL, 0, 0, NULL, NULL, NULL, 0
        FROM cust
        WHERE coalesce(exists_from, DATE '{LOW_DATE}') <= {d}
          AND coalesce(first_activity, DATE '{HIGH_DATE}') > {d} AND {where}
    """
    return sql, {**rank_params, **scope_params, "lapse_days": thresholds.lapse_days, day_param: day}


def scope_sql(scope: Scope | None) -> tuple[str, Params]:
    """The scope's predicate on `cid` and its parameters (`TRUE` for all customers)."""
    return (scope or ALL_CUSTOMERS).sql()


def thresholds_or_default(thresholds: Thresholds | None) -> Thresholds:
    return DEFAULT_THRESHOLDS if thresholds is None else thresholds


def ranks_to_codes(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Replace tier ranks by tier codes in the named columns (missing ranks stay None)."""
    for column in columns:
        frame[column] = pd.Series([None if pd.isna(rank) else code_of(rank) for rank in frame[column]],
                                  index=frame.index, dtype=object)
    return frame


def nullable_bools(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Columns of True/False/None as Python objects (a prospect's status is None)."""
    for column in columns:
        frame[column] = frame[column].astype("object").where(frame[column].notna(), None)
    return frame


_MOVEMENT_ORDER = {movement: index for index, movement in enumerate(MOVEMENTS)}


def display_order(column: pd.Series) -> pd.Series:
    """A `sort_values` key that puts rows in the order pages and files show them: tier columns
    (`tier`, `from_tier`, `to_tier`) from new/none to loyal, status columns (`lapsed`, ...) as
    none, active, lapsed, `movement` in chart order; other columns as they are."""
    name = str(column.name)
    if name.endswith("tier"):
        return column.map(lambda code: -1 if not isinstance(code, str) or code == "new" else RANK[code])
    if name.endswith("lapsed"):
        return column.map(lambda lapsed: -1 if lapsed is None or pd.isna(lapsed) else int(bool(lapsed)))
    if name == "movement":
        return column.map(_MOVEMENT_ORDER)
    return column
