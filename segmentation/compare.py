"""Two threshold settings side by side: how many customers each tier and status holds under A and
under B, who goes from which tier under A to which under B, and the list of those who change.

Both classifications are the one rule of `rules.tier_at_sql`, run twice at the same date over the
same scope with each setting's thresholds as its own parameters (`$a_min_orders`,
`$b_min_orders`, ...), and joined per customer: the matrix is, by construction, classifying
twice. The list of the customers who move from one cell to another is the customer list of
`customers.py` (columns, sorting, paging, profiles) narrowed to them, with their tier and status
under B, so the page's table and its export are made like every other list.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Iterator

import pandas as pd

from .analysis import Analysis
from .customers import LIST_COLUMNS, counted_page, ensure_list_tables, iter_chunks, list_sql, page_sql
from .errors import SegmentationError
from .filters import CustomerFilters
from .rules import Params, display_order, nullable_bools, ranks_to_codes, thresholds_or_default, tier_at_sql
from .scope import Scope
from .thresholds import Thresholds
from .tiers import RANK, TIER_CODES, TIER_STATUS_KEYS, code_of

__all__ = ["MATRIX_COLUMNS", "COUNT_COLUMNS", "CompareError", "Move", "changers", "changers_sql", "compare",
           "compare_counts", "compare_sql", "iter_changers", "moves", "pairs_sql"]

#: The matrix's columns (the CLI's rows are these, in this order).
MATRIX_COLUMNS = ["tier_a", "lapsed_a", "tier_b", "lapsed_b", "customers"]
#: Per tier and status: the customers under each setting and B minus A.
COUNT_COLUMNS = ["tier", "lapsed", "customers_a", "customers_b", "difference"]

#: The parameters of the tier rule that differ between the two settings.
_THRESHOLD_PARAMS = ("value_axis", "min_orders", "min_amount_cents", "min_tenure_days", "lapse_days")


class CompareError(SegmentationError, ValueError):
    """A comparison was asked with a cell that does not exist."""


def _renamed(sql: str, params: Params, prefix: str) -> tuple[str, Params]:
    """The same fragment with each threshold parameter `$name` renamed `$<prefix>name`, so two
    settings' fragments combine in one statement; the date and scope parameters stay shared."""
    names = [name for name in _THRESHOLD_PARAMS if name in params]
    pattern = re.compile(r"\$(" + "|".join(names) + r")\b")
    renamed = pattern.sub(lambda match: f"${prefix}{match.group(1)}", sql)
    return renamed, {(f"{prefix}{k}" if k in names else k): v for k, v in params.items()}


def pairs_sql(a: Thresholds, b: Thresholds, scope: Scope | None, as_of: dt.date) -> tuple[str, Params]:
    """Every customer existing at `$as_of` in the scope, with its tier (rank) and status under A
    and under B. Columns: cid, tier_a, lapsed_a, tier_b, lapsed_b (lapsed NULL for prospects)."""
    under_a, params_a = _renamed(*tier_at_sql(a, scope, as_of), "a_")
    under_b, params_b = _renamed(*tier_at_sql(b, scope, as_of), "b_")
    sql = f"""
        WITH a AS ({under_a}),
             b AS ({under_b})
        SELECT cid, a.tier AS tier_a, a.lapsed AS lapsed_a, b.tier AS tier_b, b.lapsed AS lapsed_b
        FROM a JOIN b USING (cid)
    """
    return sql, {**params_a, **params_b}


def compare_sql(a: Thresholds, b: Thresholds, scope: Scope | None, as_of: dt.date) -> tuple[str, Params]:
    """Customers by (tier and status under A) x (tier and status under B) at `$as_of`.
    Columns: tier_a, lapsed_a, tier_b, lapsed_b (ranks; lapsed NULL for prospects), customers."""
    pairs, params = pairs_sql(a, b, scope, as_of)
    sql = f"""
        SELECT tier_a, lapsed_a, tier_b, lapsed_b, count(*) AS customers
        FROM ({pairs})
        GROUP BY tier_a, lapsed_a, tier_b, lapsed_b
    """
    return sql, params


def compare(
    analysis: Analysis,
    a: Thresholds | None = None,
    b: Thresholds | None = None,
    as_of: Any = None,
    scope: Scope | None = None,
) -> pd.DataFrame:
    """The matrix: one row per occupied (tier, status under A) x (tier, status under B), in
    display order (prospect to loyal, none, active, lapsed). Columns: `MATRIX_COLUMNS`."""
    sql, params = compare_sql(thresholds_or_default(a), thresholds_or_default(b), scope,
                              analysis.resolve_as_of(as_of))
    frame = analysis.df(sql, params)
    if frame.empty:
        return pd.DataFrame(columns=MATRIX_COLUMNS)
    ranks_to_codes(frame, "tier_a", "tier_b")
    nullable_bools(frame, "lapsed_a", "lapsed_b")
    frame["customers"] = frame["customers"].astype(int)
    # tier_a / lapsed_a sort as `tier` / `lapsed` do: prospect to loyal, none, active, lapsed
    frame = frame.sort_values(["tier_a", "lapsed_a", "tier_b", "lapsed_b"], kind="mergesort",
                              key=lambda column: display_order(column.rename(str(column.name)[:-2])))
    return frame[MATRIX_COLUMNS].reset_index(drop=True)


def compare_counts(matrix: pd.DataFrame) -> pd.DataFrame:
    """Per tier and status (every one, zero where empty): the customers under A (the matrix's
    row sums), under B (its column sums) and the difference B - A. Columns: `COUNT_COLUMNS`."""
    under_a: dict[tuple[str, bool | None], int] = {}
    under_b: dict[tuple[str, bool | None], int] = {}
    for row in matrix.itertuples(index=False):
        key_a = (row.tier_a, _status(row.lapsed_a))
        key_b = (row.tier_b, _status(row.lapsed_b))
        under_a[key_a] = under_a.get(key_a, 0) + int(row.customers)
        under_b[key_b] = under_b.get(key_b, 0) + int(row.customers)
    records = []
    for rank, lapsed in TIER_STATUS_KEYS:
        key = (code_of(rank), lapsed)
        count_a, count_b = under_a.get(key, 0), under_b.get(key, 0)
        records.append({"tier": key[0], "lapsed": lapsed, "customers_a": count_a, "customers_b": count_b,
                        "difference": count_b - count_a})
    frame = pd.DataFrame.from_records(records, columns=COUNT_COLUMNS)
    frame["lapsed"] = frame["lapsed"].astype(object)
    return frame


def _status(value: Any) -> bool | None:
    return None if value is None or pd.isna(value) else bool(value)


# ---------------------------------------------------------------------------------------------
# Who changes


@dataclass(frozen=True)
class Move:
    """One cell of the matrix: from (tier, status) under A to (tier, status) under B. A
    prospect's status is None; every other tier's is False (active) or True (lapsed)."""

    tier_a: str
    lapsed_a: bool | None
    tier_b: str
    lapsed_b: bool | None

    def __post_init__(self) -> None:
        for tier, lapsed in ((self.tier_a, self.lapsed_a), (self.tier_b, self.lapsed_b)):
            if tier not in TIER_CODES:
                raise CompareError(f"Unknown tier {tier!r}; use one of {', '.join(TIER_CODES)}.")
            if (tier == "prospect") != (lapsed is None):
                raise CompareError(f"A {tier} customer's status must be "
                                   f"{'none' if tier == 'prospect' else 'active or lapsed'}.")

    @property
    def changes(self) -> bool:
        """Whether the cell holds customers whose tier or status differs between A and B."""
        return (self.tier_a, self.lapsed_a) != (self.tier_b, self.lapsed_b)

    def params(self) -> Params:
        return {"move_tier_a": RANK[self.tier_a], "move_lapsed_a": self.lapsed_a,
                "move_tier_b": RANK[self.tier_b], "move_lapsed_b": self.lapsed_b}

    def describe(self, lang: str) -> str:
        """"優良客 現役 → こつこつ客 現役" / "Loyal active → Steady active"."""
        from .texts import status_name, tier_name

        def side(tier: str, lapsed: bool | None) -> str:
            return f"{tier_name(tier, lang)} {status_name(lapsed, lang)}".strip()

        return f"{side(self.tier_a, self.lapsed_a)} → {side(self.tier_b, self.lapsed_b)}"


def moves(matrix: pd.DataFrame) -> list[tuple[Move, int]]:
    """The cells of the matrix whose customers change tier or status, largest first (then in
    display order), with their customers."""
    found = [(Move(row.tier_a, _status(row.lapsed_a), row.tier_b, _status(row.lapsed_b)), int(row.customers))
             for row in matrix.itertuples(index=False)]
    return sorted((pair for pair in found if pair[0].changes), key=lambda pair: -pair[1])


def changers_sql(a: Thresholds, b: Thresholds, scope: Scope | None, as_of: dt.date, move: Move) -> tuple[str, Params]:
    """The customer list's rows (`customers.list_sql` under B, unfiltered) of the customers in
    the cell `move` of the matrix. `IS NOT DISTINCT FROM` matches a prospect's missing status.
    Columns: `LIST_COLUMNS` and cid, as the list's."""
    listed, list_params = list_sql(b, scope, as_of, CustomerFilters())
    pairs, pair_params = pairs_sql(a, b, scope, as_of)
    sql = f"""
        SELECT * FROM ({listed}) l
        WHERE l.cid IN (
            SELECT cid FROM ({pairs}) p
            WHERE p.tier_a = $move_tier_a AND p.lapsed_a IS NOT DISTINCT FROM $move_lapsed_a
              AND p.tier_b = $move_tier_b AND p.lapsed_b IS NOT DISTINCT FROM $move_lapsed_b
        )
    """
    return sql, {**list_params, **pair_params, **move.params()}


def _changers(analysis: Analysis, a: Thresholds | None, b: Thresholds | None, as_of: Any, scope: Scope | None,
              move: Move) -> tuple[str, Params]:
    ensure_list_tables(analysis)
    return changers_sql(thresholds_or_default(a), thresholds_or_default(b), scope, analysis.resolve_as_of(as_of),
                        move)


def changers(
    analysis: Analysis,
    a: Thresholds | None,
    b: Thresholds | None,
    move: Move,
    as_of: Any = None,
    scope: Scope | None = None,
    sort: str = "amount",
    limit: int | None = 1000,
    offset: int = 0,
) -> tuple[int, pd.DataFrame]:
    """(how many customers are in the cell `move`, the first `limit` of them from `offset`) as
    customer-list rows with their tier and status under B. Columns: `LIST_COLUMNS`."""
    return counted_page(analysis, _changers(analysis, a, b, as_of, scope, move), sort, limit, offset)


def iter_changers(
    analysis: Analysis,
    a: Thresholds | None,
    b: Thresholds | None,
    move: Move,
    as_of: Any = None,
    scope: Scope | None = None,
    sort: str = "customer_id",
    columns: tuple[str, ...] = LIST_COLUMNS,
    chunk_rows: int = 100_000,
) -> Iterator[pd.DataFrame]:
    """Every customer in the cell `move`, in chunks of `chunk_rows`, for exports of any size."""
    unknown = [c for c in columns if c not in LIST_COLUMNS]
    if unknown:
        raise CompareError(f"Unknown column {unknown[0]!r}; use some of {', '.join(LIST_COLUMNS)}.")
    sql, params = page_sql(_changers(analysis, a, b, as_of, scope, move), sort, limit=None)
    yield from iter_chunks(analysis, sql, params, columns, chunk_rows)
