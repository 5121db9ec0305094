"""Customer-list filters as one registry, the ready-made views built from them, and sort orders.

Each filter of `CustomerFilters` is one `ListFilter`: its SQL predicate over the list's columns,
its parameters (named with a prefix, so several filter sets combine in one statement, as the
ready-view counts do) and the sentence a manager reads, in Japanese and English (keys
`filter_desc_<name>` of the text catalogue). The page caption, the Excel 条件 sheet and the CLI
all describe a list with `describe_filters`, so the words can never disagree with the query.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Callable

from .errors import SegmentationError
from .text_checks import shortened
from .tiers import CYCLE_STATUSES, TIER_CODES

#: The longest search text: the search box takes no more, and a longer one is refused, named.
SEARCH_MAX_LENGTH = 200


class FilterError(SegmentationError, ValueError):
    """A customer-list filter holds a bad value."""


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
    search: str = ""  # in name, company, email and id
    customer_ids: tuple[str, ...] = ()  # exactly these customers
    max_p_alive: float | None = None  # "likely lost": the model's chance still a customer below this (0..1)

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
            raise FilterError(f"Unknown cycle status {unknown[0]!r}; use one of {', '.join(CYCLE_STATUSES)}.")
        if self.status not in (None, "active", "lapsed"):
            raise FilterError(f"The status must be active or lapsed, not {self.status!r}.")
        for name in ("min_campaign_share", "max_campaign_share", "max_p_alive"):
            value = getattr(self, name)
            if value is not None and not 0 <= float(value) <= 1:
                raise FilterError(f"{name} must be between 0 and 1, not {value!r}.")
        for name in ("no_contact_days", "expected_within_days"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise FilterError(f"{name} must be a whole number of days, not {value!r}.")
        if not isinstance(self.search, str):
            raise FilterError(f"The search text must be text, not {self.search!r}.")
        if len(self.search) > SEARCH_MAX_LENGTH:
            raise FilterError(f"The search text “{shortened(self.search)}” is longer than the "
                              f"{SEARCH_MAX_LENGTH} characters a search can have.")

    def replace(self, **changes: Any) -> "CustomerFilters":
        return replace(self, **changes)

    def active(self) -> dict[str, Any]:
        """The fields that narrow the list, in registry order."""
        defaults = CustomerFilters()
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) != getattr(defaults, f.name)}


@dataclass(frozen=True)
class ListFilter:
    """One filter: `sql(value, prefix)` -> (predicate, params) and the values for its sentence
    (`filter_desc_<name>` in the text catalogue, with `{values}` or `{value}` filled in)."""

    name: str
    sql: Callable[[Any, str], tuple[str, dict[str, Any]]]
    sentence_values: Callable[[Any, str], dict[str, Any]]


def _joined(values: tuple[str, ...], lang: str) -> str:
    return "、".join(values) if lang == "ja" else ", ".join(values)


def _names(kind: str) -> Callable[[tuple[str, ...], str], dict[str, Any]]:
    """Sentence values for a list of codes shown by their names (tiers, cycle statuses)."""
    def values(codes: tuple[str, ...], lang: str) -> dict[str, Any]:
        from .texts import text, tier_name

        names = tuple(tier_name(c, lang) if kind == "tier" else text(f"cycle_{c}", lang) for c in codes)
        return {"values": _joined(names, lang)}
    return values


def _plain_list(values: tuple[str, ...], lang: str) -> dict[str, Any]:
    return {"values": _joined(values, lang)}


def _one(value: Any, lang: str) -> dict[str, Any]:
    return {"value": value}


def _in_list(column: str, key: str) -> Callable[[tuple[str, ...], str], tuple[str, dict[str, Any]]]:
    return lambda values, p: (f"list_contains(${p}{key}, {column})", {f"{p}{key}": list(values)})


def _compare(column: str, operator: str, key: str) -> Callable[[Any, str], tuple[str, dict[str, Any]]]:
    return lambda value, p: (f"{column} {operator} ${p}{key}", {f"{p}{key}": float(value)})


def _search_sql(text_: str, p: str) -> tuple[str, dict[str, Any]]:
    """The text, trimmed, as it is (quotes, %, _ and NUL included), in any case: both sides are
    lowered by DuckDB, so a name is found by itself whatever Python's lower() would make of it
    (final sigma, dotted İ)."""
    columns = ("name", "company", "email")
    parts = [f"contains(lower(coalesce({c}, '')), lower(${p}search))" for c in columns]
    parts.append(f"contains(lower(customer_id), lower(${p}search))")
    return "(" + " OR ".join(parts) + ")", {f"{p}search": text_.strip()}


#: Every filter, in the order of `CustomerFilters` (captions list them in this order).
LIST_FILTERS: dict[str, ListFilter] = {
    f.name: f
    for f in (
        ListFilter("tiers", _in_list("tier", "tiers"), _names("tier")),
        ListFilter("status", lambda value, p: (f"lapsed = ${p}lapsed", {f"{p}lapsed": value == "lapsed"}),
                   lambda value, lang: {}),
        ListFilter("cycle", _in_list("cycle_status", "cycle"), _names("cycle")),
        ListFilter("channel", _in_list("channel", "channel"), _plain_list),
        ListFilter("staff", _in_list("staff", "staff"), _plain_list),
        ListFilter("region", _in_list("region", "region"), _plain_list),
        ListFilter("min_average_order_value", _compare("average_order_value", ">=", "aov_min"), _one),
        ListFilter("max_average_order_value", _compare("average_order_value", "<=", "aov_max"), _one),
        ListFilter("min_campaign_share", _compare("campaign_share", ">=", "campaign_min"), _one),
        ListFilter("max_campaign_share", _compare("campaign_share", "<=", "campaign_max"), _one),
        ListFilter("no_contact_days",
                   lambda days, p: ("(last_contact_at IS NULL OR "
                                    f"CAST(last_contact_at AS DATE) < $as_of - CAST(${p}quiet_days AS INTEGER))",
                                    {f"{p}quiet_days": int(days)}),
                   _one),
        ListFilter("never_contacted", lambda flag, p: ("last_contact_at IS NULL", {}), lambda flag, lang: {}),
        ListFilter("expected_within_days",
                   lambda days, p: (f"expected_next_order_date <= $as_of + CAST(${p}within_days AS INTEGER)",
                                    {f"{p}within_days": int(days)}),
                   _one),
        ListFilter("search", _search_sql, lambda value, lang: {"value": value.strip()}),
        ListFilter("customer_ids", _in_list("customer_id", "ids"), _plain_list),
        # The list joins the model's predictions when this is set (customers.py, predict.py).
        ListFilter("max_p_alive", _compare("p_alive", "<", "p_alive_max"), _one),
    )
}


def _sentence_key(name: str, value: Any) -> str:
    return f"filter_desc_status_{value}" if name == "status" else f"filter_desc_{name}"


def filters_sql(filters: CustomerFilters, prefix: str = "f_") -> tuple[str, dict[str, Any]]:
    """`(predicate, params)` over the list's columns (`TRUE` when nothing narrows); every
    parameter name starts with `prefix`. A search of spaces only narrows nothing."""
    parts: list[str] = []
    params: dict[str, Any] = {}
    for name, value in filters.active().items():
        if name == "search" and not value.strip():
            continue
        fragment, values = LIST_FILTERS[name].sql(value, prefix)
        parts.append(fragment)
        params.update(values)
    return (" AND ".join(parts) if parts else "TRUE"), params


def describe_filters(filters: CustomerFilters, lang: str) -> list[str]:
    """One sentence per filter in use, in the manager's language (empty list: everyone)."""
    from .texts import text

    sentences = []
    for name, value in filters.active().items():
        if name == "search" and not value.strip():
            continue
        values = LIST_FILTERS[name].sentence_values(value, lang)
        if name in ("min_campaign_share", "max_campaign_share", "max_p_alive"):
            values = {"value": f"{float(value):.0%}"}
        elif name in ("min_average_order_value", "max_average_order_value"):
            from .texts import format_amount

            values = {"value": format_amount(value, lang)}
        sentences.append(text(_sentence_key(name, value), lang, **values))
    return sentences


def filters_sentence(filters: CustomerFilters, lang: str) -> str:
    """Every filter in use as one line (the page caption, the 条件 sheet); "none" when none."""
    from .texts import text

    described = describe_filters(filters, lang)
    if not described:
        return text("filter_desc_none", lang)
    return ("、" if lang == "ja" else "; ").join(described)


# ---------------------------------------------------------------------------------------------
# Ready-made views and sort orders


@dataclass(frozen=True)
class ReadyView:
    """A list a manager opens with one click; its name is `view_<key>` in the text catalogue."""

    key: str
    filters: CustomerFilters
    sort: str

    @property
    def reads_tier_rules(self) -> bool:
        """Whether the view's customers change with `min_orders`, `min_tenure_days` or
        `min_amount`: only through a tier other than prospect and first-time (customers with no
        order or one order, whatever the thresholds)."""
        return bool(set(self.filters.tiers) - {"prospect", "first"})


READY_VIEWS: dict[str, ReadyView] = {
    view.key: view
    for view in (
        ReadyView("due_this_week", CustomerFilters(cycle=("due",), status="active", expected_within_days=7),
                  "expected"),
        ReadyView("overdue_possibly_lost", CustomerFilters(cycle=("overdue",), status="active"), "amount"),
        ReadyView("loyal_lapsing", CustomerFilters(tiers=("loyal",), status="active", cycle=("overdue",)),
                  "amount"),
        ReadyView("trend_from_campaigns", CustomerFilters(tiers=("trend",), min_campaign_share=0.5), "recent"),
        # Prospects and first-time customers, most like the customers who became loyal first
        # (prospects.py: the score, its smoothing and its reason).
        ReadyView("prospects_to_approach", CustomerFilters(tiers=("prospect", "first")), "loyal_score"),
    )
}

SORTS: dict[str, str] = {  # sort key -> ORDER BY (customer_id last: a total, repeatable order)
    "amount": "amount DESC, customer_id",
    "orders": "orders DESC, customer_id",
    "recency": "recency_days DESC NULLS LAST, customer_id",
    "recent": "last_order_date DESC NULLS LAST, customer_id",
    "expected": "expected_next_order_date NULLS LAST, customer_id",
    "last_contact": "last_contact_at NULLS FIRST, customer_id",
    "customer_id": "customer_id",
    # The likeness to loyal customers (prospects.py); filled for prospects and first-time customers.
    "loyal_score": "loyal_score DESC NULLS LAST, customer_id",
}
