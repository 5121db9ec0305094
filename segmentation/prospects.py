"""Prospects that look like your loyal customers: for every prospect and first-time customer, how
often customers with the same profile became loyal, with the reason in words, and the lift of
each profile value.

The score, in one sentence a manager can be told: *of the customers with the same channel,
region and staff, the share that became loyal, pulled toward the share of the wider group so
that a small group does not dominate.* Exactly:

- the profile columns are `ATTRIBUTES` (acquisition channel, region, staff), in that order; an
  empty value counts as unknown;
- "became loyal": the customer's tier was loyal at some date up to `as_of` under the current
  thresholds (`channel_cost.first_loyal_sql`); the customers counted are every customer existing
  at `as_of` in the scope, prospects included;
- the groups: G1 the customers of the same channel, G2 of the same channel and region, G3 of
  the same channel, region and staff (G1 ⊇ G2 ⊇ G3). A level whose value is unknown repeats
  the group before (G2 = G1 when the region is unknown), so a missing value never scores as if
  it were information (an unknown channel makes G1 everyone);
- smoothing, with the overall share p0 = loyal / customers and K = `PRIOR_WEIGHT` (20):
  a = the share of G1 outside G2 pulled toward p0, b = the share of G2 outside G3 pulled toward
  a, and the score = the share of G3 pulled toward b, each as (loyal + K × prior) /
  (customers + K). A group of 20 customers moves the score halfway from the wider group's share
  to its own; a group of one barely moves it; and every customer is counted once (a lone
  loyal customer in a channel of its own scores (1 + K × p0) / (1 + K), not 100%). The score
  lies between 0 and 1, and between the smallest and largest of the shares it blends; it is 0
  for everyone when no customer ever became loyal;
- the reason names the known values and the observed share of the most specific group
  ("紹介・関東・佐藤: この属性の顧客120人の18%が優良客に（見込み15%）");
- the lift of a value: its own smoothed share (toward p0) ÷ p0 (empty when p0 is 0).

Everything is computed per profile cell (a few hundred rows) in DuckDB; a customer's score is
its cell's. `score_cells_sql` is what the customer list joins to order the ready view
"prospects to approach first" (`filters.READY_VIEWS`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from .analysis import Analysis
from .channel_cost import first_loyal_sql
from .rules import Params, thresholds_or_default, tier_at_sql
from .scope import Scope
from .thresholds import Thresholds
from .tiers import RANK

__all__ = ["ATTRIBUTES", "PRIOR_WEIGHT", "SCORED_TIERS", "attribute_lifts", "profile_cells", "prospect_scores",
           "reason", "score_cells_sql", "score_join_sql"]

#: The profile columns compared, in the order of the smoothing levels.
ATTRIBUTES: tuple[str, ...] = ("channel", "region", "staff")
#: K: how many customers' worth of the wider group's share each group's share is pulled toward.
PRIOR_WEIGHT = 20
#: The tiers that get a score (who can still be won).
SCORED_TIERS: tuple[str, ...] = ("prospect", "first")


def _none(value: Any) -> Any:
    """None for a missing value, whatever the frame made of it (None, NaN, pd.NA)."""
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _value(column: str) -> str:
    return f"nullif(trim(c.{column}), '')"


def _same(left: str, right: str, columns: tuple[str, ...]) -> str:
    return " AND ".join(f"{left}.{c} IS NOT DISTINCT FROM {right}.{c}" for c in columns)


def score_cells_sql(thresholds: Thresholds, scope: Scope | None, as_of: dt.date) -> tuple[str, Params]:
    """One row per profile cell (channel, region, staff; NULL = unknown) of the customers
    existing at `$as_of`: customers, loyal (reached loyal by then), candidates (prospects and
    first-time customers now), p0; the customers and loyal of the groups G1 ⊇ G2 ⊇ G3 the
    cell's known values make (g1n, g1y, ...; a level whose value is unknown repeats the one
    before); a (G1 without G2, smoothed toward p0), b (G2 without G3, smoothed toward a) and
    score (G3 smoothed toward b), so each customer counts once (module docstring)."""
    tiers, params = tier_at_sql(thresholds, scope, as_of)
    loyal, loyal_params = first_loyal_sql(thresholds)
    a = ", ".join(f"{_value(c)} AS {c}" for c in ATTRIBUTES)
    candidates = ", ".join(str(RANK[t]) for t in SCORED_TIERS)
    sql = f"""
        WITH cells AS (
            SELECT {a}, count(*) AS customers, count(r.cid) AS loyal,
                   count(*) FILTER (WHERE t.tier IN ({candidates})) AS candidates
            FROM ({tiers}) t JOIN cust c USING (cid) LEFT JOIN ({loyal}) r USING (cid)
            GROUP BY {", ".join(_value(c) for c in ATTRIBUTES)}
        ),
        overall AS (SELECT sum(customers) AS n0, sum(loyal) AS y0 FROM cells),
        l1 AS (SELECT channel, sum(customers) AS n1, sum(loyal) AS y1 FROM cells GROUP BY channel),
        l2 AS (SELECT channel, region, sum(customers) AS n2, sum(loyal) AS y2 FROM cells GROUP BY channel, region),
        s0 AS (
            SELECT cells.*, CAST(overall.y0 AS DOUBLE) / overall.n0 AS p0,
                   CASE WHEN cells.channel IS NULL THEN overall.n0 ELSE l1.n1 END AS g1n,
                   CASE WHEN cells.channel IS NULL THEN overall.y0 ELSE l1.y1 END AS g1y,
                   l2.n2, l2.y2
            FROM cells CROSS JOIN overall
            JOIN l1 ON {_same("l1", "cells", ("channel",))}
            JOIN l2 ON {_same("l2", "cells", ("channel", "region"))}
        ),
        s1 AS (
            SELECT *, CASE WHEN region IS NULL THEN g1n ELSE n2 END AS g2n,
                      CASE WHEN region IS NULL THEN g1y ELSE y2 END AS g2y
            FROM s0
        ),
        s2 AS (
            SELECT *, CASE WHEN staff IS NULL THEN g2n ELSE customers END AS g3n,
                      CASE WHEN staff IS NULL THEN g2y ELSE loyal END AS g3y
            FROM s1
        ),
        s3 AS (SELECT *, (g1y - g2y + $prior_weight * p0) / (g1n - g2n + $prior_weight) AS a FROM s2),
        s4 AS (SELECT *, (g2y - g3y + $prior_weight * a) / (g2n - g3n + $prior_weight) AS b FROM s3)
        SELECT *, (g3y + $prior_weight * b) / (g3n + $prior_weight) AS score
        FROM s4
    """
    return sql, {**loyal_params, **params, "prior_weight": float(PRIOR_WEIGHT)}


def score_join_sql(thresholds: Thresholds, scope: Scope | None, as_of: dt.date, customer: str = "c") -> tuple[str, Params]:
    """`LEFT JOIN (cells) ls ON ...` matching the customer table aliased `customer` to its
    profile cell, for a list that shows `ls.score` (the caller keeps it to the scored tiers)."""
    cells, params = score_cells_sql(thresholds, scope, as_of)
    # An equality on both sides' value with unknown as '' (a hash join; IS NOT DISTINCT FROM on
    # an expression would compare every customer with every cell).
    on = " AND ".join(f"coalesce(ls.{c}, '') = coalesce(trim({customer}.{c}), '')" for c in ATTRIBUTES)
    return f"LEFT JOIN ({cells}) ls ON {on}", params


def profile_cells(analysis: Analysis, thresholds: Thresholds | None = None, as_of: Any = None,
                  scope: Scope | None = None) -> pd.DataFrame:
    """The profile cells with their figures and score (`score_cells_sql`)."""
    sql, params = score_cells_sql(thresholds_or_default(thresholds), scope, analysis.resolve_as_of(as_of))
    frame = analysis.df(sql, params)
    for column in ATTRIBUTES:
        frame[column] = pd.Series([_none(v) for v in frame[column]], index=frame.index, dtype=object)
    return frame




def reason(values: tuple[Any, ...], similar: int, share: float | None, score: float | None, lang: str) -> str:
    """The reason of a score in words: the known profile values, the share of the customers
    like this that became loyal, and the score."""
    from .texts import text

    known = [str(v) for v in values if v is not None]
    names = ("・" if lang == "ja" else ", ").join(known) if known else text("prospect_no_profile", lang)
    if share is None or score is None:
        return text("prospect_reason_none", lang, names=names)
    return text("prospect_reason", lang, names=names, n=f"{similar:,}", share=f"{share:.0%}", score=f"{score:.0%}")


def _cell_reasons(cells: pd.DataFrame, lang: str) -> pd.DataFrame:
    rows = []
    for cell in cells.to_dict("records"):
        n, y = int(cell["g3n"]), int(cell["g3y"])  # the most specific group the known values make
        score = None if cell["score"] is None or pd.isna(cell["score"]) else float(cell["score"])
        share = y / n if n else None
        rows.append({**{c: _none(cell[c]) for c in ATTRIBUTES}, "loyal_score": score, "similar_customers": n,
                     "similar_share": share,
                     "reason": reason(tuple(_none(cell[c]) for c in ATTRIBUTES), n, share, score, lang)})
    return pd.DataFrame(rows, columns=[*ATTRIBUTES, "loyal_score", "similar_customers", "similar_share", "reason"])


PROSPECT_COLUMNS = ("customer_id", "tier", *ATTRIBUTES, "loyal_score", "similar_customers", "similar_share", "reason")


def prospect_scores(analysis: Analysis, thresholds: Thresholds | None = None, as_of: Any = None,
                    scope: Scope | None = None, lang: str = "ja", limit: int | None = None) -> pd.DataFrame:
    """Every prospect and first-time customer at `as_of` with their score and its reason,
    highest score first (then by customer id); the first `limit` when given. Columns:
    `PROSPECT_COLUMNS` (tier as a code)."""
    thresholds = thresholds_or_default(thresholds)
    day = analysis.resolve_as_of(as_of)
    cells = profile_cells(analysis, thresholds, day, scope)
    if cells.empty:
        return pd.DataFrame(columns=list(PROSPECT_COLUMNS))
    explained = _cell_reasons(cells, lang)
    tiers, params = tier_at_sql(thresholds, scope, day)
    joined, join_params = score_join_sql(thresholds, scope, day)
    candidates = ", ".join(str(RANK[t]) for t in SCORED_TIERS)
    paging = "LIMIT $limit" if limit is not None else ""
    sql = f"""
        SELECT c.customer_id, CASE WHEN t.tier = {RANK['first']} THEN 'first' ELSE 'prospect' END AS tier,
               {", ".join(f"{_value(a)} AS {a}" for a in ATTRIBUTES)}, ls.score AS loyal_score
        FROM ({tiers}) t JOIN cust c USING (cid) {joined}
        WHERE t.tier IN ({candidates})
        ORDER BY ls.score DESC NULLS LAST, c.customer_id
        {paging}
    """
    all_params = {**join_params, **params}
    if limit is not None:
        all_params["limit"] = int(limit)
    frame = analysis.df(sql, all_params)
    for column in ATTRIBUTES:
        frame[column] = pd.Series([_none(v) for v in frame[column]], index=frame.index, dtype=object)
    keys = [tuple(_none(v) for v in r) for r in frame[list(ATTRIBUTES)].itertuples(index=False)]
    by_cell = {tuple(_none(r[c]) for c in ATTRIBUTES): r for r in explained.to_dict("records")}
    for column in ("similar_customers", "similar_share", "reason"):
        frame[column] = [by_cell[k][column] if k in by_cell else None for k in keys]
    return frame[list(PROSPECT_COLUMNS)].reset_index(drop=True)


LIFT_COLUMNS = ("attribute", "value", "customers", "loyal", "share", "smoothed_share", "lift")


def attribute_lifts(analysis: Analysis, thresholds: Thresholds | None = None, as_of: Any = None,
                    scope: Scope | None = None) -> pd.DataFrame:
    """Per profile column and value (None: unknown): customers, loyal (reached by `as_of`),
    share, smoothed_share ((loyal + K × p0) / (customers + K)) and lift (smoothed_share ÷ p0;
    None when nobody became loyal). Highest lift first within each attribute, in `ATTRIBUTES`
    order. Aggregated rows only."""
    cells = profile_cells(analysis, thresholds, as_of, scope)
    if cells.empty:
        return pd.DataFrame(columns=list(LIFT_COLUMNS))
    total_n, total_y = int(cells["customers"].sum()), int(cells["loyal"].sum())
    p0 = total_y / total_n if total_n else None
    parts = []
    for order, attribute in enumerate(ATTRIBUTES):
        key = ["\x00" if _none(v) is None else v for v in cells[attribute]]
        grouped = cells.assign(key=key).groupby("key", sort=True).agg(
            customers=("customers", "sum"), loyal=("loyal", "sum")).reset_index()
        for row in grouped.itertuples(index=False):
            n, y = int(row.customers), int(row.loyal)
            smoothed = (y + PRIOR_WEIGHT * p0) / (n + PRIOR_WEIGHT) if p0 is not None else None
            parts.append({"order": order, "attribute": attribute, "value": None if row.key == "\x00" else row.key,
                          "customers": n, "loyal": y, "share": y / n if n else None,
                          "smoothed_share": smoothed, "lift": smoothed / p0 if p0 else None})
    frame = pd.DataFrame(parts)
    frame["value"] = pd.Series([_none(v) for v in frame["value"]], index=frame.index, dtype=object)
    frame["sort_lift"] = frame["lift"].fillna(0.0)
    frame = frame.sort_values(["order", "sort_lift", "customers"], ascending=[True, False, False], kind="mergesort")
    return frame[list(LIFT_COLUMNS)].reset_index(drop=True)
