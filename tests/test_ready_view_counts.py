"""The "act now" counts: each ready view's count is the number of customers its list holds,
whether counted over the classified customers alone or over the full list."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmentation import customers
from segmentation.analysis import Analysis
from segmentation.customers import CLASSIFY_FILTERS, customer_list, ready_view_counts
from segmentation.filters import READY_VIEWS, FilterError
from segmentation.scope import Scope
from segmentation.thresholds import Thresholds


@pytest.fixture(scope="module")
def analysis(demo_database):
    analysis = Analysis.open(demo_database(1_500, 7), cache=False)
    yield analysis
    analysis.close()


@pytest.mark.parametrize("thresholds", [
    Thresholds(),
    Thresholds(min_orders=2, min_tenure_days=60, lapse_days=45),
    Thresholds(value_axis="amount", min_amount=20_000, overdue_factor=1.2, due_window_days=30),
], ids=["default", "low", "amount"])
@pytest.mark.parametrize("scope", [None, Scope(channel=("紹介",))], ids=["everyone", "referrals"])
def test_each_ready_view_counts_the_customers_its_list_holds(analysis, thresholds, scope):
    counts = ready_view_counts(analysis, thresholds, "2026-10-31", scope)

    for key, view in READY_VIEWS.items():
        listed, _ = customer_list(analysis, thresholds, "2026-10-31", scope, view.filters, limit=0)
        assert counts[key] == listed, key


def test_the_ready_views_are_counted_without_the_list_tables(demo_database):
    assert all(set(view.filters.active()) <= CLASSIFY_FILTERS for view in READY_VIEWS.values())
    analysis = Analysis.open(demo_database(1_500, 7), cache=False)
    try:
        ready_view_counts(analysis, Thresholds())
        assert not any(analysis.is_ready(name) for name in customers.LIST_TABLES)
    finally:
        analysis.close()


def test_some_views_alone_count_what_all_of_them_count(analysis):
    thresholds = Thresholds(min_orders=3, min_tenure_days=200)
    every = ready_view_counts(analysis, thresholds, "2026-10-31")

    for key in READY_VIEWS:
        assert ready_view_counts(analysis, thresholds, "2026-10-31", views=(key,)) == {key: every[key]}
    assert ready_view_counts(analysis, thresholds, "2026-10-31", views=()) == {}
    with pytest.raises(FilterError, match="'due_next_year'"):
        ready_view_counts(analysis, thresholds, "2026-10-31", views=("due_next_year",))


def test_only_the_views_with_a_tier_of_repeat_customers_read_the_tier_rules():
    assert {key for key, view in READY_VIEWS.items() if view.reads_tier_rules} == {"loyal_lapsing", "trend_from_campaigns"}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    min_orders=st.integers(2, 12), min_tenure_days=st.integers(0, 900), lapse_days=st.integers(0, 720),
    by_amount=st.one_of(st.none(), st.integers(1_000, 200_000)),
    overdue_factor=st.sampled_from([1.0, 1.5, 3.0]), due_window_days=st.integers(0, 60),
    as_of=st.sampled_from(["2025-06-30", "2026-10-31", "2026-11-20"]),
)
def test_a_view_that_reads_no_tier_rule_counts_the_same_with_the_tier_rules_at_their_defaults(
        analysis, min_orders, min_tenure_days, lapse_days, by_amount, overdue_factor, due_window_days, as_of):
    """The dashboard keys those counts by `without_tier_rules()`, so a tier slider finds them counted."""
    thresholds = Thresholds(min_orders=min_orders, min_tenure_days=min_tenure_days, lapse_days=lapse_days,
                            value_axis="orders" if by_amount is None else "amount", min_amount=by_amount,
                            overdue_factor=overdue_factor, due_window_days=due_window_days)
    plain = tuple(key for key, view in READY_VIEWS.items() if not view.reads_tier_rules)

    assert (ready_view_counts(analysis, thresholds.without_tier_rules(), as_of, views=plain)
            == ready_view_counts(analysis, thresholds, as_of, views=plain))
