"""How a view travels in the URL: `parse_query` reads what it can and names what it ignored,
`build_query` writes a view so that reading it back gives the same view."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dashboard.urlstate import View, build_query, parse_query, scope_from_values
from segmentation.scope import Scope
from segmentation.thresholds import DEFAULT_THRESHOLDS, Thresholds


def as_params(query: dict[str, str | list[str]]) -> dict[str, list[str]]:
    """Query parameters the way the app reads them from the browser: every key a list."""
    return {key: [value] if isinstance(value, str) else list(value) for key, value in query.items()}


def view_from(values: dict) -> View:
    """The view the sidebar opens from parsed values (defaults for what is missing)."""
    fields = ("min_orders", "min_tenure_days", "lapse_days", "value_axis", "min_amount")
    thresholds = DEFAULT_THRESHOLDS.replace(**{field: values[field] for field in fields if field in values})
    scope = scope_from_values({kind: values.get(kind) for kind in ("channel", "region", "staff", "category")})
    return View(lang=values.get("lang", "ja"), thresholds=thresholds, as_of=values.get("as_of"), scope=scope)


AMOUNT_VIEW = View(
    lang="en",
    thresholds=Thresholds(min_orders=4, min_tenure_days=200, lapse_days=90, value_axis="amount",
                          min_amount=Decimal("45000.50")),
    as_of=dt.date(2026, 6, 30),
    scope=Scope(channel=("SNS", "店頭"), region=("関東",), staff=("鈴木 里佳",), category=("コーヒー豆",)),
)
ORDERS_VIEW = View(lang="ja", thresholds=Thresholds(min_orders=3, min_tenure_days=0, lapse_days=30),
                   as_of=None, scope=Scope())


@pytest.mark.parametrize("view", [AMOUNT_VIEW, ORDERS_VIEW], ids=["amount axis, date and scope", "orders axis"])
def test_a_view_read_back_from_its_url_is_the_same_view(view):
    values, problems = parse_query(as_params(build_query(view)))

    assert problems == []
    assert view_from(values) == view


def test_the_url_of_a_view_names_each_setting_once():
    assert build_query(AMOUNT_VIEW) == {
        "f": "4", "t": "200", "r": "90", "axis": "amount", "m": "45000.5",
        "ch": ["SNS", "店頭"], "rg": ["関東"], "st": ["鈴木 里佳"], "cat": ["コーヒー豆"],
        "asof": "2026-06-30", "lang": "en",
    }
    assert build_query(ORDERS_VIEW) == {"f": "3", "t": "0", "r": "30", "axis": "orders", "lang": "ja"}
    assert "lang" not in build_query(ORDERS_VIEW, include_lang=False)


@pytest.mark.parametrize(
    ("key", "value", "dropped"),
    [
        ("f", "abc", "min_orders"),
        ("f", "1", "min_orders"),
        ("f", "2.5", "min_orders"),
        ("t", "-1", "min_tenure_days"),
        ("t", "forever", "min_tenure_days"),
        ("r", "ninety", "lapse_days"),
        ("axis", "foo", "value_axis"),
        ("m", "abc", "min_amount"),
        ("m", "0", "min_amount"),
        ("m", "-5000", "min_amount"),
        ("asof", "2025-13-01", "as_of"),
        ("asof", "yesterday", "as_of"),
        ("lang", "fr", "lang"),
    ],
)
def test_a_bad_value_is_dropped_with_a_problem_naming_its_key(key, value, dropped):
    values, problems = parse_query({key: [value]})

    assert dropped not in values
    assert [(problem_key, problem_value) for problem_key, problem_value, _reason in problems] == [(key, value)]
    assert all(reason for _key, _value, reason in problems)


def test_a_bad_value_leaves_the_good_ones_alone():
    values, problems = parse_query({"f": ["abc"], "t": ["200"], "r": ["90"], "lang": ["en"]})

    assert values == {"min_tenure_days": 200, "lapse_days": 90, "lang": "en"}
    assert [key for key, _value, _reason in problems] == ["f"]


def test_the_amount_axis_without_min_amount_falls_back_to_orders_with_a_problem():
    values, problems = parse_query({"axis": ["amount"]})

    assert "value_axis" not in values
    assert [(key, value) for key, value, _reason in problems] == [("axis", "amount")]


def test_the_amount_axis_with_a_bad_min_amount_names_both_keys():
    values, problems = parse_query({"axis": ["amount"], "m": ["lots"]})

    assert "value_axis" not in values and "min_amount" not in values
    assert {(key, value) for key, value, _reason in problems} == {("m", "lots"), ("axis", "amount")}


def test_the_amount_axis_with_min_amount_is_read():
    values, problems = parse_query({"axis": ["amount"], "m": ["30000"]})

    assert problems == []
    assert values == {"value_axis": "amount", "min_amount": 30000.0}


def test_scope_values_are_deduplicated_in_their_first_order():
    values, problems = parse_query({"ch": ["SNS", "店頭", "SNS"], "cat": ["紅茶", "紅茶"]})

    assert problems == []
    assert values == {"channel": ["SNS", "店頭"], "category": ["紅茶"]}


def test_empty_scope_values_are_ignored_with_a_problem():
    values, problems = parse_query({"ch": ["", "SNS", "  "], "rg": [""]})

    assert values == {"channel": ["SNS"]}
    assert [(key, value) for key, value, _reason in problems] == [("ch", ""), ("rg", "")]


def test_keys_without_values_are_ignored_silently():
    params = {key: [] for key in ("f", "t", "r", "axis", "m", "ch", "rg", "st", "cat", "asof", "lang")}

    assert parse_query(params) == ({}, [])


def test_unknown_keys_are_left_alone():
    assert parse_query({"tier": ["loyal"], "page": ["2"]}) == ({}, [])


def test_a_repeated_key_takes_its_last_value():
    values, problems = parse_query({"f": ["3", "7"], "lang": ["ja", "en"]})

    assert problems == []
    assert values == {"min_orders": 7, "lang": "en"}
