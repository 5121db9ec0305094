"""Threshold validation, the scope registry, and scope restricting every result to its customers."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reference
from segmentation import engine
from segmentation.engine import Analysis
from segmentation.errors import ScopeError, ThresholdError
from segmentation.scope import ALL_CUSTOMERS, SCOPE_KINDS, Scope
from segmentation.thresholds import DEFAULT_THRESHOLDS, Thresholds
from test_properties import days, opened, thresholds

# ---------------------------------------------------------------------------------------------
# Thresholds


def test_default_thresholds_are_the_specs():
    assert (DEFAULT_THRESHOLDS.min_orders, DEFAULT_THRESHOLDS.min_tenure_days, DEFAULT_THRESHOLDS.lapse_days,
            DEFAULT_THRESHOLDS.value_axis, DEFAULT_THRESHOLDS.overdue_factor, DEFAULT_THRESHOLDS.due_window_days) == (
        5, 365, 180, "orders", 1.5, 14)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"min_orders": 1}, "min_orders"),
        ({"min_orders": 0}, "min_orders"),
        ({"min_orders": 2.5}, "min_orders"),
        ({"min_orders": "abc"}, "min_orders"),
        ({"min_orders": None}, "min_orders"),
        ({"min_orders": True}, "min_orders"),
        ({"min_tenure_days": -1}, "min_tenure_days"),
        ({"min_tenure_days": "1e3"}, "min_tenure_days"),
        ({"lapse_days": -1}, "lapse_days"),
        ({"lapse_days": 7.5}, "lapse_days"),
        ({"due_window_days": -1}, "due_window_days"),
        ({"value_axis": "revenue"}, "value_axis"),
        ({"value_axis": "amount"}, "min_amount"),
        ({"value_axis": "amount", "min_amount": 0}, "min_amount"),
        ({"value_axis": "amount", "min_amount": "-100"}, "min_amount"),
        ({"value_axis": "amount", "min_amount": "abc"}, "min_amount"),
        ({"value_axis": "amount", "min_amount": float("nan")}, "min_amount"),
        ({"value_axis": "amount", "min_amount": "Infinity"}, "min_amount"),
        ({"min_amount": -1}, "min_amount"),
        ({"overdue_factor": 0.5}, "overdue_factor"),
        ({"overdue_factor": "fast"}, "overdue_factor"),
    ],
)
def test_an_invalid_threshold_is_a_threshold_error_naming_the_field(values, field):
    with pytest.raises(ThresholdError, match=field):
        Thresholds(**values)


def test_a_min_amount_that_rounds_to_zero_cents_is_rejected():
    with pytest.raises(ThresholdError, match="min_amount"):
        Thresholds(value_axis="amount", min_amount="0.001")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"min_orders": "3"}, {"min_orders": 3}),
        ({"min_orders": 3.0}, {"min_orders": 3}),
        ({"min_orders": 2, "min_tenure_days": 0, "lapse_days": 0},
         {"min_orders": 2, "min_tenure_days": 0, "lapse_days": 0}),
        ({"value_axis": "amount", "min_amount": "0.01"}, {"min_amount": Decimal("0.01")}),
        ({"value_axis": "amount", "min_amount": 1000}, {"min_amount": Decimal("1000.00")}),
        ({"overdue_factor": "2"}, {"overdue_factor": 2.0}),
    ],
)
def test_valid_thresholds_are_read_as_numbers(values, expected):
    thresholds = Thresholds(**values)
    assert {name: getattr(thresholds, name) for name in expected} == expected


def test_min_amount_is_held_in_exact_cents():
    assert Thresholds(value_axis="amount", min_amount="1234.56").min_amount_cents == 123456
    assert Thresholds(value_axis="amount", min_amount=0.3).min_amount_cents == 30


def test_without_tier_rules_keeps_the_lapse_and_cycle_settings_only():
    thresholds = Thresholds(min_orders=3, min_tenure_days=90, lapse_days=60, value_axis="amount", min_amount=5000,
                            overdue_factor=2.0, due_window_days=7)

    assert thresholds.without_tier_rules() == Thresholds(lapse_days=60, overdue_factor=2.0, due_window_days=7)


def test_thresholds_round_trip_through_a_dict():
    thresholds = Thresholds(min_orders=4, min_tenure_days=200, lapse_days=90, value_axis="amount",
                            min_amount="5000.5", overdue_factor=2.0, due_window_days=7)
    assert thresholds.as_dict()["min_amount"] == "5000.50"
    assert Thresholds.from_dict(thresholds.as_dict()) == thresholds


# ---------------------------------------------------------------------------------------------
# The scope registry

CHANNEL = SCOPE_KINDS["channel"].fragment
REGION = SCOPE_KINDS["region"].fragment
STAFF = SCOPE_KINDS["staff"].fragment
CATEGORY = SCOPE_KINDS["category"].fragment


@pytest.mark.parametrize(
    ("scope", "fragment", "params"),
    [
        (Scope(), "TRUE", {}),
        (Scope(channel=("web",)), CHANNEL, {"scope_channel": ["web"]}),
        (Scope(channel="web"), CHANNEL, {"scope_channel": ["web"]}),
        (Scope(channel=["web", "direct mail", "web"]), CHANNEL, {"scope_channel": ["web", "direct mail"]}),
        (Scope(region=("東京",)), REGION, {"scope_region": ["東京"]}),
        (Scope(staff=("佐藤",)), STAFF, {"scope_staff": ["佐藤"]}),
        (Scope(category=("tea",)), CATEGORY, {"scope_category": ["tea"]}),
        (Scope(category=("tea",), channel=("web",)), f"{CHANNEL} AND {CATEGORY}",
         {"scope_channel": ["web"], "scope_category": ["tea"]}),
        (Scope.from_mapping({"region": "大阪", "staff": None}), REGION, {"scope_region": ["大阪"]}),
        (Scope.from_mapping(None), "TRUE", {}),
    ],
)
def test_scope_yields_its_fragment_and_params(scope, fragment, params):
    assert scope.sql() == (fragment, params)


def test_scope_fragments_take_values_only_as_parameters():
    for name, kind in SCOPE_KINDS.items():
        assert f"$scope_{name}" in kind.fragment
        assert "'" not in kind.fragment


@pytest.mark.parametrize(
    ("scope", "en", "ja"),
    [
        (Scope(), "all customers", "全顧客"),
        (Scope(channel=("direct mail",)), "customers acquired by direct mail", "顧客（獲得経路: direct mail）"),
        (Scope(region=("東京",)), "customers in region 東京", "顧客（地域: 東京）"),
        (Scope(staff=("佐藤",)), "customers looked after by 佐藤", "顧客（担当: 佐藤）"),
        (Scope(category=("tea",)), "customers who bought tea", "顧客（購入カテゴリ: tea）"),
        (Scope(channel=("web", "展示会"), region=("大阪",)), "customers acquired by web, 展示会 and in region 大阪",
         "顧客（獲得経路: web、展示会 / 地域: 大阪）"),
    ],
)
def test_scope_describes_itself_in_both_languages(scope, en, ja):
    assert scope.describe("en") == en
    assert scope.describe("ja") == ja


def test_an_unknown_scope_kind_is_a_scope_error():
    with pytest.raises(ScopeError, match="colour"):
        Scope.from_mapping({"colour": ["red"]})


@pytest.mark.parametrize("bad", [[""], ["  "], [None], [42]])
def test_a_blank_or_non_text_scope_value_is_a_scope_error(bad):
    with pytest.raises(ScopeError, match="channel"):
        Scope(channel=bad)


# ---------------------------------------------------------------------------------------------
# Scope restricts every result to the matching customers

SCOPE_TH = Thresholds(min_orders=2, min_tenure_days=30, lapse_days=60)
CUSTOMERS = [
    # customer, created_at, channel, region, staff
    ("a", "2024-01-01 00:00:00", "web", "東京", "佐藤"),
    ("b", "2024-01-01 00:00:00", "web", "大阪", "鈴木"),
    ("c", "2024-01-01 00:00:00", "direct mail", "東京", "佐藤"),
    ("d", None, "direct mail", "大阪", None),
]
ORDERS = [
    # order, customer, date, amount, campaign, category
    ("a1", "a", "2024-01-10", 100, None, "tea"),
    ("a2", "a", "2024-03-10", 100, None, "tea"),
    ("b1", "b", "2024-01-20", 300, None, "coffee"),
    ("b2", "b", "2024-05-20", 50, None, "tea"),
    ("c1", "c", "2024-02-01", 80, None, "coffee"),
    ("c1", "c", "2024-02-01", 20, None, "tea-set"),
]


@pytest.mark.parametrize(
    ("scope", "customer_ids"),
    [
        (ALL_CUSTOMERS, {"a", "b", "c", "d"}),
        (Scope(channel=("web",)), {"a", "b"}),
        (Scope(channel=("web", "direct mail")), {"a", "b", "c", "d"}),
        (Scope(region=("東京",)), {"a", "c"}),
        (Scope(staff=("佐藤",)), {"a", "c"}),
        (Scope(category=("tea",)), {"a", "b"}),
        (Scope(category=("coffee",), channel=("web",)), {"b"}),
        (Scope(region=("名古屋",)), set()),
    ],
)
def test_scope_restricts_results_to_the_matching_customers(make_db, scope, customer_ids):
    analysis = Analysis.open(make_db(customers=CUSTOMERS, orders=ORDERS))
    kept_customers = [row for row in CUSTOMERS if row[0] in customer_ids]
    kept_orders = [row for row in ORDERS if row[1] in customer_ids]
    as_of = dt.date(2024, 6, 30)

    frame = engine.classify(analysis, SCOPE_TH, as_of, scope)
    assert set(frame["customer_id"]) == customer_ids
    assert reference.engine_figures(frame) == reference.classify(kept_customers, kept_orders, SCOPE_TH, as_of)

    counts = engine.tier_counts(analysis, SCOPE_TH, as_of, scope)
    assert counts["customers"].sum() == len(customer_ids)

    over_time = reference.engine_counts(
        engine.tier_counts_over_time(analysis, SCOPE_TH, "month", "2024-01-01", "2024-06-30", scope))
    for period_end in reference.period_ends("2024-01-01", "2024-06-30", "month"):
        expected = reference.counts_at(kept_customers, kept_orders, SCOPE_TH, period_end)
        assert {k[1:]: n for k, n in over_time.items() if k[0] == period_end and n} == dict(expected), period_end

    moves = reference.engine_moves(
        engine.movements_over_time(analysis, SCOPE_TH, "month", "2024-01-01", "2024-06-30", scope))
    assert sum(moves.values()) == sum(
        sum(reference.movements(kept_customers, kept_orders, SCOPE_TH,
                                reference.previous_period_end(end, "month"), end).values())
        for end in reference.period_ends("2024-01-01", "2024-06-30", "month"))

    transitions = engine.transitions(analysis, SCOPE_TH, "2024-01-31", as_of, scope)
    assert reference.engine_transitions(transitions) == reference.transitions(
        kept_customers, kept_orders, SCOPE_TH, "2024-01-31", as_of)

    conversion = engine.channel_conversion(analysis, SCOPE_TH, as_of, scope)
    assert conversion["acquired"].sum() == len(customer_ids)


def test_category_scope_keeps_all_orders_of_the_customers_who_bought_it(make_db):
    analysis = Analysis.open(make_db(customers=CUSTOMERS, orders=ORDERS))
    result = reference.engine_figures(engine.classify(analysis, SCOPE_TH, "2024-06-30", Scope(category=("tea",))))
    assert {cid: (f.tier, f.orders, f.amount) for cid, f in result.items()} == {
        "a": ("loyal", 2, Decimal("200.00")),
        "b": ("loyal", 2, Decimal("350.00")),  # the coffee order counts too
    }


def test_category_scope_looks_at_purchases_at_any_time(make_db):
    # b bought tea only on 2024-05-20; it is in the tea scope before that too.
    analysis = Analysis.open(make_db(customers=CUSTOMERS, orders=ORDERS))
    result = reference.engine_figures(engine.classify(analysis, SCOPE_TH, "2024-02-29", Scope(category=("tea",))))
    assert {cid: (f.tier, f.orders) for cid, f in result.items()} == {"a": ("first", 1), "b": ("first", 1)}


def test_a_line_of_a_shared_order_puts_the_customer_in_its_category(make_db):
    analysis = Analysis.open(make_db(customers=CUSTOMERS, orders=ORDERS))
    frame = engine.classify(analysis, SCOPE_TH, "2024-06-30", Scope(category=("tea-set",)))
    assert frame["customer_id"].tolist() == ["c"]
    assert frame["orders"].tolist() == [1]


def test_scope_counts_by_tier(make_db):
    analysis = Analysis.open(make_db(customers=CUSTOMERS, orders=ORDERS))
    frame = engine.tier_counts(analysis, SCOPE_TH, "2024-06-30", Scope(region=("東京",)))
    assert Counter({(r["tier"], r["lapsed"]): r["customers"] for r in frame.to_dict("records") if r["customers"]}) == \
        Counter({("loyal", True): 1, ("first", True): 1})


# ---------------------------------------------------------------------------------------------
# Scope on random data: every scoped result equals the reference run on the matching customers

CHANNELS, REGIONS, STAFF = ("web", "dm", None), ("東京", "大阪", None), ("佐藤", None)
CATEGORIES = ("tea", "coffee", None)


@st.composite
def scoped_datasets(draw):
    customers = [
        (f"c{n}", draw(st.one_of(st.none(), days(-30, 400))), draw(st.sampled_from(CHANNELS)),
         draw(st.sampled_from(REGIONS)), draw(st.sampled_from(STAFF)))
        for n in range(draw(st.integers(0, 8)))
    ]
    ids = [c[0] for c in customers] + ["orphan"]
    orders = [
        (draw(st.sampled_from([f"o{n}", "shared"])), draw(st.sampled_from(ids)), draw(days(0, 400)),
         Decimal(draw(st.integers(-3_000, 20_000))) / 100, None, draw(st.sampled_from(CATEGORIES)))
        for n in range(draw(st.integers(0, 12)))
    ] if customers else []
    return customers, orders


scopes = st.builds(
    Scope,
    channel=st.lists(st.sampled_from(["web", "dm"]), max_size=2),
    region=st.lists(st.sampled_from(["東京", "大阪"]), max_size=1),
    staff=st.lists(st.sampled_from(["佐藤"]), max_size=1),
    category=st.lists(st.sampled_from(["tea", "coffee"]), max_size=2),
)


def matching(customers, orders, scope: Scope):
    """The customer rows (minimal customers included) and order rows the scope keeps."""
    kept = []
    for customer in reference.all_customers(customers, orders):
        channel, region, staff = (tuple(customer) + (None, None, None))[2:5]
        bought = {row[5] for row in orders if row[1] == customer[0] and len(row) > 5}
        if ((not scope.channel or channel in scope.channel) and (not scope.region or region in scope.region)
                and (not scope.staff or staff in scope.staff)
                and (not scope.category or bought & set(scope.category))):
            kept.append(customer)
    kept_ids = {customer[0] for customer in kept}
    return kept, [row for row in orders if row[1] in kept_ids]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=scoped_datasets(), scope=scopes, th=thresholds(), freq=st.sampled_from(["week", "month", "quarter"]),
       as_of=days(0, 420))
def test_scoped_results_equal_the_reference_on_the_matching_customers(data, scope, th, freq, as_of):
    customers, orders = data
    kept_customers, kept_orders = matching(customers, orders, scope)
    start, end = dt.date(2023, 1, 1), dt.date(2024, 3, 31)
    with opened(customers, orders) as analysis:
        classified = reference.engine_figures(engine.classify(analysis, th, as_of, scope))
        counts = reference.engine_counts(engine.tier_counts_over_time(analysis, th, freq, start, end, scope))
        moves = reference.engine_moves(engine.movements_over_time(analysis, th, freq, start, end, scope))
        revenue = reference.engine_counts(engine.revenue_over_time(analysis, th, freq, start, end, scope), "revenue")
        transitions = reference.engine_transitions(engine.transitions(analysis, th, start, as_of, scope))
    assert classified == reference.classify(kept_customers, kept_orders, th, as_of)
    assert transitions == reference.transitions(kept_customers, kept_orders, th, start, as_of)
    for period_end in reference.period_ends(start, end, freq):
        previous = reference.previous_period_end(period_end, freq)
        expected = reference.counts_at(kept_customers, kept_orders, th, period_end)
        assert {k[1:]: n for k, n in counts.items() if k[0] == period_end and n} == dict(+expected), period_end
        expected_moves = reference.movements(kept_customers, kept_orders, th, previous, period_end)
        assert Counter({k[1:]: n for k, n in moves.items() if k[0] == period_end}) == expected_moves, period_end
        expected_revenue = reference.revenue(kept_customers, kept_orders, th, previous, period_end)
        assert {k[1:]: Decimal(str(v)) for k, v in revenue.items() if k[0] == period_end and v} == \
            {k: v for k, v in expected_revenue.items() if v}, period_end
