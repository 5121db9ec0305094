"""Customer lists (who to call), one customer's record, and logging a contact.

The list is `classify` at the as-of date joined with profiles, the share of orders that used a
campaign code and the latest contact, then narrowed by `CustomerFilters`. Each filter is one
entry of a small registry (SQL fragment, parameters), like the scope registry. Filtering,
sorting and paging run in DuckDB, so a page never carries a million rows.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any, Iterator

import pandas as pd

from . import contact_drafts, schema
from .analysis import Analysis
from .at_date import classify_sql
from .errors import CataloguedError, SegmentationError
from .filters import READY_VIEWS, SORTS, CustomerFilters, FilterError, filters_sql
from .periods import HIGH_DATE, LOW_DATE, to_date
from .rules import Params, thresholds_or_default, tier_rank_sql
from .scope import Scope
from .text_checks import LINE_CONTROLS, control_name, first_control
from .thresholds import Thresholds
from .tiers import RANK, code_of

__all__ = [  # the filters live in `filters.py`; lists name them from here too
    "READY_VIEWS", "SORTS", "CustomerFilters", "FilterError", "LIST_COLUMNS", "CALL_LIST_COLUMNS",
    "ContactError", "CustomerRecord", "CONTACT_KINDS", "customer_list", "customer_record",
    "ensure_list_tables", "iter_customer_list", "labelled", "log_contact", "ready_view_counts", "tier_history",
]


class ContactError(CataloguedError, ValueError):
    """A contact to log is incomplete or out of range (the sentence's `key` in the text catalogue)."""


# ---------------------------------------------------------------------------------------------
# Columns

#: Every column a list can show, in the default order. Internal names; the pages and exports
#: translate them through the text catalogue (`col_<name>`).
LIST_COLUMNS: tuple[str, ...] = (
    "customer_id", "name", "company", "email", "phone", "region", "address", "channel", "staff",
    "tier", "lapsed", "orders", "amount", "average_order_value", "campaign_share",
    "first_order_date", "last_order_date", "tenure_days", "recency_days", "interval_days",
    "expected_next_order_date", "cycle_status", "last_contact_at", "contacts", "loyal_score",
    "p_alive", "expected_orders",
)
#: The columns of the model's predictions (predict.py), filled only when the list asks for them.
PREDICTION_COLUMNS = ("p_alive", "expected_orders")

#: What a call list needs (the CLI's default export columns).
CALL_LIST_COLUMNS: tuple[str, ...] = (
    "customer_id", "name", "company", "email", "phone", "tier", "lapsed", "orders", "amount",
    "last_order_date", "expected_next_order_date", "cycle_status", "staff",
)

# ---------------------------------------------------------------------------------------------
# Lazily loaded, threshold-free parts of the analysis


#: The side tables a list reads besides the engine's (see `Analysis.ensure`).
LIST_TABLES = ("profile", "contact_summary")


def ensure_list_tables(analysis: Analysis) -> None:
    """Profiles and the latest contacts, built on first use of a list (once, whoever asks)."""
    for name in LIST_TABLES:
        analysis.ensure(name)


PROFILE_COLUMNS = ("name", "company", "email", "phone", "address")


def list_sql(thresholds: Thresholds, scope: Scope | None, as_of: dt.date,
             filters: CustomerFilters, predictions: str | None = None) -> tuple[str, Params]:
    """The matching customers at `$as_of`, unsorted: classify joined with region, channel,
    staff, campaign share and the latest contact, then filtered. `average_order_value` is
    M / F; `campaign_share` the share of the customer's orders (to `$as_of`) that carried a
    campaign code. Profile text (name, company, ...) is joined here only when a filter reads it
    (a search); otherwise `page_sql` adds it to the page's rows alone.
    `predictions`: the table of `predict.prediction_table` to join (p_alive, expected_orders;
    NULL without it). Columns: LIST_COLUMNS (profile columns NULL unless joined) and cid."""
    classified, params = classify_sql(thresholds, scope, as_of)
    chance = ", ".join(f"round(q.{c}, 4) AS {c}" if predictions else f"CAST(NULL AS DOUBLE) AS {c}"
                       for c in PREDICTION_COLUMNS)
    where, filter_params = filters_sql(filters)
    score, score_join, score_params = _loyal_score(thresholds, scope, as_of, filters)
    needs_profile = bool(filters.search.strip())
    profile = ", ".join(f"p.{name}" if needs_profile else f"CAST(NULL AS VARCHAR) AS {name}" for name in PROFILE_COLUMNS)
    profile_join = "LEFT JOIN profile p USING (cid)" if needs_profile else ""
    sql = f"""
        WITH k AS ({classified}),
        rows AS (
            SELECT k.customer_id, {profile}, c.region, c.channel, c.staff,
                   k.tier, k.lapsed, k.orders, k.amount,
                   CASE WHEN k.orders > 0 THEN CAST(k.amount AS DOUBLE) / k.orders END AS average_order_value,
                   k.campaign_share,
                   k.first_order_date, k.last_order_date, k.tenure_days, k.recency_days, k.interval_days,
                   k.expected_next_order_date, k.cycle_status,
                   s.last_contact_at, coalesce(s.contacts, 0) AS contacts, {score} AS loyal_score, {chance}, k.cid
            FROM k
            JOIN cust c USING (cid)
            {profile_join}
            LEFT JOIN contact_summary s USING (cid)
            {score_join}
            {f"LEFT JOIN {predictions} q USING (cid)" if predictions else ""}
        )
        SELECT * FROM rows WHERE {where}
    """
    return sql, {**score_params, **params, **filter_params}


def _loyal_score(thresholds: Thresholds, scope: Scope | None, as_of: dt.date,
                 filters: CustomerFilters) -> tuple[str, str, Params]:
    """The `loyal_score` column (prospects.py: how often customers like this one became loyal):
    computed for a list of prospects and first-time customers only (the tiers filter names no
    other tier), NULL otherwise, so other lists never pay for it."""
    from .prospects import SCORED_TIERS, score_join_sql

    if not filters.tiers or not set(filters.tiers) <= set(SCORED_TIERS):
        return "CAST(NULL AS DOUBLE)", "", {}
    join, params = score_join_sql(thresholds, scope, as_of)
    return "ls.score", join, params


def page_sql(matching: tuple[str, Params], sort: str, *, limit: int | None, offset: int = 0) -> tuple[str, Params]:
    """The matching rows in the order `sort` (`$limit` rows from `$offset`; every row from
    `$offset` when `limit` is None: DuckDB keeps only the top rows while sorting), with their
    profile text joined afterwards."""
    if sort not in SORTS:
        raise FilterError(f"Unknown sort {sort!r}; use one of {', '.join(SORTS)}.")
    if (limit is not None and limit < 0) or offset < 0:
        raise FilterError("limit and offset cannot be negative.")
    matching_sql, params = matching
    order_by = SORTS[sort]
    columns = ", ".join(f"coalesce(m.{name}, p.{name}) AS {name}" if name in PROFILE_COLUMNS else f"m.{name}"
                        for name in LIST_COLUMNS)
    paging = "LIMIT $limit OFFSET $offset" if limit is not None else "OFFSET $offset"
    sql = f"""
        WITH page AS (SELECT * FROM ({matching_sql}) ORDER BY {order_by} {paging})
        SELECT {columns}, m.cid
        FROM page m LEFT JOIN profile p USING (cid)
        ORDER BY {", ".join("m." + part.strip() for part in order_by.split(","))}
    """
    params = {**params, "offset": int(offset)}
    if limit is not None:
        params["limit"] = int(limit)
    return sql, params


def _matching(analysis, thresholds, as_of, scope, filters, horizon_days=None) -> tuple[str, Params]:
    """The list's SQL; with `horizon_days` (or a filter on p_alive) the model's predictions
    over that horizon (default 90 days) joined, fitted first when not yet (seconds)."""
    ensure_list_tables(analysis)
    filters = filters or CustomerFilters()
    predictions = None
    if horizon_days is not None or filters.max_p_alive is not None:
        from .predict import DEFAULT_HORIZON_DAYS, prediction_table

        predictions = prediction_table(analysis, as_of, horizon_days or DEFAULT_HORIZON_DAYS)
    return list_sql(thresholds_or_default(thresholds), scope, analysis.resolve_as_of(as_of), filters, predictions)


def customer_list(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    as_of: Any = None,
    scope: Scope | None = None,
    filters: CustomerFilters | None = None,
    sort: str = "amount",
    limit: int | None = 1000,
    offset: int = 0,
    horizon_days: int | None = None,
) -> tuple[int, pd.DataFrame]:
    """(how many customers match, the first `limit` of them from `offset`). Columns:
    `LIST_COLUMNS` (the predictions over `horizon_days` only when it is given)."""
    return counted_page(analysis, _matching(analysis, thresholds, as_of, scope, filters, horizon_days),
                        sort, limit, offset)


def counted_page(analysis, matching: tuple[str, Params], sort: str, limit: int | None,
                 offset: int) -> tuple[int, pd.DataFrame]:
    """(how many rows `matching` holds, the page of them `sort`, `limit` and `offset` pick) as
    customer-list rows: the one way a list (the customer list, a comparison's move) is paged."""
    page = page_sql(matching, sort, limit=limit, offset=offset)  # checks sort, limit and offset
    sql, params = matching
    total = int(analysis.fetchall(f"SELECT count(*) FROM ({sql})", params)[0][0])
    if limit == 0:
        return total, pd.DataFrame(columns=list(LIST_COLUMNS))
    return total, analysis.df(*page)[list(LIST_COLUMNS)]


#: The filters whose predicates read only columns of `classify_sql` (tier, lapsed,
#: cycle_status, expected_next_order_date, campaign_share).
CLASSIFY_FILTERS = frozenset({"tiers", "status", "cycle", "min_campaign_share", "max_campaign_share",
                              "expected_within_days"})


def ready_view_counts(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    as_of: Any = None,
    scope: Scope | None = None,
    views: tuple[str, ...] | None = None,
) -> dict[str, int]:
    """How many customers each ready-made view holds (those of `views`, by key; all by default),
    counted in one pass: over the classified customers alone when every view filters only on
    what `classify_sql` gives (no join with the list's other tables, so no wait for the profiles
    and contacts either)."""
    chosen = {key: view for key, view in READY_VIEWS.items() if views is None or key in views}
    unknown = set(views or ()) - set(READY_VIEWS)
    if unknown:
        raise FilterError(f"Unknown ready view {sorted(unknown)[0]!r}; use some of {', '.join(READY_VIEWS)}.")
    if not chosen:
        return {}
    if all(set(view.filters.active()) <= CLASSIFY_FILTERS for view in chosen.values()):
        sql, params = classify_sql(thresholds_or_default(thresholds), scope, analysis.resolve_as_of(as_of),
                                   customer_ids=False)
    else:
        sql, params = _matching(analysis, thresholds, as_of, scope, None)
    parts = []
    for index, view in enumerate(chosen.values()):
        predicate, view_params = filters_sql(view.filters, prefix=f"v{index}_")
        params.update(view_params)
        parts.append(f"count(*) FILTER (WHERE {predicate})")
    row = analysis.fetchall(f"SELECT {', '.join(parts)} FROM ({sql})", params)[0]
    return {key: int(count) for key, count in zip(chosen, row)}


def iter_customer_list(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    as_of: Any = None,
    scope: Scope | None = None,
    filters: CustomerFilters | None = None,
    sort: str = "customer_id",
    columns: tuple[str, ...] = LIST_COLUMNS,
    chunk_rows: int = 100_000,
    horizon_days: int | None = None,
) -> Iterator[pd.DataFrame]:
    """Every matching customer in chunks of `chunk_rows`, for exports of any size (with the
    predictions when `horizon_days` is given or `columns` name them)."""
    unknown = [c for c in columns if c not in LIST_COLUMNS]
    if unknown:
        raise FilterError(f"Unknown column {unknown[0]!r}; use some of {', '.join(LIST_COLUMNS)}.")
    if horizon_days is None and set(columns) & set(PREDICTION_COLUMNS) and columns != LIST_COLUMNS:
        from .predict import DEFAULT_HORIZON_DAYS as horizon_days
    sql, params = page_sql(_matching(analysis, thresholds, as_of, scope, filters, horizon_days), sort, limit=None)
    yield from iter_chunks(analysis, sql, params, columns, chunk_rows)


def iter_chunks(analysis, sql: str, params: Params, columns: tuple[str, ...],
                chunk_rows: int) -> Iterator[pd.DataFrame]:
    """The rows of `sql` in chunks of about `chunk_rows`, with `columns` only (on a cursor of
    its own, closed at the end or when the caller stops early)."""
    cursor = analysis.cursor()
    try:
        result = cursor.execute(sql, params)
        while True:
            chunk = result.fetch_df_chunk(max(1, chunk_rows // 2048))
            if chunk is None or chunk.empty:
                break
            yield chunk[list(columns)]
    finally:
        cursor.close()


# ---------------------------------------------------------------------------------------------
# One customer


@dataclass(frozen=True)
class CustomerRecord:
    profile: dict[str, Any]
    orders: pd.DataFrame  # order_id, order_date, amount, campaign, category (lines summed per order)
    contacts: pd.DataFrame  # contact_id, contacted_at, kind, staff, note (newest first)
    #: The file's `data_version` these rows were read at: a page that also shows figures of an
    #: `Analysis` compares it with `analysis.data_version`, so it never shows two states at once.
    data_version: int | None = None


def customer_record(db_path: str | os.PathLike, customer_id: str, *, wait_seconds: float = 5.0) -> CustomerRecord | None:
    """Everything the file holds about one customer, read fresh (None when the id is unknown)."""
    with schema.reading(db_path, wait_seconds=wait_seconds) as con:
        cursor = con.execute("SELECT * FROM customers WHERE customer_id = $id", {"id": customer_id})
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        if not rows:
            return None
        profile = dict(zip(names, rows[0]))
        orders = con.execute(
            """
            SELECT order_id, min(order_date) AS order_date, CAST(sum(amount) AS DOUBLE) AS amount,
                   max(nullif(campaign, '')) AS campaign, string_agg(DISTINCT category, ', ') AS category,
                   count(*) AS lines
            FROM orders WHERE customer_id = $id
            GROUP BY order_id ORDER BY order_date DESC, order_id DESC
            """,
            {"id": customer_id},
        ).df()
        # A file read-only at an older schema has no author column yet (migration 3 adds it).
        author = "author" if schema.has_column(con, "contacts", "author") else "CAST(NULL AS VARCHAR) AS author"
        contacts = con.execute(
            f"SELECT contact_id, contacted_at, kind, staff, {author}, note FROM contacts WHERE customer_id = $id "
            "ORDER BY contacted_at DESC, contact_id DESC",
            {"id": customer_id},
        ).df()
        version = schema.data_version(con)
    return CustomerRecord(profile, orders, contacts, version)


def tier_history(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    customer_id: str = "",
    as_of: Any = None,
) -> pd.DataFrame:
    """When one customer entered each tier and status under these thresholds, up to `as_of`.

    Columns: since (date), tier, lapsed. A new row starts at every activity day that changes
    the tier and on every lapse day.
    """
    sql, params = tier_history_sql(thresholds_or_default(thresholds), customer_id, analysis.resolve_as_of(as_of))
    frame = analysis.df(sql, params)
    rows: list[tuple] = []
    for since, tier_rank, lapsed in frame.itertuples(index=False):
        lapsed = None if pd.isna(lapsed) else bool(lapsed)
        key = (code_of(tier_rank), lapsed)
        since = since.date() if hasattr(since, "date") else since
        if rows and rows[-1][0] == since:
            rows.pop()  # the same day: only the state at the end of the day counts
        if rows and rows[-1][1:] == key:
            continue
        rows.append((since, *key))
    history = pd.DataFrame(rows, columns=["since", "tier", "lapsed"])
    history["lapsed"] = history["lapsed"].astype(object)
    return history


def tier_history_sql(thresholds: Thresholds, customer_id: str, as_of: dt.date) -> tuple[str, Params]:
    """Every event that can change one customer's tier or status up to `$as_of`: becoming a
    prospect, each activity day (with the tier after it) and each lapse day.
    Columns: since, tier (rank), lapsed (NULL for prospects), in order of time."""
    rank, rank_params = tier_rank_sql(thresholds)
    sql = f"""
        WITH me AS (SELECT cid, exists_from, first_activity FROM cust WHERE customer_id = $customer_id),
        s AS (
            SELECT valid_from, valid_to, last_day, f, {rank} AS tier
            FROM state WHERE cid = (SELECT cid FROM me) AND valid_from <= $as_of
        ),
        events AS (
            SELECT coalesce((SELECT exists_from FROM me), DATE '{LOW_DATE}') AS since, {RANK['prospect']} AS tier,
                   NULL AS lapsed
            WHERE (SELECT cid FROM me) IS NOT NULL
              AND (SELECT coalesce(exists_from, DATE '{LOW_DATE}') < coalesce(first_activity, DATE '{HIGH_DATE}') FROM me)
            UNION ALL
            SELECT valid_from, tier, CASE WHEN f = 0 THEN NULL ELSE false END FROM s
            UNION ALL
            SELECT last_day + CAST($lapse_days + 1 AS INTEGER), tier, true FROM s
            WHERE f > 0 AND last_day + CAST($lapse_days + 1 AS INTEGER) < valid_to
              AND last_day + CAST($lapse_days + 1 AS INTEGER) <= $as_of
              AND last_day + CAST($lapse_days + 1 AS INTEGER) >= valid_from
        )
        SELECT since, tier, lapsed FROM events ORDER BY since, lapsed NULLS FIRST
    """
    return sql, {**rank_params, "lapse_days": thresholds.lapse_days, "customer_id": customer_id, "as_of": as_of}


# ---------------------------------------------------------------------------------------------
# Logging a contact

CONTACT_KINDS = ("visit", "call", "mail", "direct_mail", "event", "other")


def log_contact(
    db_path: str | os.PathLike,
    customer_id: str,
    contacted_at: Any,
    kind: str,
    staff: str = "",
    note: str = "",
    *,
    author: str = "",
    now: dt.datetime | None = None,
    wait_seconds: float = 3.0,
) -> int:
    """Validate and write one contact; returns its contact_id.

    The contact is first written as the draft of `author` (the signed-in user, '' without
    sign-in) in one transaction, then inserted with that draft deleted in a second one: a save
    stopped in between, even by a killed server, leaves the draft for the form to restore
    (`contact_drafts.find_draft`), never half a contact. Raises ContactError for bad input
    (nothing written) and a `DatabaseFault` when the file is busy, read-only, full, damaged or
    missing (the caller keeps the input; a draft written before the fault stays).
    """
    now = now or dt.datetime.now()
    if isinstance(contacted_at, dt.datetime):
        moment = contacted_at
        if moment.tzinfo is not None:  # stored as local wall-clock time
            moment = moment.astimezone().replace(tzinfo=None)
    else:
        try:
            moment = dt.datetime.combine(to_date(contacted_at, "contacted_at"), dt.time())
        except SegmentationError:
            raise ContactError("contact_error_date", value=str(contacted_at)) from None
    if moment > now + dt.timedelta(days=1):
        raise ContactError("contact_error_future", day=f"{moment:%Y-%m-%d}")
    if moment.year < 1990:
        raise ContactError("contact_error_past", day=f"{moment:%Y-%m-%d}")
    if kind not in CONTACT_KINDS:
        raise ContactError("contact_error_kind", kinds=", ".join(CONTACT_KINDS), value=repr(kind))
    staff = (staff or "").strip()
    note = (note or "").strip()
    if len(staff) > 60:
        raise ContactError("contact_error_staff")
    if not note:
        raise ContactError("contact_error_note_empty")
    if len(note) > 2000:
        raise ContactError("contact_error_note_long")
    for field, value, allowed in (("staff", staff, ""), ("note", note, LINE_CONTROLS)):
        control = first_control(value, allowed)  # a NUL or an escape code: refused, named
        if control is not None:
            raise ContactError(f"contact_error_control_{field}", char=control_name(control))
    draft = contact_drafts.ContactDraft(customer_id, author, moment, kind, staff, note)
    with schema.writing(db_path, wait_seconds=wait_seconds, data_changed=False, create=False) as con:
        exists = con.execute("SELECT count(*) FROM customers WHERE customer_id = $id", {"id": customer_id}).fetchall()
        if not exists[0][0]:
            raise ContactError("contact_error_customer", value=repr(customer_id))
        contact_drafts.save_draft(con, draft)
    with schema.writing(db_path, wait_seconds=wait_seconds, data_changed=False, create=False) as con:
        rows = con.execute(
            "INSERT INTO contacts (customer_id, contacted_at, kind, staff, note, author) "
            "VALUES ($id, $at, $kind, $staff, $note, $author) RETURNING contact_id",
            {"id": customer_id, "at": moment, "kind": kind, "staff": staff or None, "note": note,
             "author": author or None},
        ).fetchall()
        contact_drafts.discard_draft(con, customer_id, author)
    return int(rows[0][0])


# ---------------------------------------------------------------------------------------------
# Labels for people (pages and exports)


def labelled(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The same rows with headers and codes (tier, status, cycle) in `lang`; `codes` keeps
    the internal names and codes (for scripts)."""
    if lang == "codes":
        out = frame.copy()
        if "lapsed" in out:
            out["lapsed"] = out["lapsed"].astype(object)
        return out
    from .texts import status_name, text, tier_name

    out = frame.copy()
    if "tier" in out:
        out["tier"] = [tier_name(code, lang) if isinstance(code, str) else None for code in out["tier"]]
    if "lapsed" in out:
        out["lapsed"] = [None if value is None or pd.isna(value) else status_name(bool(value), lang)
                         for value in out["lapsed"]]
    if "cycle_status" in out:
        out["cycle_status"] = [text(f"cycle_{code}", lang) if isinstance(code, str) else None
                               for code in out["cycle_status"]]
    out.columns = [text(f"col_{name}", lang) for name in out.columns]
    return out
