"""What a view is (language, thresholds, date, scope) and how it travels in the URL.

Pure functions, no Streamlit: `parse_query` reads query parameters into widget values and the
problems it ignored; `build_query` writes them back. A bookmarked or shared URL opens the same
view; a bad value (hostile ones included: 100,000 characters, NUL bytes, a channel no customer
has) is dropped with a reason the page shows, and parsing never raises.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from segmentation.errors import SegmentationError
from segmentation.scope import SCOPE_KINDS, Scope
from segmentation.text_checks import shortened
from segmentation.thresholds import DEFAULT_THRESHOLDS, Thresholds

#: URL key -> threshold field
THRESHOLD_KEYS = {"f": "min_orders", "t": "min_tenure_days", "r": "lapse_days", "axis": "value_axis", "m": "min_amount"}
#: URL key -> scope kind
SCOPE_KEYS = {"ch": "channel", "rg": "region", "st": "staff", "cat": "category"}
OTHER_KEYS = ("asof", "lang")
ALL_KEYS = (*THRESHOLD_KEYS, *SCOPE_KEYS, *OTHER_KEYS)
#: The longest value a query parameter may carry (a staff or channel name included).
MAX_VALUE_LENGTH = 200
#: The dates a URL may ask for; the engine reckons weeks from 1900-01-01.
EARLIEST_AS_OF, LATEST_AS_OF = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


@dataclass(frozen=True)
class View:
    """Everything the sidebar decides; every page draws from it."""

    lang: str
    thresholds: Thresholds
    as_of: dt.date | None  # None follows the latest order date
    scope: Scope
    #: (min, max, step) of each threshold slider, as far as the data reaches; the tier map's
    #: axis follows the minimum-orders slider. Not part of the URL.
    slider_ranges: Mapping[str, tuple[int, int, int]] | None = None


def parse_query(
    params: Mapping[str, Sequence[str]], scope_options: Mapping[str, Sequence[str]] | None = None
) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    """Widget values from query parameters, and (key, value, reason) for each one ignored.

    Returned keys: min_orders, min_tenure_days, lapse_days, value_axis, min_amount, as_of,
    lang, channel, region, staff, category — only those present and valid. Never raises: a value
    that is not text, longer than `MAX_VALUE_LENGTH`, out of range, or (given `scope_options`, the
    values the data holds per scope kind) a scope value no customer has is ignored with its
    reason. The value in a problem is shortened for showing (`text_checks.shortened`).
    """
    values: dict[str, Any] = {}
    problems: list[tuple[str, str, str]] = []

    def usable(key: str) -> list[str]:
        raw = params.get(key) or []
        kept = []
        for value in [raw] if isinstance(raw, str) else raw:
            if value is None:
                continue
            if not isinstance(value, str):
                problems.append((key, shortened(str(value)), "not text."))
            elif len(value) > MAX_VALUE_LENGTH:
                problems.append((key, shortened(value), f"longer than {MAX_VALUE_LENGTH} characters."))
            else:
                kept.append(value)
        return kept

    for key, field in THRESHOLD_KEYS.items():
        raw = usable(key)
        if not raw:
            continue
        value = raw[-1]
        try:
            if field == "min_amount":
                checked = Thresholds(value_axis="amount", min_amount=value).min_amount
                values[field] = float(checked)
            else:
                probe = DEFAULT_THRESHOLDS.replace(min_amount="1", **{field: value})
                values[field] = getattr(probe, field)
        except (SegmentationError, ValueError, ArithmeticError) as error:
            problems.append((key, shortened(value), str(error)))
    if values.get("value_axis") == "amount" and "min_amount" not in values:
        problems.append(("axis", "amount", "min_amount (m) is missing, so the orders axis is used."))
        values.pop("value_axis")
    for key, kind in SCOPE_KEYS.items():
        raw = usable(key)
        cleaned = [value for value in raw if value.strip()]
        if len(cleaned) != len(raw):
            problems.append((key, "", "empty values are ignored."))
        known = set((scope_options or {}).get(kind) or ())
        unknown = [value for value in dict.fromkeys(cleaned) if known and value not in known]
        problems.extend((key, shortened(value), f"no customer has this {kind}.") for value in unknown)
        cleaned = [value for value in cleaned if value not in unknown]
        if cleaned:
            values[kind] = list(dict.fromkeys(cleaned))
    raw = usable("asof")
    if raw:
        try:
            as_of = dt.date.fromisoformat(raw[-1])
        except ValueError:
            problems.append(("asof", shortened(raw[-1]), "not a date like 2025-03-31."))
        else:
            if EARLIEST_AS_OF <= as_of <= LATEST_AS_OF:
                values["as_of"] = as_of
            else:
                problems.append(("asof", raw[-1], f"not a date between {EARLIEST_AS_OF} and {LATEST_AS_OF}."))
    raw = usable("lang")
    if raw:
        if raw[-1] in ("ja", "en"):
            values["lang"] = raw[-1]
        else:
            problems.append(("lang", shortened(raw[-1]), "use ja or en."))
    return values, problems


def build_query(view: View, *, include_lang: bool = True) -> dict[str, str | list[str]]:
    """Query parameters that reopen `view`."""
    th = view.thresholds
    query: dict[str, str | list[str]] = {
        "f": str(th.min_orders),
        "t": str(th.min_tenure_days),
        "r": str(th.lapse_days),
        "axis": th.value_axis,
    }
    if th.value_axis == "amount" and th.min_amount is not None:
        query["m"] = format(th.min_amount.normalize(), "f")
    for key, kind in SCOPE_KEYS.items():
        chosen = list(getattr(view.scope, kind))
        if chosen:
            query[key] = chosen
    if view.as_of is not None:
        query["asof"] = view.as_of.isoformat()
    if include_lang:
        query["lang"] = view.lang
    return query


def scope_from_values(values: Mapping[str, Sequence[str]]) -> Scope:
    return Scope(**{kind: tuple(values.get(kind) or ()) for kind in SCOPE_KINDS})
