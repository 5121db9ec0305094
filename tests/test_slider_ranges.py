"""The threshold sliders reach as far as the data does, and a suggestion always lies within its
slider; the tier map's orders axis reaches as far as the minimum-orders slider."""

from __future__ import annotations

import datetime as dt

from apptest_support import assert_no_exception, open_app  # noqa: F401  (fixture)
from segmentation import engine
from segmentation.at_date import SLIDER_FLOORS

START = dt.date(2024, 1, 1)


def heavy_buyers(count: int = 12, orders: int = 51, every_days: int = 7) -> tuple[list[tuple], list[tuple]]:
    """`count` customers who each ordered `orders` times, once every `every_days` days."""
    customers = [(f"c{n:03d}", None) for n in range(count)]
    rows = [(f"o{n:03d}-{k:03d}", f"c{n:03d}", START + dt.timedelta(days=k * every_days), 1000)
            for n in range(count) for k in range(orders)]
    return customers, rows


def test_the_sliders_keep_their_floors_when_the_data_reaches_less_far(make_db):
    customers, orders = heavy_buyers(count=12, orders=3, every_days=30)
    analysis = engine.Analysis.open(make_db(customers=customers, orders=orders))
    try:
        assert engine.slider_ranges(analysis) == SLIDER_FLOORS
    finally:
        analysis.close()


def test_the_minimum_orders_slider_reaches_the_orders_of_the_top_repeat_customers(make_db):
    customers, orders = heavy_buyers(count=12, orders=51)
    analysis = engine.Analysis.open(make_db(customers=customers, orders=orders))
    try:
        low, high, step = engine.slider_ranges(analysis)["min_orders"]
        assert (low, step) == SLIDER_FLOORS["min_orders"][::2]
        assert high == 51
    finally:
        analysis.close()


def test_the_tenure_slider_reaches_the_longest_tenure_in_whole_steps(make_db):
    customers, orders = heavy_buyers(count=12, orders=300, every_days=7)  # tenure 2,093 days
    analysis = engine.Analysis.open(make_db(customers=customers, orders=orders))
    try:
        low, high, step = engine.slider_ranges(analysis)["min_tenure_days"]
        assert high >= 299 * 7 and (high - low) % step == 0 and high - 299 * 7 < step
    finally:
        analysis.close()


def test_a_suggested_value_beyond_the_data_extends_its_slider(make_db):
    customers, orders = heavy_buyers(count=12, orders=3, every_days=30)
    analysis = engine.Analysis.open(make_db(customers=customers, orders=orders))
    try:
        ranges = engine.slider_ranges(analysis, suggested={"lapse_days": 1234.0, "min_orders": 40.0})
        assert ranges["lapse_days"][1] == 1240 and ranges["min_orders"][1] == 40
    finally:
        analysis.close()


def test_every_suggestion_lies_within_its_slider_in_the_app(open_app, make_db):
    customers, orders = heavy_buyers(count=12, orders=51)
    db = make_db(customers=customers, orders=orders)
    at = open_app(db)
    assert_no_exception(at)
    analysis = engine.Analysis.open(db)
    try:
        suggestions = engine.suggest_thresholds(analysis)
    finally:
        analysis.close()
    assert suggestions["min_orders"].value > SLIDER_FLOORS["min_orders"][1], "the case needs a suggestion above 30"
    for name in SLIDER_FLOORS:
        slider = at.get_by_key(f"sb_{name}")
        assert slider.min <= suggestions[name].value <= slider.max, name
    at.get_by_key("sb_use_min_orders").click().run()
    assert_no_exception(at)
    assert at.get_by_key("sb_min_orders").value == suggestions["min_orders"].value
