"""The "act now" counts: each ready view's count is the number of customers its list holds,
whether counted over the classified customers alone or over the full list."""

from __future__ import annotations

import pytest

from segmentation import customers
from segmentation.analysis import Analysis
from segmentation.customers import CLASSIFY_FILTERS, customer_list, ready_view_counts
from segmentation.filters import READY_VIEWS
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
