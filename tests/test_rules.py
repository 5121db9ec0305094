"""The tier rules of SPEC-tiers.md, one hand-made case per rule and boundary.

Each test builds a tiny database from a literal order table and compares the engine's answer
with the full expected output written beside it. Unless a test says otherwise the thresholds
are f = 3 orders, t = 100 days, r = 30 days and the date D is 2024-06-30.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest

import reference
from segmentation import engine
from segmentation.errors import DateError
from segmentation.engine import Analysis
from segmentation.thresholds import DEFAULT_THRESHOLDS, Thresholds
from segmentation.texts import text

D = "2024-06-30"
TH = Thresholds(min_orders=3, min_tenure_days=100, lapse_days=30)


def day(text_: str | None) -> dt.date | None:
    return None if text_ is None else dt.date.fromisoformat(text_)


def classified(make_db, customers, orders, thresholds=TH, as_of=D, scope=None):
    """{customer_id: Figures} as the engine classifies the rows at `as_of`."""
    analysis = Analysis.open(make_db(customers=customers, orders=orders))
    try:
        return reference.engine_figures(engine.classify(analysis, thresholds, as_of, scope))
    finally:
        analysis.close()


def tiers(result) -> dict[str, tuple]:
    """{customer_id: (tier, lapsed, F)}: the short form most tests compare."""
    return {cid: (f.tier, f.lapsed, f.orders) for cid, f in result.items()}


def customers_of(orders, created_at="2023-01-01"):
    return sorted({(row[1], created_at) for row in orders})


def agrees_with_reference(customers, orders, thresholds, as_of, result) -> None:
    assert result == reference.classify(customers, orders, thresholds, as_of)


# ---------------------------------------------------------------------------------------------
# The orders axis: F = f - 1, f, f + 1


def test_high_when_orders_reach_min_orders_over_a_long_tenure(make_db):
    orders = [
        # order_id, customer, date, amount
        ("a1", "f2", "2024-01-01", 10), ("a2", "f2", "2024-06-20", 10),
        ("b1", "f3", "2024-01-01", 10), ("b2", "f3", "2024-03-01", 10), ("b3", "f3", "2024-06-20", 10),
        ("c1", "f4", "2024-01-01", 10), ("c2", "f4", "2024-03-01", 10), ("c3", "f4", "2024-04-01", 10),
        ("c4", "f4", "2024-06-20", 10),
    ]
    result = classified(make_db, customers_of(orders), orders)
    assert tiers(result) == {
        "f2": ("steady", False, 2),
        "f3": ("loyal", False, 3),
        "f4": ("loyal", False, 4),
    }
    agrees_with_reference(customers_of(orders), orders, TH, D, result)


def test_high_when_orders_reach_min_orders_over_a_short_tenure(make_db):
    orders = [
        ("a1", "f2", "2024-05-01", 10), ("a2", "f2", "2024-06-20", 10),
        ("b1", "f3", "2024-05-01", 10), ("b2", "f3", "2024-06-01", 10), ("b3", "f3", "2024-06-20", 10),
        ("c1", "f4", "2024-05-01", 10), ("c2", "f4", "2024-06-01", 10), ("c3", "f4", "2024-06-10", 10),
        ("c4", "f4", "2024-06-20", 10),
    ]
    result = classified(make_db, customers_of(orders), orders)
    assert tiers(result) == {
        "f2": ("nascent", False, 2),
        "f3": ("trend", False, 3),
        "f4": ("trend", False, 4),
    }


def test_one_order_is_first_time_whatever_the_thresholds(make_db):
    orders = [("a1", "one", "2024-06-20", 1_000_000)]
    result = classified(make_db, customers_of(orders), orders,
                        thresholds=Thresholds(min_orders=2, min_tenure_days=0, lapse_days=30))
    assert result == {
        "one": reference.Figures("first", False, 1, Decimal("1000000.00"), day("2024-06-20"), day("2024-06-20"),
                                 0, 10, None, None),
    }


# ---------------------------------------------------------------------------------------------
# The tenure axis: T = t - 1, t


def test_long_tenure_when_tenure_reaches_min_tenure_days(make_db):
    orders = [
        ("a1", "t99", "2024-03-13", 10), ("a2", "t99", "2024-05-01", 10), ("a3", "t99", "2024-06-20", 10),
        ("b1", "t100", "2024-03-12", 10), ("b2", "t100", "2024-05-01", 10), ("b3", "t100", "2024-06-20", 10),
        ("c1", "low99", "2024-03-13", 10), ("c2", "low99", "2024-06-20", 10),
        ("d1", "low100", "2024-03-12", 10), ("d2", "low100", "2024-06-20", 10),
    ]
    result = classified(make_db, customers_of(orders), orders)
    assert {cid: (f.tier, f.tenure) for cid, f in result.items()} == {
        "t99": ("trend", 99),
        "t100": ("loyal", 100),
        "low99": ("nascent", 99),
        "low100": ("steady", 100),
    }


def test_min_tenure_zero_makes_every_repeat_customer_long(make_db):
    orders = [("a1", "same_day", "2024-06-20", 10), ("a2", "same_day", "2024-06-20", 10)]
    result = classified(make_db, customers_of(orders), orders,
                        thresholds=Thresholds(min_orders=2, min_tenure_days=0, lapse_days=30))
    assert tiers(result) == {"same_day": ("loyal", False, 2)}
    assert result["same_day"].tenure == 0


# ---------------------------------------------------------------------------------------------
# The lapse axis: R = r, r + 1


def test_lapsed_when_recency_exceeds_lapse_days(make_db):
    orders = [
        ("a1", "r30", "2024-05-31", 10),
        ("b1", "r31", "2024-05-30", 10),
        ("c1", "repeat_r30", "2024-01-01", 10), ("c2", "repeat_r30", "2024-05-31", 10),
        ("d1", "repeat_r31", "2024-01-01", 10), ("d2", "repeat_r31", "2024-05-30", 10),
    ]
    result = classified(make_db, customers_of(orders), orders)
    assert {cid: (f.tier, f.lapsed, f.recency) for cid, f in result.items()} == {
        "r30": ("first", False, 30),
        "r31": ("first", True, 31),
        "repeat_r30": ("steady", False, 30),
        "repeat_r31": ("steady", True, 31),
    }


def test_lapse_days_zero_lapses_the_day_after_an_order(make_db):
    orders = [("a1", "today", "2024-06-30", 10), ("b1", "yesterday", "2024-06-29", 10)]
    result = classified(make_db, customers_of(orders), orders,
                        thresholds=Thresholds(min_orders=3, min_tenure_days=100, lapse_days=0))
    assert tiers(result) == {"today": ("first", False, 1), "yesterday": ("first", True, 1)}


# ---------------------------------------------------------------------------------------------
# The amount axis: M = m - 0.01, m, in exact decimals


AMOUNT_TH = Thresholds(min_orders=3, min_tenure_days=100, lapse_days=30, value_axis="amount", min_amount="0.30")


def test_amount_axis_is_high_when_amount_reaches_min_amount_exactly(make_db):
    orders = [
        ("a1", "tenth_and_fifth", "2024-06-01", "0.10"), ("a2", "tenth_and_fifth", "2024-06-20", "0.20"),
        ("b1", "three_tenths", "2024-06-01", "0.10"), ("b2", "three_tenths", "2024-06-10", "0.10"),
        ("b3", "three_tenths", "2024-06-20", "0.10"),
        ("c1", "a_cent_short", "2024-06-01", "0.10"), ("c2", "a_cent_short", "2024-06-20", "0.19"),
    ]
    result = classified(make_db, customers_of(orders), orders, thresholds=AMOUNT_TH)
    assert {cid: (f.tier, f.orders, f.amount) for cid, f in result.items()} == {
        "a_cent_short": ("nascent", 2, Decimal("0.29")),
        "tenth_and_fifth": ("trend", 2, Decimal("0.30")),
        "three_tenths": ("trend", 3, Decimal("0.30")),
    }


def test_amount_axis_ignores_the_order_count(make_db):
    orders = [
        ("a1", "many_small", "2024-01-01", 1), ("a2", "many_small", "2024-02-01", 1),
        ("a3", "many_small", "2024-03-01", 1), ("a4", "many_small", "2024-04-01", 1),
        ("a5", "many_small", "2024-06-20", 1),
        ("b1", "two_large", "2024-01-01", "600.00"), ("b2", "two_large", "2024-06-20", "400.00"),
        ("c1", "two_just_short", "2024-01-01", "600.00"), ("c2", "two_just_short", "2024-06-20", "399.99"),
    ]
    thresholds = Thresholds(min_orders=3, min_tenure_days=100, lapse_days=30, value_axis="amount", min_amount=1000)
    result = classified(make_db, customers_of(orders), orders, thresholds=thresholds)
    assert {cid: (f.tier, f.orders, f.amount) for cid, f in result.items()} == {
        "many_small": ("steady", 5, Decimal("5.00")),
        "two_just_short": ("steady", 2, Decimal("999.99")),
        "two_large": ("loyal", 2, Decimal("1000.00")),
    }


def test_a_refund_lowers_the_amount_below_min_amount(make_db):
    orders = [
        ("a1", "refunded", "2024-01-01", "600.00"), ("a2", "refunded", "2024-06-01", "500.00"),
        ("r1", "refunded", "2024-06-20", "-100.01"),
    ]
    thresholds = Thresholds(min_orders=3, min_tenure_days=100, lapse_days=30, value_axis="amount", min_amount=1000)
    before = classified(make_db, customers_of(orders), orders, thresholds=thresholds, as_of="2024-06-19")
    after = classified(make_db, customers_of(orders), orders, thresholds=thresholds, as_of="2024-06-20")
    assert (before["refunded"].tier, before["refunded"].amount) == ("loyal", Decimal("1100.00"))
    assert (after["refunded"].tier, after["refunded"].amount) == ("steady", Decimal("999.99"))


# ---------------------------------------------------------------------------------------------
# Refunds and order lines


def test_a_refund_on_its_own_row_is_not_an_order_but_lowers_the_amount(make_db):
    orders = [
        ("o1", "c", "2024-03-01", 100), ("o2", "c", "2024-04-01", 50), ("r1", "c", "2024-05-01", -30),
    ]
    result = classified(make_db, customers_of(orders), orders)
    assert result == {
        "c": reference.Figures("nascent", True, 2, Decimal("120.00"), day("2024-03-01"), day("2024-04-01"),
                               31, 90, day("2024-05-02"), "overdue"),
    }


def test_a_refund_line_that_brings_its_order_to_zero_removes_the_order(make_db):
    orders = [
        ("o1", "to_zero", "2024-03-01", 100), ("o2", "to_zero", "2024-04-01", 50), ("o2", "to_zero", "2024-05-01", -50),
        ("p1", "below_zero", "2024-03-01", 100), ("p2", "below_zero", "2024-04-01", 50),
        ("p2", "below_zero", "2024-05-01", -60),
        ("q1", "only_order", "2024-03-01", 100), ("q1", "only_order", "2024-03-02", -100),
    ]
    result = classified(make_db, customers_of(orders), orders)
    assert {cid: (f.tier, f.orders, f.amount, f.first, f.last) for cid, f in result.items()} == {
        "below_zero": ("first", 1, Decimal("90.00"), day("2024-03-01"), day("2024-03-01")),
        "only_order": ("prospect", 0, Decimal("0.00"), None, None),
        "to_zero": ("first", 1, Decimal("100.00"), day("2024-03-01"), day("2024-03-01")),
    }


def test_rows_sharing_an_order_id_are_one_order_dated_at_the_earliest_row(make_db):
    orders = [
        ("o1", "lines", "2024-03-05", "60.00"), ("o1", "lines", "2024-03-01", "40.00"),
        ("o2", "lines", "2024-06-01", "5.00"),
    ]
    result = classified(make_db, customers_of(orders), orders)
    assert result == {
        "lines": reference.Figures("nascent", False, 2, Decimal("105.00"), day("2024-03-01"), day("2024-06-01"),
                                   92, 29, day("2024-09-01"), "not_due"),
    }


def test_the_same_order_id_of_two_customers_is_two_orders(make_db):
    orders = [("o1", "ann", "2024-06-01", 10), ("o1", "bob", "2024-06-02", -10)]
    result = classified(make_db, customers_of(orders), orders)
    assert tiers(result) == {"ann": ("first", False, 1), "bob": ("prospect", None, 0)}
    assert result["bob"].amount == Decimal("-10.00")


def test_a_later_refund_line_counts_from_its_orders_earliest_date(make_db):
    # The order's date is its earliest line, so its summed amount (here zero) counts from then.
    orders = [("o1", "c", "2024-04-01", 50), ("o1", "c", "2024-05-01", -50), ("o2", "c", "2024-03-01", 10)]
    result = classified(make_db, customers_of(orders), orders, as_of="2024-04-15")
    assert (result["c"].orders, result["c"].amount) == (1, Decimal("10.00"))


# ---------------------------------------------------------------------------------------------
# Prospects and which customers exist at D


def test_prospects_are_customers_without_orders_on_or_before_d(make_db):
    customers = [
        ("known", "2024-01-01 09:00:00"),
        ("future", "2024-07-01 00:00:00"),
        ("unknown_created", None),
        ("created_tonight", "2024-06-30 23:59:00"),
        ("created_after_first_order", "2024-08-01 00:00:00"),
        ("only_future_orders", None),
    ]
    orders = [("o1", "created_after_first_order", "2024-03-01", 10), ("o2", "only_future_orders", "2024-07-01", 10)]
    result = classified(make_db, customers, orders)
    assert tiers(result) == {
        "created_after_first_order": ("first", True, 1),
        "created_tonight": ("prospect", None, 0),
        "known": ("prospect", None, 0),
        "only_future_orders": ("prospect", None, 0),
        "unknown_created": ("prospect", None, 0),
    }
    agrees_with_reference(customers, orders, TH, D, result)


def test_a_customer_with_unknown_created_at_is_a_prospect_at_any_early_date(make_db):
    customers = [("unknown_created", None), ("known", "2020-01-01 00:00:00")]
    orders = [("o1", "known", "2024-01-01", 10)]
    assert tiers(classified(make_db, customers, orders, as_of="1990-01-01")) == {
        "unknown_created": ("prospect", None, 0),
    }


def test_a_refund_before_created_at_does_not_make_the_customer_exist(make_db):
    # SPEC: a prospect has no order on or before D and created_at on or before D; a refund is
    # not an order, so before created_at the customer is not counted at all.
    customers = [("refunded_early", "2024-12-01 00:00:00"), ("other", "2024-01-01 00:00:00")]
    orders = [("r1", "refunded_early", "2024-02-01", -20), ("o1", "other", "2024-06-30", 10)]
    result = classified(make_db, customers, orders)
    assert "refunded_early" not in result


def test_a_refund_before_created_at_counts_from_created_at(make_db):
    customers = [("refunded_early", "2024-03-01 00:00:00")]
    orders = [("r1", "refunded_early", "2024-02-01", -20), ("o9", "refunded_early", "2024-09-01", 0)]
    analysis = Analysis.open(make_db(customers=customers, orders=orders))
    assert engine.classify(analysis, TH, as_of="2024-02-15").empty
    result = reference.engine_figures(engine.classify(analysis, TH, as_of="2024-06-30"))
    assert tiers(result) == {"refunded_early": ("prospect", None, 0)}
    assert result["refunded_early"].amount == Decimal("-20.00")


def test_only_orders_dated_on_or_before_d_count(make_db):
    orders = [("o1", "c", "2024-06-01", 10), ("o2", "c", "2024-06-30", 20), ("o3", "c", "2024-07-01", 40)]
    result = classified(make_db, customers_of(orders), orders)
    assert result == {
        "c": reference.Figures("nascent", False, 2, Decimal("30.00"), day("2024-06-01"), day("2024-06-30"),
                               29, 0, day("2024-07-29"), "not_due"),
    }


def test_prospects_have_no_tenure_recency_or_cycle(make_db):
    customers = [("no_rows", "2024-01-01 00:00:00"), ("only_refund", "2024-01-01 00:00:00")]
    orders = [("r1", "only_refund", "2024-02-01", -5)]
    result = classified(make_db, customers, orders)
    assert result == {
        "no_rows": reference.Figures("prospect", None, 0, Decimal("0.00"), None, None, None, None, None, None),
        "only_refund": reference.Figures("prospect", None, 0, Decimal("-5.00"), None, None, None, None, None, None),
    }


def test_an_order_for_an_unknown_customer_creates_a_minimal_customer(make_db):
    customers = [("known", "2024-01-01 00:00:00")]
    orders = [("o1", "unknown", "2024-06-01", 10), ("o2", "unknown", "2024-06-20", 10)]
    result = classified(make_db, customers, orders)
    assert tiers(result) == {"known": ("prospect", None, 0), "unknown": ("nascent", False, 2)}
    # with no created_at the minimal customer has always existed: a prospect before its order
    assert tiers(classified(make_db, customers, orders, as_of="2024-05-01")) == {
        "known": ("prospect", None, 0), "unknown": ("prospect", None, 0),
    }


def test_orders_without_any_customer_rows_still_count(make_db):
    orders = [("o1", "x", "2024-06-01", 10), ("o2", "y", "2024-06-20", 10)]
    result = classified(make_db, [], orders)
    assert tiers(result) == {"x": ("first", False, 1), "y": ("first", False, 1)}


def test_customer_ids_keep_leading_zeros(make_db):
    customers = [("00042", None), ("042", None), ("42", None)]
    orders = [("o1", "00042", "2024-06-01", 10)]
    result = classified(make_db, customers, orders)
    assert tiers(result) == {
        "00042": ("first", False, 1),
        "042": ("prospect", None, 0),
        "42": ("prospect", None, 0),
    }


# ---------------------------------------------------------------------------------------------
# Next order: expected date and cycle status


@pytest.mark.parametrize(
    ("order_dates", "interval", "expected_next"),
    [
        # T = 3, F = 3: I = 1.5 rounds half up to 2 days
        (("2024-06-01", "2024-06-02", "2024-06-04"), 1.5, "2024-06-06"),
        # T = 5, F = 3: I = 2.5 -> 3 days
        (("2024-06-01", "2024-06-03", "2024-06-06"), 2.5, "2024-06-09"),
        # T = 4, F = 4: I = 1.33 -> 1 day
        (("2024-06-01", "2024-06-02", "2024-06-03", "2024-06-05"), 4 / 3, "2024-06-06"),
        # T = 5, F = 4: I = 1.67 -> 2 days
        (("2024-06-01", "2024-06-02", "2024-06-03", "2024-06-06"), 5 / 3, "2024-06-08"),
        # T = 0, F = 2: same-day orders, I = 0
        (("2024-06-06", "2024-06-06"), 0.0, "2024-06-06"),
    ],
)
def test_expected_next_order_date_is_last_plus_interval_rounded_half_up(make_db, order_dates, interval, expected_next):
    orders = [(f"o{n}", "c", when, 10) for n, when in enumerate(order_dates)]
    analysis = Analysis.open(make_db(customers=customers_of(orders), orders=orders))
    frame = engine.classify(analysis, TH, D)
    assert frame["interval_days"].tolist() == pytest.approx([interval])
    assert reference.engine_figures(frame)["c"].expected_next == day(expected_next)


def test_cycle_status_boundaries(make_db):
    orders = [
        # F = 3, T = 20, I = 10: overdue when R > 15
        ("a1", "r15", "2024-05-26", 10), ("a2", "r15", "2024-06-05", 10), ("a3", "r15", "2024-06-15", 10),
        ("b1", "r16", "2024-05-25", 10), ("b2", "r16", "2024-06-04", 10), ("b3", "r16", "2024-06-14", 10),
        # F = 2, T = I = 100: expected = D + 14 (due) and D + 15 (not due)
        ("c1", "in_14_days", "2023-12-27", 10), ("c2", "in_14_days", "2024-04-05", 10),
        ("d1", "in_15_days", "2023-12-28", 10), ("d2", "in_15_days", "2024-04-06", 10),
        # one order: no cycle
        ("e1", "once", "2024-06-01", 10),
    ]
    result = classified(make_db, customers_of(orders), orders)
    assert {cid: (f.recency, f.expected_next, f.cycle_status) for cid, f in result.items()} == {
        "in_14_days": (86, day("2024-07-14"), "due"),
        "in_15_days": (85, day("2024-07-15"), "not_due"),
        "once": (29, None, None),
        "r15": (15, day("2024-06-25"), "due"),
        "r16": (16, day("2024-06-24"), "overdue"),
    }


def test_cycle_status_follows_the_overdue_factor_and_due_window(make_db):
    orders = [("a1", "c", "2024-05-26", 10), ("a2", "c", "2024-06-05", 10), ("a3", "c", "2024-06-15", 10)]
    # I = 10, R = 15, expected = 2024-06-25 = D - 5
    strict = Thresholds(min_orders=3, min_tenure_days=100, lapse_days=30, overdue_factor=1.0)
    assert classified(make_db, customers_of(orders), orders, thresholds=strict)["c"].cycle_status == "overdue"
    later = ("2024-06-06", "2024-06-16", "2024-06-26")  # expected 2024-07-06 = D + 6
    orders = [(f"o{n}", "c", when, 10) for n, when in enumerate(later)]
    narrow = Thresholds(min_orders=3, min_tenure_days=100, lapse_days=30, due_window_days=5)
    wide = Thresholds(min_orders=3, min_tenure_days=100, lapse_days=30, due_window_days=6)
    assert classified(make_db, customers_of(orders), orders, thresholds=narrow)["c"].cycle_status == "not_due"
    assert classified(make_db, customers_of(orders), orders, thresholds=wide)["c"].cycle_status == "due"


# ---------------------------------------------------------------------------------------------
# Counts at one date


def test_tier_counts_list_every_tier_and_status_with_zeros(make_db):
    customers = [("lead", "2024-01-01 00:00:00"), ("buyer", "2024-01-01 00:00:00")]
    orders = [("o1", "buyer", "2024-06-20", "150.50"), ("r1", "buyer", "2024-06-21", "-50.50")]
    analysis = Analysis.open(make_db(customers=customers, orders=orders))
    frame = engine.tier_counts(analysis, TH, D)
    rows = [(r["tier"], r["lapsed"], r["customers"], r["share"], r["amount"], r["amount_share"])
            for r in frame.to_dict("records")]
    assert rows == [
        ("prospect", None, 1, 0.5, 0.0, 0.0),
        ("first", False, 1, 0.5, 100.0, 1.0),
        ("first", True, 0, 0.0, 0.0, 0.0),
        ("nascent", False, 0, 0.0, 0.0, 0.0),
        ("nascent", True, 0, 0.0, 0.0, 0.0),
        ("steady", False, 0, 0.0, 0.0, 0.0),
        ("steady", True, 0, 0.0, 0.0, 0.0),
        ("trend", False, 0, 0.0, 0.0, 0.0),
        ("trend", True, 0, 0.0, 0.0, 0.0),
        ("loyal", False, 0, 0.0, 0.0, 0.0),
        ("loyal", True, 0, 0.0, 0.0, 0.0),
    ]


def test_tier_counts_of_an_empty_database_are_all_zero(make_db):
    analysis = Analysis.open(make_db())
    frame = engine.tier_counts(analysis, TH, D)
    assert len(frame) == 11
    assert frame["customers"].sum() == 0
    assert set(frame["share"]) == {0.0}


# ---------------------------------------------------------------------------------------------
# Over time

OVER_TIME_TH = Thresholds(min_orders=2, min_tenure_days=60, lapse_days=45)
OVER_TIME_CUSTOMERS = [("a", "2024-01-10 00:00:00"), ("b", None), ("c", "2024-03-05 00:00:00")]
OVER_TIME_ORDERS = [
    ("a1", "a", "2024-01-15", 100),
    ("b1", "b", "2024-02-03", 30),
    ("a2", "a", "2024-02-20", 50),
    ("a3", "a", "2024-04-25", 70),
]
# a: first (Jan), trend from 2024-02-20 (F = 2, T = 36), loyal from 2024-04-25 (T = 101),
#    lapsed from 2024-06-10; b: prospect (created_at unknown), first from 2024-02-03,
#    lapsed from 2024-03-20; c: prospect from 2024-03-05.


def over_time(make_db, function, freq, start=None, end=None, value="customers"):
    analysis = Analysis.open(make_db(customers=OVER_TIME_CUSTOMERS, orders=OVER_TIME_ORDERS))
    frame = function(analysis, OVER_TIME_TH, freq, start, end)
    counts = reference.engine_counts(frame, value)
    ends = sorted({key[0] for key in counts})
    for period_end in ends:  # every tier and status at every period end
        assert {key[1:] for key in counts if key[0] == period_end} == {
            ("prospect", None), *((code, s) for code in reference.TIER_ORDER[1:] for s in (False, True))
        }
    return ends, {key: n for key, n in counts.items() if n}


def test_counts_by_month_on_a_tiny_dataset(make_db):
    ends, counts = over_time(make_db, engine.tier_counts_over_time, "month")
    # default range: 2024-01-15 .. 2024-04-25, so April (ending after the last order) is left out
    assert ends == [day("2024-01-31"), day("2024-02-29"), day("2024-03-31")]
    assert counts == {
        (day("2024-01-31"), "prospect", None): 1, (day("2024-01-31"), "first", False): 1,
        (day("2024-02-29"), "first", False): 1, (day("2024-02-29"), "trend", False): 1,
        (day("2024-03-31"), "prospect", None): 1, (day("2024-03-31"), "first", True): 1,
        (day("2024-03-31"), "trend", False): 1,
    }


def test_counts_by_week_end_on_sundays(make_db):
    ends, counts = over_time(make_db, engine.tier_counts_over_time, "week", "2024-02-01", "2024-03-24")
    assert ends == [day(s) for s in ("2024-02-04", "2024-02-11", "2024-02-18", "2024-02-25",
                                     "2024-03-03", "2024-03-10", "2024-03-17", "2024-03-24")]
    expected = {
        # week end:   prospect, first active, first lapsed, trend active
        "2024-02-04": (0, 2, 0, 0),
        "2024-02-11": (0, 2, 0, 0),
        "2024-02-18": (0, 2, 0, 0),
        "2024-02-25": (0, 1, 0, 1),
        "2024-03-03": (0, 1, 0, 1),
        "2024-03-10": (1, 1, 0, 1),
        "2024-03-17": (1, 1, 0, 1),
        "2024-03-24": (1, 0, 1, 1),
    }
    keys = [("prospect", None), ("first", False), ("first", True), ("trend", False)]
    assert counts == {
        (day(period_end), *key): n for period_end, row in expected.items() for key, n in zip(keys, row) if n
    }


def test_counts_by_quarter_up_to_a_later_end(make_db):
    ends, counts = over_time(make_db, engine.tier_counts_over_time, "quarter", end="2024-12-31")
    assert ends == [day("2024-03-31"), day("2024-06-30"), day("2024-09-30"), day("2024-12-31")]
    assert counts == {
        (day("2024-03-31"), "prospect", None): 1, (day("2024-03-31"), "first", True): 1,
        (day("2024-03-31"), "trend", False): 1,
        (day("2024-06-30"), "prospect", None): 1, (day("2024-06-30"), "first", True): 1,
        (day("2024-06-30"), "loyal", True): 1,
        (day("2024-09-30"), "prospect", None): 1, (day("2024-09-30"), "first", True): 1,
        (day("2024-09-30"), "loyal", True): 1,
        (day("2024-12-31"), "prospect", None): 1, (day("2024-12-31"), "first", True): 1,
        (day("2024-12-31"), "loyal", True): 1,
    }


def test_counts_at_a_period_end_equal_classify_at_that_date(make_db):
    analysis = Analysis.open(make_db(customers=OVER_TIME_CUSTOMERS, orders=OVER_TIME_ORDERS))
    frame = engine.tier_counts_over_time(analysis, OVER_TIME_TH, "week", end="2024-12-31")
    counts = reference.engine_counts(frame)
    for period_end in sorted({key[0] for key in counts}):
        at_date = Counter((f.tier, f.lapsed) for f in
                          reference.engine_figures(engine.classify(analysis, OVER_TIME_TH, period_end)).values())
        assert {k[1:]: n for k, n in counts.items() if k[0] == period_end and n} == dict(at_date), period_end


def test_revenue_by_month_by_tier_at_the_period_end(make_db):
    ends, revenue = over_time(make_db, engine.revenue_over_time, "month", end="2024-04-30", value="revenue")
    assert ends == [day("2024-01-31"), day("2024-02-29"), day("2024-03-31"), day("2024-04-30")]
    assert revenue == {
        (day("2024-01-31"), "first", False): 100.0,
        (day("2024-02-29"), "first", False): 30.0,
        (day("2024-02-29"), "trend", False): 50.0,
        (day("2024-04-30"), "loyal", False): 70.0,
    }


def test_default_date_is_the_latest_refund_row(make_db):
    orders = [("o1", "c", "2024-01-10", 100), ("o2", "c", "2024-02-10", 50), ("r1", "c", "2024-03-05", -30)]
    analysis = Analysis.open(make_db(customers=customers_of(orders), orders=orders))
    assert analysis.default_as_of() == day("2024-03-05")
    assert reference.engine_figures(engine.classify(analysis, TH))["c"].recency == 24


def test_default_date_is_the_latest_order_row(make_db):
    # docs/tiers.md: "Default D is the latest date of any order row", so a later line of an
    # earlier order (here the return of o1 on 2024-03-01) moves D, though o1 is dated 2024-01-01.
    orders = [("o1", "c", "2024-01-01", 100), ("o2", "c", "2024-02-01", 50), ("o1", "c", "2024-03-01", -30)]
    analysis = Analysis.open(make_db(customers=customers_of(orders), orders=orders))
    assert analysis.default_as_of() == day("2024-03-01")
    result = reference.engine_figures(engine.classify(analysis, TH))
    assert (result["c"].orders, result["c"].amount, result["c"].recency) == (2, Decimal("120.00"), 29)
    ends = sorted({key[0] for key in reference.engine_counts(engine.tier_counts_over_time(analysis, TH, "month"))})
    assert ends == [day("2024-01-31"), day("2024-02-29")]


def test_a_range_without_a_complete_period_is_empty(make_db):
    analysis = Analysis.open(make_db(customers=OVER_TIME_CUSTOMERS, orders=OVER_TIME_ORDERS))
    frame = engine.tier_counts_over_time(analysis, OVER_TIME_TH, "month", "2024-02-01", "2024-02-28")
    assert frame.empty


# ---------------------------------------------------------------------------------------------
# Movements and transitions

MOVES_TH = Thresholds(min_orders=2, min_tenure_days=365, lapse_days=60, value_axis="amount", min_amount=100)
MOVES_CUSTOMERS = [("x", "2024-01-05 00:00:00"), ("y", None), ("z", "2024-02-14 00:00:00")]
MOVES_ORDERS = [
    ("x1", "x", "2024-01-10", 60),
    ("x2", "x", "2024-02-10", 60),
    ("xr", "x", "2024-03-15", -30),
    ("y1", "y", "2024-03-20", 20),
    ("x3", "x", "2024-05-10", 50),
]


def test_movements_by_month_on_a_tiny_dataset(make_db):
    analysis = Analysis.open(make_db(customers=MOVES_CUSTOMERS, orders=MOVES_ORDERS))
    frame = engine.movements_over_time(analysis, MOVES_TH, "month", end="2024-05-31")
    assert reference.engine_moves(frame) == Counter({
        # period end, movement, from tier, from lapsed, to tier, to lapsed: customers
        (day("2024-01-31"), "new", None, None, "first", False): 1,             # x orders
        (day("2024-02-29"), "new", None, None, "prospect", None): 1,           # z created
        (day("2024-02-29"), "promoted", "first", False, "trend", False): 1,    # x: M = 120
        (day("2024-03-31"), "demoted", "trend", False, "nascent", False): 1,   # x: refund, M = 90
        (day("2024-03-31"), "promoted", "prospect", None, "first", False): 1,  # y orders
        (day("2024-04-30"), "lapsed", "nascent", False, "nascent", True): 1,   # x: R = 80
        (day("2024-05-31"), "reactivated", "nascent", True, "trend", False): 1,  # x: M = 140
        (day("2024-05-31"), "lapsed", "first", False, "first", True): 1,       # y: R = 72
    })


def test_movements_explain_every_change_of_the_counts(make_db):
    analysis = Analysis.open(make_db(customers=MOVES_CUSTOMERS, orders=MOVES_ORDERS))
    counts = reference.engine_counts(engine.tier_counts_over_time(analysis, MOVES_TH, "month", end="2024-05-31"))
    moves = reference.engine_moves(engine.movements_over_time(analysis, MOVES_TH, "month", end="2024-05-31"))
    ends = sorted({key[0] for key in counts})
    for previous, current in zip(ends, ends[1:]):
        change = Counter()
        for (period_end, _, from_tier, from_lapsed, to_tier, to_lapsed), n in moves.items():
            if period_end == current:
                change[(to_tier, to_lapsed)] += n
                if from_tier is not None:
                    change[(from_tier, from_lapsed)] -= n
        for key in {k[1:] for k in counts}:
            assert counts[(current, *key)] - counts[(previous, *key)] == change[key], (current, key)


def test_transitions_count_customers_that_did_not_exist_yet_as_new(make_db):
    analysis = Analysis.open(make_db(customers=MOVES_CUSTOMERS, orders=MOVES_ORDERS))
    frame = engine.transitions(analysis, MOVES_TH, "2024-01-31", "2024-05-31")
    assert [tuple(row.values()) for row in frame.to_dict("records")] == [
        # from tier, from lapsed, to tier, to lapsed, customers
        ("new", None, "prospect", None, 1),
        ("prospect", None, "first", True, 1),
        ("first", False, "trend", False, 1),
    ]


def test_transitions_default_to_the_year_before_the_latest_order(make_db):
    analysis = Analysis.open(make_db(customers=MOVES_CUSTOMERS, orders=MOVES_ORDERS))
    frame = engine.transitions(analysis, MOVES_TH)
    # latest order 2024-05-10, so from 2023-05-11: x and z did not exist yet, y was a prospect
    assert reference.engine_transitions(frame) == Counter({
        ("new", None, "trend", False): 1,
        ("new", None, "prospect", None): 1,
        ("prospect", None, "first", False): 1,
    })


def test_transitions_to_the_same_date_keep_everyone_in_place(make_db):
    analysis = Analysis.open(make_db(customers=MOVES_CUSTOMERS, orders=MOVES_ORDERS))
    frame = engine.transitions(analysis, MOVES_TH, "2024-03-31", "2024-03-31")
    assert reference.engine_transitions(frame) == Counter({
        ("nascent", False, "nascent", False): 1,
        ("first", False, "first", False): 1,
        ("prospect", None, "prospect", None): 1,
    })


# ---------------------------------------------------------------------------------------------
# Channel conversion


def test_channel_conversion_on_a_tiny_dataset(make_db):
    customers = [
        # customer, created_at, channel
        ("w1", "2024-01-01 00:00:00", "web"),
        ("w2", "2024-01-01 00:00:00", "web"),
        ("w3", "2024-01-01 00:00:00", "web"),
        ("late", "2024-12-01 00:00:00", "web"),
        ("d1", "2024-01-01 00:00:00", "direct mail"),
        ("n1", "2024-01-01 00:00:00", None),
    ]
    orders = [
        ("a1", "w1", "2024-01-01", 100), ("a2", "w1", "2024-03-01", 200),  # loyal (T = 60)
        ("b1", "w2", "2024-02-01", 50),
        ("c1", "d1", "2024-02-01", 80), ("c2", "d1", "2024-02-10", 20),    # trend (T = 9)
        ("e1", "n1", "2024-01-15", 30), ("e2", "n1", "2024-01-20", -10),
    ]
    analysis = Analysis.open(make_db(customers=customers, orders=orders))
    frame = engine.channel_conversion(analysis, Thresholds(min_orders=2, min_tenure_days=30, lapse_days=180))
    assert [tuple(row.values()) for row in frame.to_dict("records")] == [
        # channel, acquired, first order, second order, loyal, 2nd share, loyal share, amount, per customer
        ("web", 3, 2, 1, 1, pytest.approx(1 / 3), pytest.approx(1 / 3), 350.0, pytest.approx(350 / 3)),
        ("direct mail", 1, 1, 1, 0, 1.0, 0.0, 100.0, 100.0),
        (None, 1, 1, 0, 0, 0.0, 0.0, 20.0, 20.0),
    ]


# ---------------------------------------------------------------------------------------------
# Suggested thresholds

SUGGESTION_NAMES = {"min_orders", "min_tenure_days", "lapse_days", "min_amount"}


def repeat_customer_orders(count: int) -> list[tuple]:
    """`count` repeat customers, customer n ordering 2 + n % 4 times, 20 + 5n days apart."""
    orders = []
    for n in range(count):
        first = dt.date(2023, 1, 1) + dt.timedelta(days=n)
        for k in range(2 + n % 4):
            when = first + dt.timedelta(days=k * (20 + 5 * n))
            orders.append((f"o{n}_{k}", f"c{n:02d}", when.isoformat(), 1000 * (n + 1)))
    return orders


def test_suggested_thresholds_are_valid_positive_and_explained_in_both_languages(make_db):
    orders = repeat_customer_orders(12)
    analysis = Analysis.open(make_db(customers=customers_of(orders, "2023-01-01"), orders=orders))
    suggestions = engine.suggest_thresholds(analysis)
    assert set(suggestions) == SUGGESTION_NAMES
    for name, suggestion in suggestions.items():
        assert suggestion.name == name
        assert suggestion.value > 0
        assert suggestion.reason_key != "reason_default"
        for lang in ("ja", "en"):
            assert suggestion.reason(lang).strip()
    assert suggestions["min_orders"].value >= 2
    assert suggestions["min_tenure_days"].value % 30 == 0
    assert suggestions["lapse_days"].value % 10 == 0
    Thresholds(  # the suggestions are accepted as thresholds
        min_orders=suggestions["min_orders"].value,
        min_tenure_days=suggestions["min_tenure_days"].value,
        lapse_days=suggestions["lapse_days"].value,
        value_axis="amount",
        min_amount=suggestions["min_amount"].value,
    )


def test_suggested_thresholds_fall_back_to_defaults_with_few_repeat_customers(make_db):
    orders = repeat_customer_orders(3)
    analysis = Analysis.open(make_db(customers=customers_of(orders, "2023-01-01"), orders=orders))
    suggestions = engine.suggest_thresholds(analysis)
    assert {name: s.value for name, s in suggestions.items()} == {
        "min_orders": DEFAULT_THRESHOLDS.min_orders,
        "min_tenure_days": DEFAULT_THRESHOLDS.min_tenure_days,
        "lapse_days": DEFAULT_THRESHOLDS.lapse_days,
        "min_amount": 10000.0,
    }
    for suggestion in suggestions.values():
        assert suggestion.reason("en") == text("reason_default", "en", count=3)
        assert suggestion.reason("ja") == text("reason_default", "ja", count=3)
        assert "3" in suggestion.reason("ja") and "3" in suggestion.reason("en")


# ---------------------------------------------------------------------------------------------
# Periods and dates


@pytest.mark.parametrize("freq", ["week", "month", "quarter"])
def test_period_index_and_period_end_round_trip(freq):
    day_ = dt.date(1999, 12, 1)
    while day_ <= dt.date(2001, 3, 31):
        index = engine.period_index(day_, freq)
        end = engine.period_end(index, freq)
        assert day_ <= end
        assert engine.period_index(end, freq) == index
        assert engine.period_index(end + dt.timedelta(days=1), freq) == index + 1
        assert reference.is_period_end(end, freq)
        day_ += dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("freq", "a_day", "expected_end"),
    [
        ("week", "2024-06-24", "2024-06-30"),  # Monday -> Sunday
        ("week", "2024-06-30", "2024-06-30"),  # a Sunday ends its own week
        ("week", "2024-12-30", "2025-01-05"),  # across a year
        ("month", "2024-02-10", "2024-02-29"),
        ("month", "2023-02-10", "2023-02-28"),
        ("month", "2024-12-01", "2024-12-31"),
        ("quarter", "2024-01-01", "2024-03-31"),
        ("quarter", "2024-05-15", "2024-06-30"),
        ("quarter", "2024-12-31", "2024-12-31"),
    ],
)
def test_period_end_of_a_day(freq, a_day, expected_end):
    end = engine.period_end(engine.period_index(day(a_day), freq), freq)
    assert end == day(expected_end)


def test_weeks_end_on_sunday():
    first, last = engine.period_index(dt.date(2024, 1, 1), "week"), engine.period_index(dt.date(2025, 1, 1), "week")
    for index in range(first, last + 1):
        assert engine.period_end(index, "week").weekday() == 6


def test_start_after_end_is_a_date_error(make_db):
    analysis = Analysis.open(make_db(customers=OVER_TIME_CUSTOMERS, orders=OVER_TIME_ORDERS))
    with pytest.raises(DateError, match="2024-05-01"):
        engine.tier_counts_over_time(analysis, OVER_TIME_TH, "month", "2024-05-01", "2024-04-01")
    with pytest.raises(DateError):
        engine.movements_over_time(analysis, OVER_TIME_TH, "month", "2024-05-01", "2024-04-01")
    with pytest.raises(DateError):
        engine.transitions(analysis, OVER_TIME_TH, "2024-05-01", "2024-04-01")


@pytest.mark.parametrize("bad", ["2024-13-01", "yesterday", "", "2024/01/01", 20240101])
def test_bad_date_text_is_a_date_error(make_db, bad):
    analysis = Analysis.open(make_db(customers=OVER_TIME_CUSTOMERS, orders=OVER_TIME_ORDERS))
    with pytest.raises(DateError):
        engine.classify(analysis, OVER_TIME_TH, bad)
    with pytest.raises(DateError):
        engine.tier_counts_over_time(analysis, OVER_TIME_TH, "month", start=bad)


def test_an_unknown_period_is_a_date_error(make_db):
    analysis = Analysis.open(make_db(customers=OVER_TIME_CUSTOMERS, orders=OVER_TIME_ORDERS))
    with pytest.raises(DateError):
        engine.tier_counts_over_time(analysis, OVER_TIME_TH, "day")
    with pytest.raises(DateError):
        engine.period_index(dt.date(2024, 1, 1), "year")
