"""The engine agrees with the naive reference (`reference.py`) on random small order sets.

Every example builds its own database in a fresh temporary folder (hypothesis does not reset
`tmp_path` between examples) from 0-8 customers and 0-12 order rows dated within two years,
with refunds, order lines sharing an order_id, unknown `created_at` and random thresholds on
both value axes.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reference
from conftest import write_db
from segmentation import engine
from segmentation.engine import Analysis
from segmentation.thresholds import Thresholds

BASE = dt.date(2023, 1, 1)
SPAN_DAYS = 730
FREQS = ("week", "month", "quarter")
ALL_KEYS = [("prospect", None)] + [(code, lapsed) for code in reference.TIER_ORDER[1:] for lapsed in (False, True)]

PROPERTY_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------------------------------------
# Strategies


def days(low: int = 0, high: int = SPAN_DAYS):
    return st.integers(low, high).map(lambda n: BASE + dt.timedelta(days=n))


simple_ids = st.integers(0, 30).map(lambda n: f"c{n}")

# Ids that an import must keep exactly: leading zeros, spaces inside, Japanese text.
tricky_ids = st.one_of(
    st.integers(0, 999).map(lambda n: f"{n:05d}"),
    st.tuples(st.sampled_from(["A", "0", "顧客", "株式会社"]), st.sampled_from([" ", "  ", "　"]),
              st.sampled_from(["1", "01", "ー", "ｱ", "x"])).map("".join),
    st.text(alphabet="0123456789 顧客番号ーａ", min_size=1, max_size=6).filter(lambda s: s.strip() == s and s),
)

created_ats = st.one_of(
    st.none(),
    st.tuples(days(-60, SPAN_DAYS + 30), st.integers(0, 23), st.integers(0, 59)).map(
        lambda t: dt.datetime(t[0].year, t[0].month, t[0].day, t[1], t[2])
    ),
)

# Cents: mostly sales, about one row in five a refund (or a zero line).
amounts = st.one_of(st.integers(1, 30_000), st.integers(1, 30_000), st.integers(1, 30_000),
                    st.integers(-8_000, 0)).map(lambda cents: Decimal(cents) / 100)


@st.composite
def datasets(draw, ids=simple_ids, max_customers: int = 8, max_rows: int = 12):
    """(customers, orders). Some customer ids have no customer row and appear only in orders
    (a minimal customer); at least one customer row exists whenever there are orders, the
    orders-only database being pinned by `test_orders_without_any_customer_rows_still_count`."""
    customer_ids = draw(st.lists(ids, min_size=0, max_size=max_customers, unique=True))
    with_row = [cid for cid in customer_ids if draw(st.integers(0, 5))] or customer_ids[:1]
    customers = [(cid, draw(created_ats)) for cid in with_row]
    orders = []
    if customer_ids:
        for n in range(draw(st.integers(0, max_rows))):
            order_id = draw(st.sampled_from([f"o{n}", f"o{n}", "shared1", "shared2"]))
            orders.append((order_id, draw(st.sampled_from(customer_ids)), draw(days()), draw(amounts)))
    return customers, orders


@st.composite
def thresholds(draw, axis: str | None = None):
    value_axis = axis or draw(st.sampled_from(["orders", "amount"]))
    min_amount = None
    if value_axis == "amount" or draw(st.booleans()):
        min_amount = Decimal(draw(st.integers(1, 60_000))) / 100
    return Thresholds(
        min_orders=draw(st.integers(2, 5)),
        min_tenure_days=draw(st.integers(0, 400)),
        lapse_days=draw(st.integers(0, 300)),
        value_axis=value_axis,
        min_amount=min_amount,
        overdue_factor=draw(st.sampled_from([1.0, 1.25, 1.5, 2.0, 3.5])),
        due_window_days=draw(st.integers(0, 30)),
    )


@st.composite
def date_ranges(draw):
    """(start, end) for the over-time functions. Always explicit: the default range is pinned
    by `test_default_date_is_the_latest_order_row` in test_rules.py."""
    start = draw(days(-40, SPAN_DAYS))
    end = start + dt.timedelta(days=draw(st.integers(0, 400)))
    return start, end


@contextmanager
def opened(customers, orders):
    """An Analysis of a fresh database holding exactly these rows."""
    with tempfile.TemporaryDirectory() as folder:
        path = write_db(Path(folder) / "example.duckdb", customers, orders)
        analysis = Analysis.open(path)
        try:
            yield analysis
        finally:
            analysis.close()


# ---------------------------------------------------------------------------------------------
# (a) classification, customer by customer


@PROPERTY_SETTINGS
@given(data=datasets(), th=thresholds(), as_of=days(-60, SPAN_DAYS + 60))
def test_classify_agrees_with_the_reference_customer_by_customer(data, th, as_of):
    customers, orders = data
    expected = reference.classify(customers, orders, th, as_of)
    with opened(customers, orders) as analysis:
        frame = engine.classify(analysis, th, as_of)
        counts = engine.tier_counts(analysis, th, as_of)
    assert frame["customer_id"].is_unique
    assert reference.engine_figures(frame) == expected
    # every existing customer is in exactly one tier and status
    by_key = {(r["tier"], r["lapsed"]): r["customers"] for r in counts.to_dict("records")}
    assert list(by_key) == ALL_KEYS
    assert by_key == {key: Counter((f.tier, f.lapsed) for f in expected.values())[key] for key in ALL_KEYS}
    assert sum(by_key.values()) == len(expected)


# ---------------------------------------------------------------------------------------------
# (b) counts over time equal a classification at every period end


@PROPERTY_SETTINGS
@given(data=datasets(), th=thresholds(), when=date_ranges())
def test_counts_over_time_equal_classification_at_every_period_end(data, th, when):
    customers, orders = data
    start, end = when
    with opened(customers, orders) as analysis:
        for freq in FREQS:
            counts = reference.engine_counts(engine.tier_counts_over_time(analysis, th, freq, *when))
            revenue = reference.engine_counts(engine.revenue_over_time(analysis, th, freq, *when), "revenue")
            ends = reference.period_ends(start, end, freq)
            assert sorted({key[0] for key in counts}) == ends, freq
            assert sorted({key[0] for key in revenue}) == ends, freq
            for period_end in ends:
                expected = reference.counts_at(customers, orders, th, period_end)
                assert {key: counts[(period_end, *key)] for key in ALL_KEYS} == \
                    {key: expected[key] for key in ALL_KEYS}, (freq, period_end)
                previous = reference.previous_period_end(period_end, freq)
                expected_revenue = reference.revenue(customers, orders, th, previous, period_end)
                assert {key: Decimal(str(revenue[(period_end, *key)])) for key in ALL_KEYS} == \
                    {key: expected_revenue[key] for key in ALL_KEYS}, (freq, period_end)


# ---------------------------------------------------------------------------------------------
# (c) movements explain every change of the counts


@PROPERTY_SETTINGS
@given(data=datasets(), th=thresholds(), when=date_ranges())
def test_movements_explain_the_change_of_counts_and_agree_with_the_reference(data, th, when):
    customers, orders = data
    start, end = when
    with opened(customers, orders) as analysis:
        for freq in FREQS:
            counts = reference.engine_counts(engine.tier_counts_over_time(analysis, th, freq, *when))
            moves = reference.engine_moves(engine.movements_over_time(analysis, th, freq, *when))
            ends = reference.period_ends(start, end, freq)
            assert {key[0] for key in moves} <= set(ends)
            for period_end in ends:
                previous = reference.previous_period_end(period_end, freq)
                expected = reference.movements(customers, orders, th, previous, period_end)
                got = Counter({key[1:]: n for key, n in moves.items() if key[0] == period_end})
                assert got == expected, (freq, period_end)
                # inflows - outflows of the moves = change of the counts
                change = Counter()
                for (_, from_tier, from_lapsed, to_tier, to_lapsed), n in got.items():
                    change[(to_tier, to_lapsed)] += n
                    if from_tier is not None:
                        change[(from_tier, from_lapsed)] -= n
                before = (reference.counts_at(customers, orders, th, previous) if period_end == ends[0]
                          else {key: counts[(previous, *key)] for key in ALL_KEYS})
                for key in ALL_KEYS:
                    assert counts[(period_end, *key)] - before.get(key, 0) == change[key], (freq, period_end, key)


# ---------------------------------------------------------------------------------------------
# (d) transitions


@PROPERTY_SETTINGS
@given(data=datasets(), th=thresholds(), date_from=days(-60, SPAN_DAYS + 60), gap=st.integers(0, 500))
def test_transitions_agree_with_the_reference(data, th, date_from, gap):
    customers, orders = data
    date_to = date_from + dt.timedelta(days=gap)
    with opened(customers, orders) as analysis:
        frame = engine.transitions(analysis, th, date_from, date_to)
    expected = reference.transitions(customers, orders, th, date_from, date_to)
    assert reference.engine_transitions(frame) == expected
    assert sum(expected.values()) == len(reference.classify(customers, orders, th, date_to))


# ---------------------------------------------------------------------------------------------
# (e) monotonic thresholds


@PROPERTY_SETTINGS
@given(data=datasets(), th=thresholds(axis="orders"), raise_by=st.integers(1, 3), as_of=days(0, SPAN_DAYS + 60))
def test_raising_min_orders_never_adds_loyal_or_trend_customers(data, th, raise_by, as_of):
    customers, orders = data
    stricter = th.replace(min_orders=th.min_orders + raise_by)
    with opened(customers, orders) as analysis:
        loose = reference.engine_figures(engine.classify(analysis, th, as_of))
        strict = reference.engine_figures(engine.classify(analysis, stricter, as_of))
    for tier in ("loyal", "trend"):
        in_strict = {cid for cid, f in strict.items() if f.tier == tier}
        assert in_strict <= {cid for cid, f in loose.items() if f.tier == tier}, tier
    assert set(strict) == set(loose)


# ---------------------------------------------------------------------------------------------
# (f) customer ids survive exactly


@PROPERTY_SETTINGS
@given(data=datasets(ids=tricky_ids), th=thresholds(), as_of=days(0, SPAN_DAYS + 60))
def test_customer_ids_survive_exactly(data, th, as_of):
    customers, orders = data
    with opened(customers, orders) as analysis:
        frame = engine.classify(analysis, th, as_of)
        everyone = engine.classify(analysis, th, "2100-01-01")
    assert reference.engine_figures(frame) == reference.classify(customers, orders, th, as_of)
    assert sorted(everyone["customer_id"]) == sorted(c[0] for c in reference.all_customers(customers, orders))
