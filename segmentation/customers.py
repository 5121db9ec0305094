"""Customer lists (who to call), one customer's record, and logging a contact.

The list is `classify` at the as-of date joined with profiles, the share of orders that used a
campaign code and the latest contact, then narrowed by `CustomerFilters`. Each filter is one
entry of a small registry (SQL fragment, parameters), like the scope registry. Filtering,
sorting and paging run in DuckDB, so a page never carries a million rows.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field, fields, replace
from typing import Any, Iterator

import pandas as pd

from . import schema
from .engine import (
    Analysis,
    _as_of,
    _scope,
    _thresholds,
    _threshold_params,
    classify_sql,
    period_index,
    tier_rank_sql,
    to_date,
)
from .errors import SegmentationError
from .scope import Scope
from .thresholds import Thresholds
from .tiers import CYCLE_STATUSES, TIER_CODES


class FilterError(SegmentationError, ValueError):
    """A customer-list filter holds a bad value."""


class ContactError(SegmentationError, ValueError):
    """A contact to log is incomplete or out of range. `key` names the sentence in the text
    catalogue (`texts.py`) so a page can show it in the manager's language."""

    def __init__(self, key: str, **values: Any):
        from .texts import text

        self.key, self.values = key, values
        super().__init__(text(key, "en", **values))

    def message(self, lang: str) -> str:
        from .texts import text

        return text(self.key, lang, **self.values)


# ---------------------------------------------------------------------------------------------
# Columns

#: Every column a list can show, in the default order. Internal names; the pages and exports
#: translate them through the text catalogue (`col_<name>`).
LIST_COLUMNS: tuple[str, ...] = (
    "customer_id", "name", "company", "email", "phone", "region", "address", "channel", "staff",
    "tier", "lapsed", "orders", "amount", "average_order_value", "campaign_share",
    "first_order_date", "last_order_date", "tenure_days", "recency_days", "interval_days",
    "expected_next_order_date", "cycle_status", "last_contact_at", "contacts",
)

#: What a call list needs (the CLI's default export columns).
CALL_LIST_COLUMNS: tuple[str, ...] = (
    "customer_id", "name", "company", "email", "phone", "tier", "lapsed", "orders", "amount",
    "last_order_date", "expected_next_order_date", "cycle_status", "staff",
)

SORTS: dict[str, str] = {  # sort key -> ORDER BY
    "amount": "amount DESC, customer_id",
    "orders": "orders DESC, customer_id",
    "recency": "recency_days DESC NULLS LAST, customer_id",
    "recent": "last_order_date DESC NULLS LAST, customer_id",
    "expected": "expected_next_order_date NULLS LAST, customer_id",
    "last_contact": "last_contact_at NULLS FIRST, customer_id",
    "customer_id": "customer_id",
}


# ---------------------------------------------------------------------------------------------
# Filters


@dataclass(frozen=True)
class CustomerFilters:
    """Narrowing of the customer list; every field left empty keeps everyone."""

    tiers: tuple[str, ...] = ()
    status: str | None = None  # active or lapsed
    cycle: tuple[str, ...] = ()  # due, overdue, not_due
    channel: tuple[str, ...] = ()
    staff: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    min_average_order_value: float | None = None
    max_average_order_value: float | None = None
    min_campaign_share: float | None = None  # 0..1
    max_campaign_share: float | None = None
    no_contact_days: int | None = None  # last contact more than N days before as_of, or never
    never_contacted: bool = False
    expected_within_days: int | None = None  # next order expected on or before as_of + N days
    search: str = ""  # in name, company and email
    customer_ids: tuple[str, ...] = ()  # exactly these customers

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        for name in ("tiers", "cycle", "channel", "staff", "region", "customer_ids"):
            value = getattr(self, name)
            set_(self, name, (value,) if isinstance(value, str) else tuple(value or ()))
        unknown = [t for t in self.tiers if t not in TIER_CODES]
        if unknown:
            raise FilterError(f"Unknown tier {unknown[0]!r}; use one of {', '.join(TIER_CODES)}.")
        unknown = [c for c in self.cycle if c not in CYCLE_STATUSES]
        if unknown:
            raise FilterError(f"Unknown cycle status {unknown[0]!r}; use due, overdue or not_due.")
        if self.status not in (None, "active", "lapsed"):
            raise FilterError(f"The status must be active or lapsed, not {self.status!r}.")
        for name in ("min_campaign_share", "max_campaign_share"):
            value = getattr(self, name)
            if value is not None and not 0 <= float(value) <= 1:
                raise FilterError(f"{name} must be between 0 and 1, not {value!r}.")
        for name in ("no_contact_days", "expected_within_days"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise FilterError(f"{name} must be a whole number of days, not {value!r}.")
        if not isinstance(self.search, str) or len(self.search) > 200:
            raise FilterError("The search text must be text of at most 200 characters.")

    def replace(self, **changes: Any) -> "CustomerFilters":
        return replace(self, **changes)

    def active(self) -> dict[str, Any]:
        """The fields that narrow the list, for captions and the export's conditions sheet."""
        defaults = CustomerFilters()
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) != getattr(defaults, f.name)}


def filters_sql(filters: CustomerFilters) -> tuple[str, dict[str, Any]]:
    """`(predicate, params)` over the list's columns; `TRUE` when nothing narrows."""
    parts: list[str] = []
    params: dict[str, Any] = {}

    def add(fragment: str, **values: Any) -> None:
        parts.append(fragment)
        params.update(values)

    if filters.customer_ids:
        add("list_contains($f_ids, customer_id)", f_ids=list(filters.customer_ids))
    if filters.tiers:
        add("list_contains($f_tiers, tier)", f_tiers=list(filters.tiers))
    if filters.status == "active":
        add("lapsed = false")
    elif filters.status == "lapsed":
        add("lapsed = true")
    if filters.cycle:
        add("list_contains($f_cycle, cycle_status)", f_cycle=list(filters.cycle))
    for name in ("channel", "staff", "region"):
        values = getattr(filters, name)
        if values:
            add(f"list_contains($f_{name}, {name})", **{f"f_{name}": list(values)})
    if filters.min_average_order_value is not None:
        add("average_order_value >= $f_aov_min", f_aov_min=float(filters.min_average_order_value))
    if filters.max_average_order_value is not None:
        add("average_order_value <= $f_aov_max", f_aov_max=float(filters.max_average_order_value))
    if filters.min_campaign_share is not None:
        add("campaign_share >= $f_camp_min", f_camp_min=float(filters.min_campaign_share))
    if filters.max_campaign_share is not None:
        add("campaign_share <= $f_camp_max", f_camp_max=float(filters.max_campaign_share))
    if filters.never_contacted:
        add("last_contact_at IS NULL")
    if filters.no_contact_days is not None:
        add("(last_contact_at IS NULL OR CAST(last_contact_at AS DATE) < $as_of - CAST($f_quiet AS INTEGER))",
            f_quiet=filters.no_contact_days)
    if filters.expected_within_days is not None:
        add("expected_next_order_date <= $as_of + CAST($f_within AS INTEGER)", f_within=filters.expected_within_days)
    if filters.search.strip():
        add("(contains(lower(coalesce(name, '')), $f_search) OR contains(lower(coalesce(company, '')), $f_search)"
            " OR contains(lower(coalesce(email, '')), $f_search) OR contains(lower(customer_id), $f_search))",
            f_search=filters.search.strip().lower())
    return (" AND ".join(parts) if parts else "TRUE"), params


# ---------------------------------------------------------------------------------------------
# Ready-made views


@dataclass(frozen=True)
class ReadyView:
    key: str
    filters: CustomerFilters
    sort: str


READY_VIEWS: dict[str, ReadyView] = {
    view.key: view
    for view in (
        ReadyView("due_this_week", CustomerFilters(cycle=("due",), status="active", expected_within_days=7),
                  "expected"),
        ReadyView("overdue_possibly_lost", CustomerFilters(cycle=("overdue",), status="active"), "amount"),
        ReadyView("loyal_lapsing", CustomerFilters(tiers=("loyal",), status="active", cycle=("overdue",)),
                  "amount"),
        ReadyView("trend_from_campaigns", CustomerFilters(tiers=("trend",), min_campaign_share=0.5), "recent"),
    )
}


# ---------------------------------------------------------------------------------------------
# Lazily loaded, threshold-free parts of the analysis


def ensure_list_tables(analysis: Analysis) -> None:
    """Profiles and the latest contacts, copied on first use of a list (once, whoever asks)."""
    if getattr(analysis, "list_tables_ready", False):
        return
    with analysis.lock:
        if getattr(analysis, "list_tables_ready", False):
            return
        if not analysis.has_table("profile"):
            analysis.copy_from_source(
                "profile",
                """
                SELECT c.cid, p.name, p.company, p.email, p.phone, p.address
                FROM src.customers p JOIN cust c USING (customer_id)
                """,
            )
        refresh_contacts(analysis)
        analysis.list_tables_ready = True


def refresh_contacts(analysis: Analysis) -> None:
    """Re-read the latest contact per customer (contacts change without a new data_version)."""
    analysis.copy_from_source(
        "contact_summary",
        """
        SELECT c.cid, max(k.contacted_at) AS last_contact_at, count(*) AS contacts
        FROM src.contacts k JOIN cust c USING (customer_id)
        GROUP BY c.cid
        """,
        replace_existing=True,
    )
    analysis.contacts_version += 1


PROFILE_COLUMNS = ("name", "company", "email", "phone", "address")


def _list_sql(scope_sql: str, filter_sql: str, *, needs_profile: bool) -> str:
    """The matching customers at `$as_of`, unsorted: classify joined with region, channel,
    staff, campaign share and the latest contact, then filtered. `average_order_value` is
    M / F; `campaign_share` the share of the customer's orders (to `$as_of`) that carried a
    campaign code. Profile text (name, company, ...) is joined here only when a filter reads it
    (`needs_profile`); otherwise `_page_sql` adds it to the page's rows alone.
    Columns: LIST_COLUMNS (profile columns NULL unless joined) and cid."""
    profile = ", ".join(f"p.{name}" if needs_profile else f"CAST(NULL AS VARCHAR) AS {name}" for name in PROFILE_COLUMNS)
    profile_join = "LEFT JOIN profile p USING (cid)" if needs_profile else ""
    return f"""
        WITH k AS ({classify_sql(scope_sql)}),
        rows AS (
            SELECT k.customer_id, {profile}, c.region, c.channel, c.staff,
                   k.tier, k.lapsed, k.orders, k.amount,
                   CASE WHEN k.orders > 0 THEN CAST(k.amount AS DOUBLE) / k.orders END AS average_order_value,
                   k.campaign_share,
                   k.first_order_date, k.last_order_date, k.tenure_days, k.recency_days, k.interval_days,
                   k.expected_next_order_date, k.cycle_status,
                   s.last_contact_at, coalesce(s.contacts, 0) AS contacts, k.cid
            FROM k
            JOIN cust c USING (cid)
            {profile_join}
            LEFT JOIN contact_summary s USING (cid)
        )
        SELECT * FROM rows WHERE {filter_sql}
    """


def _page_sql(list_sql: str, order_by: str, *, paged: bool = True) -> str:
    """The matching rows in order (`$limit` from `$offset` when `paged`: DuckDB keeps only the
    top rows while sorting), with their profile text joined afterwards."""
    columns = ", ".join(f"coalesce(m.{name}, p.{name}) AS {name}" if name in PROFILE_COLUMNS else f"m.{name}"
                        for name in LIST_COLUMNS)
    limit = "LIMIT $limit OFFSET $offset" if paged else "OFFSET $offset"
    return f"""
        WITH page AS (SELECT * FROM ({list_sql}) ORDER BY {order_by} {limit})
        SELECT {columns}, m.cid
        FROM page m LEFT JOIN profile p USING (cid)
        ORDER BY {", ".join("m." + part.strip() for part in order_by.split(","))}
    """


def _list_query(analysis, thresholds, as_of, scope, filters, sort) -> tuple[str, dict[str, Any]]:
    ensure_list_tables(analysis)
    thresholds = _thresholds(thresholds)
    filters = filters or CustomerFilters()
    scope_sql, scope_params = _scope(scope)
    filter_sql, filter_params = filters_sql(filters)
    if sort not in SORTS:
        raise FilterError(f"Unknown sort {sort!r}; use one of {', '.join(SORTS)}.")
    sql = _list_sql(scope_sql, filter_sql, needs_profile=bool(filters.search.strip()))
    params = {**_threshold_params(thresholds), **scope_params, **filter_params, "as_of": _as_of(analysis, as_of)}
    return sql, params


def customer_list(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    as_of: Any = None,
    scope: Scope | None = None,
    filters: CustomerFilters | None = None,
    sort: str = "amount",
    limit: int | None = 1000,
    offset: int = 0,
) -> tuple[int, pd.DataFrame]:
    """(how many customers match, the first `limit` of them from `offset`). Columns:
    `LIST_COLUMNS`."""
    sql, params = _list_query(analysis, thresholds, as_of, scope, filters, sort)
    if limit == 0:
        return int(analysis.fetchall(f"SELECT count(*) FROM ({sql})", params)[0][0]), \
            pd.DataFrame(columns=list(LIST_COLUMNS))
    total = int(analysis.fetchall(f"SELECT count(*) FROM ({sql})", params)[0][0])
    if (limit is not None and limit < 0) or offset < 0:
        raise FilterError("limit and offset cannot be negative.")
    page_sql = _page_sql(sql, SORTS[sort], paged=limit is not None)
    params = {**params, "offset": int(offset)}
    if limit is not None:
        params["limit"] = int(limit)
    frame = analysis.df(page_sql, params)
    return total, frame[list(LIST_COLUMNS)]


def ready_view_counts(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    as_of: Any = None,
    scope: Scope | None = None,
) -> dict[str, int]:
    """How many customers each ready-made view holds, counted in one pass."""
    sql, params = _list_query(analysis, thresholds, as_of, scope, None, "customer_id")
    parts = []
    for index, view in enumerate(READY_VIEWS.values()):
        predicate, view_params = filters_sql(view.filters)
        for name, value in view_params.items():  # each view gets its own parameter names
            predicate = re.sub(rf"\${name}\b", f"$v{index}_{name}", predicate)
            params[f"v{index}_{name}"] = value
        parts.append(f"count(*) FILTER (WHERE {predicate})")
    row = analysis.fetchall(f"SELECT {', '.join(parts)} FROM ({sql})", params)[0]
    return {key: int(count) for key, count in zip(READY_VIEWS, row)}


def iter_customer_list(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    as_of: Any = None,
    scope: Scope | None = None,
    filters: CustomerFilters | None = None,
    sort: str = "customer_id",
    columns: tuple[str, ...] = LIST_COLUMNS,
    chunk_rows: int = 100_000,
) -> Iterator[pd.DataFrame]:
    """Every matching customer in chunks of `chunk_rows`, for exports of any size."""
    unknown = [c for c in columns if c not in LIST_COLUMNS]
    if unknown:
        raise FilterError(f"Unknown column {unknown[0]!r}; use some of {', '.join(LIST_COLUMNS)}.")
    sql, params = _list_query(analysis, thresholds, as_of, scope, filters, sort)
    sql = _page_sql(sql, SORTS[sort], paged=False)
    params = {**params, "offset": 0}
    cursor = analysis.cursor()
    try:
        from .engine import _bind

        result = cursor.execute(sql, _bind(sql, params))
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
        contacts = con.execute(
            "SELECT contact_id, contacted_at, kind, staff, note FROM contacts WHERE customer_id = $id "
            "ORDER BY contacted_at DESC, contact_id DESC",
            {"id": customer_id},
        ).df()
    return CustomerRecord(profile, orders, contacts)


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
    thresholds = _thresholds(thresholds)
    as_of = _as_of(analysis, as_of)
    sql = f"""
        WITH me AS (SELECT cid, exists_from, first_activity FROM cust WHERE customer_id = $customer_id),
        s AS (
            SELECT valid_from, valid_to, last_day, f, {tier_rank_sql()} AS tier
            FROM state WHERE cid = (SELECT cid FROM me) AND valid_from <= $as_of
        ),
        events AS (
            SELECT coalesce((SELECT exists_from FROM me), DATE '1900-01-01') AS since, 0 AS tier, NULL AS lapsed
            WHERE (SELECT cid FROM me) IS NOT NULL
              AND (SELECT coalesce(exists_from, DATE '1900-01-01') < coalesce(first_activity, DATE '9999-12-31') FROM me)
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
    params = {**_threshold_params(thresholds), "customer_id": customer_id, "as_of": as_of}
    frame = analysis.df(sql, params)
    rows: list[tuple] = []
    for since, rank, lapsed in frame.itertuples(index=False):
        lapsed = None if pd.isna(lapsed) else bool(lapsed)
        key = (TIER_CODES[int(rank)], lapsed)
        since = since.date() if hasattr(since, "date") else since
        if rows and rows[-1][0] == since:
            rows.pop()  # the same day: only the state at the end of the day counts
        if rows and rows[-1][1:] == key:
            continue
        rows.append((since, *key))
    history = pd.DataFrame(rows, columns=["since", "tier", "lapsed"])
    history["lapsed"] = history["lapsed"].astype(object)
    return history


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
    now: dt.datetime | None = None,
    wait_seconds: float = 3.0,
) -> int:
    """Validate and write one contact in its own transaction; returns its contact_id.

    Raises ContactError for bad input (nothing written) and DatabaseBusyError while another
    program holds the file for writing (nothing written; the caller keeps the input).
    """
    now = now or dt.datetime.now()
    if isinstance(contacted_at, dt.datetime):
        moment = contacted_at
        if moment.tzinfo is not None:  # stored as local wall-clock time
            moment = moment.astimezone().replace(tzinfo=None)
    else:
        try:
            moment = dt.datetime.combine(to_date(contacted_at, "contacted_at"), dt.time())
        except SegmentationError as error:
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
    with schema.writing(db_path, wait_seconds=wait_seconds, data_changed=False) as con:
        exists = con.execute("SELECT count(*) FROM customers WHERE customer_id = $id", {"id": customer_id}).fetchall()
        if not exists[0][0]:
            raise ContactError("contact_error_customer", value=repr(customer_id))
        rows = con.execute(
            "INSERT INTO contacts (customer_id, contacted_at, kind, staff, note) "
            "VALUES ($id, $at, $kind, $staff, $note) RETURNING contact_id",
            {"id": customer_id, "at": moment, "kind": kind, "staff": staff or None, "note": note},
        ).fetchall()
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


def describe_filters(filters: CustomerFilters, lang: str) -> str:
    """One line naming every filter in use (for the export's conditions sheet)."""
    active = filters.active()
    if not active:
        return "なし" if lang == "ja" else "none"
    return "; ".join(f"{name}={','.join(map(str, value)) if isinstance(value, tuple) else value}"
                     for name, value in active.items())
