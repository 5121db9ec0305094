"""`dashboard.data.cached`: package functions wrapped for `st.cache_data`, without AppTest.

A wrapped function keeps its name, docstring and signature; two wrapped functions never share
a cache entry; and the entry of an answer is keyed by the database state of the `Analysis` (its
file and data_version, and contacts_version where the answer shows contacts), not by the
object. `st.cache_data` runs outside an app here (it logs that there is no runtime, which is
fine).
"""

from __future__ import annotations

import inspect

import duckdb
import pytest
import streamlit as st

from conftest import write_db
from dashboard import data, preload
from segmentation import engine
from segmentation.analysis import Analysis
from segmentation.customers import log_contact
from segmentation.thresholds import Thresholds

CALLS: list[tuple[str, object]] = []


def doubled(number: int, *, times: int = 2) -> int:
    """The number, doubled."""
    CALLS.append(("doubled", number))
    return number * times


def tripled(number: int, *, times: int = 3) -> int:
    """The number, tripled."""
    CALLS.append(("tripled", number))
    return number * times


def customers_of(analysis: Analysis, thresholds: Thresholds | None = None) -> int:
    """How many customers the analysis holds; records each real call with the state it saw."""
    min_orders = None if thresholds is None else thresholds.min_orders
    CALLS.append(("customers_of", (analysis.data_version, analysis.contacts_version, min_orders)))
    return analysis.customer_count


@pytest.fixture(autouse=True)
def empty_caches():
    st.cache_data.clear()
    CALLS.clear()
    yield
    st.cache_data.clear()


@pytest.fixture
def shop(tmp_path):
    """A database with two customers, one order and one contact."""
    return write_db(tmp_path / "shop.duckdb", customers=[("A", None), ("B", None)],
                    orders=[("a1", "A", "2024-01-05", 100)],
                    contacts=[("A", "2024-02-01 10:00:00", "call", "佐藤", "電話した")])


def test_two_wrapped_functions_called_with_the_same_arguments_do_not_share_an_entry():
    cached_doubled, cached_tripled = data.cached(doubled), data.cached(tripled)

    assert (cached_doubled(7), cached_tripled(7), cached_doubled(7), cached_tripled(7)) == (14, 21, 14, 21)
    assert CALLS == [("doubled", 7), ("tripled", 7)]  # each computed once, then read from its own entry


def test_a_wrapped_function_keeps_its_name_docstring_and_signature():
    wrapped = data.cached(doubled)

    assert (wrapped.__name__, wrapped.__doc__) == ("doubled", "The number, doubled.")
    assert inspect.signature(wrapped) == inspect.signature(doubled)
    assert str(inspect.signature(data.tier_counts)) == str(inspect.signature(engine.tier_counts))
    assert (data.tier_counts.__name__, data.tier_counts.__doc__) == ("tier_counts", engine.tier_counts.__doc__)


def test_the_same_state_and_equal_thresholds_hit_while_other_thresholds_or_data_miss(shop):
    wrapped = data.cached(customers_of)
    default, equal, other = Thresholds(), Thresholds(min_orders=5), Thresholds(min_orders=3)
    first = Analysis.open(shop)
    again = Analysis.open(shop)  # another object, the same state
    try:
        wrapped(first, default)
        wrapped(again, equal)  # hit: the same state, equal thresholds
        wrapped(first, other)  # miss: other thresholds
        write_db(shop, customers=[("C", None)])  # an import: data_version grows
        grown = Analysis.open(shop)
        try:
            assert grown.data_version == first.data_version + 1
            assert wrapped(grown, default) == 3
        finally:
            grown.close()
    finally:
        first.close()
        again.close()

    version = first.data_version
    assert CALLS == [
        ("customers_of", (version, 0, 5)),
        ("customers_of", (version, 0, 3)),
        ("customers_of", (version + 1, 0, 5)),
    ]


def test_re_read_contacts_miss_the_cache(shop):
    wrapped = data.cached(customers_of, reads_contacts=True)
    analysis = Analysis.open(shop)
    try:
        analysis.ensure("contact_summary")
        wrapped(analysis)
        log_contact(shop, "B", "2024-03-01", "visit", "", "訪問した")
        wrapped(analysis)  # the contact is not read yet: still the same state
        analysis.refresh_contacts()
        wrapped(analysis)
    finally:
        analysis.close()

    assert CALLS == [
        ("customers_of", (analysis.data_version, 0, None)),
        ("customers_of", (analysis.data_version, 1, None)),
    ]


def test_re_read_contacts_keep_the_answers_that_do_not_show_contacts(shop):
    wrapped = data.cached(customers_of)
    analysis = Analysis.open(shop)
    try:
        analysis.ensure("contact_summary")
        wrapped(analysis)
        log_contact(shop, "B", "2024-03-01", "visit", "", "訪問した")
        analysis.refresh_contacts()
        wrapped(analysis)  # tier counts and the like do not change with a contact
    finally:
        analysis.close()

    assert CALLS == [("customers_of", (analysis.data_version, 0, None))]


# ---------------------------------------------------------------------------------------------
# Opening ahead (`dashboard.serve` starts it as the server process starts)


def test_the_first_page_takes_the_analysis_opened_ahead(shop):
    st.cache_resource.clear()
    preload.start(shop)
    version = preload.read_data_version(shop)
    opened_ahead = preload.pending[(str(shop.resolve()), version)].result(timeout=60)
    analysis = data._open_analysis(str(shop.resolve()), version)
    try:
        assert analysis is opened_ahead  # not opened a second time
        assert analysis.customer_count == 2
        assert preload.pending == {}
    finally:
        st.cache_resource.clear()
        analysis.close()


def test_an_analysis_opened_ahead_of_data_that_changed_meanwhile_is_closed_and_not_used(shop):
    st.cache_resource.clear()
    preload.start(shop)
    old_version = preload.read_data_version(shop)
    opened_ahead = preload.pending[(str(shop.resolve()), old_version)].result(timeout=60)
    analysis = data._open_analysis(str(shop.resolve()), old_version + 1)  # an import landed meanwhile
    try:
        assert analysis is not opened_ahead
        with pytest.raises(duckdb.ConnectionException):  # closed: its connection refuses work
            opened_ahead.cursor()
        assert preload.pending == {}
    finally:
        st.cache_resource.clear()
        analysis.close()


def test_no_file_nothing_opened_ahead(tmp_path):
    preload.start(tmp_path / "missing.duckdb")
    assert preload.pending == {}


def test_an_entry_is_the_same_whichever_way_the_arguments_are_passed(shop):
    wrapped = data.cached(customers_of)
    analysis = Analysis.open(shop)
    try:
        wrapped(analysis)
        wrapped(analysis, None)  # the default, given by position
        wrapped(analysis=analysis, thresholds=None)  # and by name
        wrapped(analysis, Thresholds(min_orders=3))
        wrapped(thresholds=Thresholds(min_orders=3), analysis=analysis)  # names in another order
    finally:
        analysis.close()

    assert CALLS == [("customers_of", (analysis.data_version, 0, None)),
                     ("customers_of", (analysis.data_version, 0, 3))]


def test_computed_counts_the_misses_of_each_function(shop):
    wrapped = data.cached(customers_of)
    before = data.computed["customers_of"]
    analysis = Analysis.open(shop)
    try:
        wrapped(analysis), wrapped(analysis), wrapped(analysis, Thresholds(min_orders=3))
    finally:
        analysis.close()

    assert data.computed["customers_of"] - before == 2


def test_a_function_with_unnamed_parameters_is_refused():
    def anything(*values):
        return values

    with pytest.raises(TypeError, match="named parameters"):
        data.cached(anything)

