"""The engine's riskiest SQL, part by part, on hand-made cases: the build steps, period indexes
and the period tables, cohorts, one customer's tier history, the period helpers and the side
tables `Analysis.ensure` builds.

Each test writes a few literal rows with `make_db` and compares the answer with the full
expected output written beside it. Amounts are yen; the period tables hold cents.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import duckdb
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import reference
from reference import Figures
from segmentation import engine
from segmentation.analysis import COPY_STEPS, MEMORY_STEPS, SIDE_TABLES, Analysis, SideTable, build_step
from segmentation.customers import log_contact, tier_history
from segmentation.periods import (
    FREQS,
    HIGH_DATE,
    end_sql,
    index_sql,
    period_end,
    period_index,
    previous_period_end,
    same_day_a_year_before,
)
from segmentation.thresholds import Thresholds

NOW = dt.datetime(2024, 12, 31, 12, 0)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.fixture
def open_analysis(make_db):
    """`open_analysis(customers=..., orders=..., contacts=..., freqs=...)` -> an `Analysis` of
    exactly these rows, closed after the test."""
    opened: list[Analysis] = []

    def open_(customers=(), orders=(), contacts=(), freqs=("month",)) -> Analysis:
        analysis = Analysis.open(make_db(customers=customers, orders=orders, contacts=contacts), freqs=freqs)
        opened.append(analysis)
        return analysis

    yield open_
    for analysis in opened:
        analysis.close()


def figures_at(analysis: Analysis, as_of: str) -> dict[str, Figures]:
    return reference.engine_figures(engine.classify(analysis, as_of=as_of))


def yen(text: str) -> Decimal:
    return Decimal(text).quantize(Decimal("0.01"))


# ---------------------------------------------------------------------------------------------
# Build steps


def test_an_order_for_an_id_without_a_customer_row_creates_a_minimal_customer(open_analysis):
    analysis = open_analysis(
        customers=[("A", "2024-01-01 09:00:00", "web", "東京", "佐藤")],
        orders=[
            # order_id, customer, date, amount, campaign, category
            ("a1", "A", "2024-02-01", 100, "", "tea"),
            ("z1", "Z", "2024-03-01", 70, "SPRING", "sweets"),
            ("z2", "Z", "2024-03-05", 30, None, None),
        ],
    )

    assert analysis.fetchall(
        "SELECT customer_id, channel, region, staff, created_on, first_activity, exists_from FROM cust "
        "ORDER BY customer_id"
    ) == [
        ("A", "web", "東京", "佐藤", day("2024-01-01"), day("2024-02-01"), day("2024-01-01")),
        ("Z", None, None, None, None, day("2024-03-01"), None),  # only its id; it has always existed
    ]
    assert analysis.fetchall(
        "SELECT customer_id, category FROM cust_category JOIN cust USING (cid) ORDER BY customer_id"
    ) == [("A", "tea"), ("Z", "sweets")]
    classified = engine.classify(analysis, as_of="2024-03-31")
    assert classified[["customer_id", "tier", "orders", "campaign_share"]].to_dict("records") == [
        {"customer_id": "A", "tier": "first", "orders": 1, "campaign_share": 0.0},
        {"customer_id": "Z", "tier": "nascent", "orders": 2, "campaign_share": 0.5},
    ]
    assert (analysis.customer_count, analysis.order_count) == (2, 3)


def test_a_refund_before_a_customer_exists_does_not_make_it_exist(open_analysis):
    analysis = open_analysis(
        customers=[("B", "2024-05-01 10:00:00")],
        orders=[("r1", "B", "2024-04-10", -5)],  # a refund three weeks before the record was created
    )

    assert figures_at(analysis, "2024-04-30") == {}
    assert figures_at(analysis, "2024-05-01") == {
        "B": Figures("prospect", None, 0, yen("-5"), None, None, None, None, None, None),
    }
    counts = engine.tier_counts_over_time(analysis, freq="month", end="2024-05-31")
    assert counts[counts["customers"] > 0].to_dict("records") == [
        {"period_end": day("2024-05-31"), "tier": "prospect", "lapsed": None, "customers": 1},
    ]
    assert engine.transitions(analysis, date_from="2024-04-30", date_to="2024-05-31").to_dict("records") == [
        {"from_tier": "new", "from_lapsed": None, "to_tier": "prospect", "to_lapsed": None, "customers": 1},
    ]


def test_lines_sharing_an_order_id_are_one_order_dated_at_its_earliest_line(open_analysis):
    analysis = open_analysis(
        customers=[("X01", "2025-01-01 00:00:00"), ("Y01", "2025-01-01 00:00:00")],
        orders=[
            ("A-1", "X01", "2025-02-05", 2000),  # the second line of A-1, booked two days later
            ("A-1", "X01", "2025-02-03", 3000),
            ("A-2", "X01", "2025-03-10", 4500),
            ("R-1", "X01", "2025-03-15", -1500),  # a refund: not an order
            ("A-3", "X01", "2025-05-26", 6000),
            ("A-1", "Y01", "2025-04-01", 700),  # the same id for another customer is another order
        ],
    )

    assert figures_at(analysis, "2025-06-30") == {
        "X01": Figures("nascent", False, 3, yen("14000"), day("2025-02-03"), day("2025-05-26"), 112, 35,
                       day("2025-07-21"), "not_due"),
        "Y01": Figures("first", False, 1, yen("700"), day("2025-04-01"), day("2025-04-01"), 0, 90, None, None),
    }
    # Between its two lines the order already holds both of them, from its earliest date.
    assert figures_at(analysis, "2025-02-04")["X01"] == Figures(
        "first", False, 1, yen("5000"), day("2025-02-03"), day("2025-02-03"), 0, 1, None, None)
    assert analysis.order_count == 4


def test_a_return_line_that_cancels_its_order_means_the_order_never_counted(open_analysis):
    analysis = open_analysis(
        customers=[("W", "2025-01-01 00:00:00")],
        orders=[("B-1", "W", "2025-01-10", 3000), ("B-1", "W", "2025-02-01", -3000)],
    )

    expected = Figures("prospect", None, 0, yen("0"), None, None, None, None, None, None)
    assert figures_at(analysis, "2025-01-20") == {"W": expected}  # even before the return was booked
    assert figures_at(analysis, "2025-02-28") == {"W": expected}
    assert analysis.order_count == 0


def test_order_count_counts_orders_with_a_positive_amount_and_not_refund_rows(open_analysis):
    """The sidebar's "N customers, M orders": orders as docs/tiers.md defines them."""
    analysis = open_analysis(
        customers=[("A", None), ("B", None), ("P", None)],
        orders=[
            ("o1", "A", "2024-01-05", 100), ("o1", "A", "2024-01-06", 50),  # 1: two lines, one order
            ("o2", "A", "2024-02-01", 80),  # 2
            ("r1", "A", "2024-02-10", -30),  # a refund row: not an order
            ("o3", "A", "2024-03-01", 0),  # zero: not an order
            ("o4", "B", "2024-03-02", 40), ("o4", "B", "2024-03-09", -40),  # returned in full: not an order
            ("o1", "B", "2024-03-03", 10),  # 3: o1 again, but B's
            ("z1", "Z", "2024-03-04", 25),  # 4: a customer without a customer row
        ],
    )

    assert (analysis.customer_count, analysis.order_count) == (4, 4)
    assert int(engine.classify(analysis)["orders"].sum()) == analysis.order_count


def test_build_step_names_are_unique_and_each_is_found_by_its_name():
    steps = [*COPY_STEPS, *MEMORY_STEPS]
    names = [step.name for step in steps]

    assert len(set(names)) == len(names), f"repeated step names: {sorted(n for n in names if names.count(n) > 1)}"
    assert [build_step(name) for name in names] == steps
    with pytest.raises(KeyError):
        build_step("no_such_step")


# ---------------------------------------------------------------------------------------------
# Period indexes: the SQL and the Python version agree


@pytest.fixture(scope="module")
def duck():
    con = duckdb.connect()
    yield con
    con.close()


@pytest.mark.parametrize("freq", FREQS)
@settings(max_examples=200, deadline=None)
@given(when=st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)))
@example(when=dt.date(2024, 2, 29))
@example(when=dt.date(2000, 2, 29))
@example(when=dt.date(2100, 2, 28))  # 2100 is no leap year
@example(when=dt.date(2023, 12, 31))
@example(when=dt.date(2024, 12, 31))
@example(when=dt.date(2100, 12, 31))
@example(when=dt.date(1990, 1, 1))
@example(when=dt.date(2024, 6, 30))  # a Sunday: the last day of its week
@example(when=dt.date(2024, 7, 1))  # a Monday: the first day of the next
def test_the_sql_period_index_and_period_end_equal_the_python_ones(duck, freq, when):
    index = period_index(when, freq)
    sql_index, sql_end, sql_previous_end = duck.execute(
        f"SELECT {index_sql(freq, 'CAST($day AS DATE)')}, {end_sql(freq, 'CAST($index AS INTEGER)')}, "
        f"{end_sql(freq, 'CAST($index AS INTEGER) - 1')}",
        {"day": when, "index": index},
    ).fetchone()

    assert (sql_index, sql_end, sql_previous_end) == (index, period_end(index, freq), period_end(index - 1, freq))
    assert period_end(index - 1, freq) < when <= period_end(index, freq)


def test_the_sql_week_index_of_a_day_before_1900_equals_the_python_one(duck):
    when = dt.date(1899, 12, 27)
    assert duck.execute(f"SELECT {index_sql('week', 'CAST($day AS DATE)')}", {"day": when}).fetchone()[0] == \
        period_index(when, "week")


STATE_ROWS = [
    # customer, valid_from, valid_to: A orders on a month's last and the next month's first day,
    # and on a Sunday and the Monday after; B's refund came before B's record, so B's first row
    # starts on its created_at.
    ("A", day("2024-01-31"), day("2024-02-01")),
    ("A", day("2024-02-01"), day("2024-03-31")),
    ("A", day("2024-03-31"), day("2024-04-01")),
    ("A", day("2024-04-01"), HIGH_DATE),
    ("B", day("2024-03-15"), day("2024-06-30")),
    ("B", day("2024-06-30"), HIGH_DATE),
]


@pytest.mark.parametrize("freq", FREQS)
def test_span_rows_carry_the_period_indexes_of_valid_from_and_valid_to(open_analysis, freq):
    analysis = open_analysis(
        customers=[("A", "2023-12-20 10:00:00"), ("B", "2024-03-15 00:00:00")],
        orders=[
            ("a1", "A", "2024-01-31", 100), ("a2", "A", "2024-02-01", 100),
            ("a3", "A", "2024-03-31", 100), ("a4", "A", "2024-04-01", 100),
            ("b0", "B", "2024-02-10", -20), ("b1", "B", "2024-06-30", 80),
        ],
        freqs=(),
    )
    analysis.ensure(f"span_{freq}")

    assert analysis.fetchall(
        "SELECT customer_id, valid_from, valid_to FROM state JOIN cust USING (cid) ORDER BY customer_id, valid_from"
    ) == STATE_ROWS
    assert analysis.fetchall(
        f"SELECT customer_id, a_i, e_i FROM span_{freq} JOIN cust USING (cid) ORDER BY customer_id, a_i, e_i"
    ) == [(customer, period_index(start, freq), period_index(end, freq)) for customer, start, end in STATE_ROWS]


ACTIVITY_ORDERS = [
    ("a1", "A", "2024-01-05", 100),
    ("a2", "A", "2024-01-20", 50),
    ("ar", "A", "2024-01-25", -30),  # a refund: part of the period's amount
    ("a3", "A", "2024-03-10", 200),
    ("b0", "B", "2024-02-10", -20),  # B's refund, in a week of its own
    ("b1", "B", "2024-02-15", 80),
]

ACTIVITY = {  # freq -> (customer, period_end, the period's amount in yen, F at period end, existed before)
    "week": [
        ("A", day("2024-01-07"), 100, 1, False),
        ("A", day("2024-01-21"), 50, 2, True),
        ("A", day("2024-01-28"), -30, 2, True),
        ("A", day("2024-03-10"), 200, 3, True),
        ("B", day("2024-02-11"), -20, 0, True),
        ("B", day("2024-02-18"), 80, 1, True),
    ],
    "month": [
        ("A", day("2024-01-31"), 120, 2, False),
        ("A", day("2024-03-31"), 200, 3, True),
        ("B", day("2024-02-29"), 60, 1, True),
    ],
    "quarter": [
        ("A", day("2024-03-31"), 320, 3, False),
        ("B", day("2024-03-31"), 60, 1, False),
    ],
}


@pytest.mark.parametrize("freq", FREQS)
def test_activity_holds_one_row_per_customer_and_active_period_with_the_periods_amount(open_analysis, freq):
    analysis = open_analysis(customers=[("A", "2024-01-01 00:00:00"), ("B", "2024-01-01 00:00:00")],
                             orders=ACTIVITY_ORDERS, freqs=())
    analysis.ensure(f"act_{freq}")

    assert analysis.fetchall(
        f"SELECT customer_id, period_end, CAST(cents AS DOUBLE) / 100, f, existed_before "
        f"FROM act_{freq} JOIN cust USING (cid) ORDER BY customer_id, period_end"
    ) == ACTIVITY[freq]


# ---------------------------------------------------------------------------------------------
# Cohorts


COHORT_CUSTOMERS = [("C1", "2023-12-01 00:00:00"), ("C2", None), ("C3", "2024-01-15 00:00:00"),
                    ("P", None), ("R", "2023-01-01 00:00:00")]
COHORT_ORDERS = [
    ("c1a", "C1", "2024-01-10", 100), ("c1b", "C1", "2024-01-25", 100),  # two orders in its first month
    ("c1c", "C1", "2024-03-05", 100),  # ... and one two months later
    ("c2a", "C2", "2024-01-20", 100), ("c2b", "C2", "2024-02-14", 100),  # back the next month
    ("c3a", "C3", "2024-02-03", 100), ("c3r", "C3", "2024-03-01", -50),  # a refund is no repeat order
    ("c3b", "C3", "2024-04-30", 100),
    ("rr", "R", "2024-02-01", -10),  # only a refund: in no cohort (P never orders)
]


@pytest.mark.parametrize(("as_of", "expected"), [
    ("2024-04-30", [
        # cohort, months since the first month, customers who ordered, cohort size, share
        (day("2024-01-01"), 0, 2, 2, 1.0),
        (day("2024-01-01"), 1, 1, 2, 0.5),
        (day("2024-01-01"), 2, 1, 2, 0.5),
        (day("2024-02-01"), 0, 1, 1, 1.0),
        (day("2024-02-01"), 2, 1, 1, 1.0),
    ]),
    ("2024-04-29", [  # C3's April order is after the date
        (day("2024-01-01"), 0, 2, 2, 1.0),
        (day("2024-01-01"), 1, 1, 2, 0.5),
        (day("2024-01-01"), 2, 1, 2, 0.5),
        (day("2024-02-01"), 0, 1, 1, 1.0),
    ]),
])
def test_cohorts_count_who_ordered_again_k_months_after_their_first_month(open_analysis, as_of, expected):
    analysis = open_analysis(customers=COHORT_CUSTOMERS, orders=COHORT_ORDERS)

    frame = engine.cohort_retention(analysis, as_of=as_of)

    assert list(frame.columns) == ["cohort", "months_since", "customers", "cohort_size", "share"]
    assert [(pd.Timestamp(cohort).date(), int(k), int(n), int(size), float(share))
            for cohort, k, n, size, share in frame.itertuples(index=False)] == expected


# ---------------------------------------------------------------------------------------------
# One customer's tier history


HISTORY_THRESHOLDS = Thresholds(min_orders=5, min_tenure_days=365, lapse_days=30)
HISTORY = [
    (day("2024-01-10"), "prospect", None),  # created
    (day("2024-02-01"), "first", False),  # first order
    (day("2024-03-01"), "nascent", False),  # second order, 29 days later: never lapsed in between
    (day("2024-04-01"), "nascent", True),  # lapse day: 2024-03-01 + 30 + 1
    (day("2024-06-15"), "nascent", False),  # ordered again: reactivated
]


@pytest.mark.parametrize(("as_of", "rows"), [("2024-06-30", 5), ("2024-06-14", 4), ("2024-04-01", 4),
                                              ("2024-03-31", 3), ("2024-01-10", 1)])
def test_tier_history_runs_prospect_first_nascent_lapsed_reactivated_on_exact_days(open_analysis, as_of, rows):
    analysis = open_analysis(
        customers=[("H", "2024-01-10 09:30:00")],
        orders=[("h1", "H", "2024-02-01", 100), ("h2", "H", "2024-03-01", 100), ("h3", "H", "2024-06-15", 100)],
    )

    history = tier_history(analysis, HISTORY_THRESHOLDS, "H", as_of=as_of)

    assert list(history.itertuples(index=False, name=None)) == HISTORY[:rows]


def test_an_order_on_the_lapse_day_itself_means_the_customer_never_lapsed(open_analysis):
    analysis = open_analysis(
        customers=[("H", "2024-01-10 09:30:00")],
        orders=[("h1", "H", "2024-02-01", 100), ("h2", "H", "2024-03-03", 100)],  # 2024-02-01 + 30 + 1
    )

    history = tier_history(analysis, HISTORY_THRESHOLDS, "H", as_of="2024-03-31")

    assert list(history.itertuples(index=False, name=None)) == [
        (day("2024-01-10"), "prospect", None),
        (day("2024-02-01"), "first", False),
        (day("2024-03-03"), "nascent", False),
    ]


# ---------------------------------------------------------------------------------------------
# Period helpers


@pytest.mark.parametrize(("when", "freq", "expected"), [
    ("2024-03-15", "month", "2024-02-29"),
    ("2024-03-31", "month", "2024-02-29"),  # a month's own last day: the month before
    ("2024-01-01", "month", "2023-12-31"),
    ("2024-05-10", "quarter", "2024-03-31"),
    ("2024-01-01", "quarter", "2023-12-31"),
    ("2024-06-30", "week", "2024-06-23"),  # a Sunday ends its own week
    ("2024-07-01", "week", "2024-06-30"),
])
def test_previous_period_end_is_the_end_of_the_period_before_the_one_holding_the_day(when, freq, expected):
    assert previous_period_end(day(when), freq) == day(expected)


@pytest.mark.parametrize(("when", "expected"), [
    ("2024-02-29", "2023-02-28"),  # no 29 February in 2023
    ("2025-02-28", "2024-02-28"),  # not 29 February, though 2024 has one
    ("2025-03-31", "2024-03-31"),
    ("2024-12-31", "2023-12-31"),
    ("2024-01-01", "2023-01-01"),
])
def test_same_day_a_year_before_keeps_the_calendar_day_and_29_february_becomes_28(when, expected):
    assert same_day_a_year_before(day(when)) == day(expected)


# ---------------------------------------------------------------------------------------------
# Side tables


ONE_CUSTOMER = {"customers": [("A", None)], "orders": [("a1", "A", "2024-01-05", 100)]}


def test_ensure_of_an_unknown_side_table_raises(open_analysis):
    analysis = open_analysis(**ONE_CUSTOMER)

    with pytest.raises(KeyError, match="no_such_table"):
        analysis.ensure("no_such_table")


def test_ensure_act_month_builds_span_month_first_and_each_only_once(open_analysis, monkeypatch):
    analysis = open_analysis(**ONE_CUSTOMER, freqs=())
    built: list[str] = []
    for name in ("span_month", "act_month"):
        real = SIDE_TABLES[name]

        def recording(analysis_, cursor, real=real):
            built.append(real.name)
            real.build(analysis_, cursor)

        monkeypatch.setitem(SIDE_TABLES, name, SideTable(name, recording, real.needs))

    analysis.ensure("act_month")
    analysis.ensure("act_month")
    analysis.ensure("span_month")

    assert built == ["span_month", "act_month"]
    assert analysis.is_ready("span_month") and analysis.is_ready("act_month")
    assert analysis.fetchall("SELECT period_end, cents FROM act_month") == [(day("2024-01-31"), 10000)]


def test_two_threads_asking_for_a_side_table_at_once_build_it_once(open_analysis, monkeypatch):
    analysis = open_analysis(**ONE_CUSTOMER)
    real = SIDE_TABLES["profile"]
    builds: list[str] = []
    building, release = threading.Event(), threading.Event()

    def slow_build(analysis_, cursor):
        builds.append(threading.current_thread().name)
        building.set()
        release.wait(10)
        real.build(analysis_, cursor)

    monkeypatch.setitem(SIDE_TABLES, "profile", SideTable("profile", slow_build, real.needs))
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            analysis.ensure("profile")
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    first, second = threading.Thread(target=ask, name="first"), threading.Thread(target=ask, name="second")
    first.start()
    assert building.wait(10)
    second.start()
    second.join(0.2)
    still_waiting = second.is_alive()  # the second asker waits for the build under way
    release.set()
    first.join(10)
    second.join(10)

    assert errors == []
    assert still_waiting
    assert builds == ["first"]
    assert analysis.fetchall("SELECT count(*) FROM profile") == [(1,)]


def test_refresh_contacts_before_the_contact_summary_is_used_does_nothing(open_analysis):
    analysis = open_analysis(**ONE_CUSTOMER)
    log_contact(analysis.source, "A", "2024-02-01", "call", "", "電話した", now=NOW)

    analysis.refresh_contacts()

    assert analysis.contacts_version == 0
    assert not analysis.is_ready("contact_summary")


def test_refresh_contacts_picks_up_a_contact_written_to_the_file_and_bumps_contacts_version(open_analysis):
    analysis = open_analysis(customers=[("A", None), ("B", None)], orders=[("a1", "A", "2024-01-05", 100)],
                             contacts=[("A", "2024-02-01 10:00:00", "call", "佐藤", "電話した")])
    analysis.ensure("contact_summary")

    def summary() -> list[tuple]:
        return analysis.fetchall("SELECT customer_id, last_contact_at, contacts FROM contact_summary "
                                 "JOIN cust USING (cid) ORDER BY customer_id")

    before = [("A", dt.datetime(2024, 2, 1, 10, 0), 1)]
    assert (summary(), analysis.contacts_version) == (before, 0)

    log_contact(analysis.source, "B", dt.datetime(2024, 3, 5, 15, 30), "visit", "", "訪問した", now=NOW)
    assert summary() == before  # the copy reads the file only when asked to

    analysis.refresh_contacts()
    assert (summary(), analysis.contacts_version) == (before + [("B", dt.datetime(2024, 3, 5, 15, 30), 1)], 1)
