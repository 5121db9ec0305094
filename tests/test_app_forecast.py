"""The forecast on the trends page in AppTest: the control beside the 推移グラフ, the forecast
drawn with its method and backtest said in a sentence, in both languages, without exception."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from apptest_support import TRENDS_PAGE, assert_no_exception, open_app  # noqa: F401,F811  (fixtures)
from dashboard.charts_forecast import counts_with_forecast_chart
from segmentation import forecast
from segmentation.forecast import STATES
from segmentation.texts import text


@pytest.fixture
def trends(open_app, demo_db):
    at = open_app(demo_db)
    assert_no_exception(at)
    return at.switch_page(TRENDS_PAGE).run()


def captions(at) -> list[str]:
    return [caption.value for caption in at.caption]


def counts_chart_spec(at) -> str:
    """The 推移グラフ's Vega-Lite spec as text (the first chart on the page)."""
    return json.dumps(json.loads(at.get("vega_lite_chart")[0].proto.spec), ensure_ascii=False)


def test_the_forecast_is_off_until_asked_and_the_chart_stays_the_counts(trends):
    control = trends.get_by_key("tr_forecast")
    assert control.value == 0
    assert control.options == [text("forecast_off", "ja"), *map(str, range(3, 13))]
    assert "strokeDash" not in counts_chart_spec(trends)
    assert not any(line.startswith(text("forecast_method", "ja", history=3)[:10])
                   for line in captions(trends))


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_forecast_is_drawn_dashed_with_its_method_and_backtest_said(trends, lang):
    trends.get_by_key("sb_lang").set_value(lang).run()
    trends.get_by_key("tr_forecast").set_value(6).run()

    assert_no_exception(trends)
    assert text("forecast_method", lang, history=forecast.DEFAULT_HISTORY) in captions(trends)
    said = [line for line in captions(trends) if line in (text("forecast_backtest_short", lang),)
            or line.startswith(text("forecast_backtest", lang, periods=6, origins=0, error=0, naive=0, coverage=0)[:8])]
    assert len(said) == 1, captions(trends)
    # the demo is long enough to check the band at 6 periods ahead: the sentence says how often it held
    assert {"ja": "実際の人数が収まったのは", "en": "held the actual count"}[lang] in said[0], said
    assert text("forecast_band_none", lang) not in captions(trends)
    spec = counts_chart_spec(trends)
    assert "strokeDash" in spec and text("forecast_legend", lang) in spec


@pytest.mark.parametrize(("key", "options"), [("tr_mode", ["line", "area"]),
                                              ("tr_status", ["active", "lapsed", "both"]),
                                              ("tr_freq", ["quarter", "week", "month"])])
def test_every_chart_option_reruns_cleanly_with_a_forecast(trends, key, options):
    trends.get_by_key("tr_forecast").set_value(3).run()
    for option in options:
        trends.get_by_key(key).set_value(option).run()
        assert_no_exception(trends)
        assert trends.get_by_key("tr_forecast").value == 3


def test_the_longest_forecast_reruns_cleanly(trends):
    trends.get_by_key("tr_forecast").set_value(12).run()
    assert_no_exception(trends)
    assert "strokeDash" in counts_chart_spec(trends)


def test_short_data_says_the_forecast_cannot_be_checked_or_made(open_app, make_db):  # noqa: F811
    # Orders in January and February 2025 and on 1 March: two complete months, one move.
    orders = [(f"O{k}", f"C{k % 5}", f"2025-0{1 + k % 2}-1{k % 9}", 1000) for k in range(12)]
    orders.append(("O99", "C0", "2025-03-01", 1000))
    at = open_app(make_db(customers=[(f"C{k}", "2025-01-01 09:00:00") for k in range(5)], orders=orders))
    at.switch_page(TRENDS_PAGE).run()
    at.get_by_key("tr_forecast").set_value(3).run()
    assert_no_exception(at)
    assert text("forecast_backtest_short", "ja") in captions(at)
    assert text("forecast_band_none", "ja") in captions(at)  # no earlier forecast to measure a band on
    assert "strokeDash" in counts_chart_spec(at)

    # As of 10 February only January is complete: no move to count rates from.
    at.get_by_key("sb_as_of_input").set_value(dt.date(2025, 2, 10)).run()
    assert_no_exception(at)
    assert text("forecast_no_history", "ja") in [info.value for info in at.info]
    assert "strokeDash" not in counts_chart_spec(at)


def test_the_chart_builder_layers_dashes_and_a_band_on_aggregated_rows():
    counts = pd.DataFrame([(dt.date(2025, 1, 31), t, s, 10) for t, s in STATES],
                          columns=["period_end", "tier", "lapsed", "customers"])
    ahead = pd.DataFrame([(dt.date(2025, 2, 28), t, s, 12.0, 11.0, 13.5) for t, s in STATES],
                         columns=["period_end", "tier", "lapsed", "customers", "low", "high"])
    for mode in ("area", "line"):
        spec = counts_with_forecast_chart(counts, ahead, "en", mode=mode).to_dict(validate=True)
        rows = sum(len(dataset) for dataset in spec["datasets"].values())
        assert rows <= 3 * len(STATES) + 1  # history, forecast (from the last count on), the rule
        marks = [layer["mark"] for layer in spec["layer"]]
        assert any(isinstance(m, dict) and m.get("strokeDash") for m in marks)
        assert any(isinstance(m, dict) and m.get("type") == "area" for m in marks[1:])
    plain = counts_with_forecast_chart(counts, None, "en").to_dict()
    assert "layer" not in plain


def test_a_forecast_without_a_band_is_drawn_dashed_without_band_values():
    counts = pd.DataFrame([(dt.date(2025, 1, 31), t, s, 10) for t, s in STATES],
                          columns=["period_end", "tier", "lapsed", "customers"])
    ahead = pd.DataFrame([(dt.date(2025, 2, 28), t, s, 12.0, float("nan"), float("nan")) for t, s in STATES],
                         columns=["period_end", "tier", "lapsed", "customers", "low", "high"])
    for mode in ("area", "line"):
        spec = counts_with_forecast_chart(counts, ahead, "en", mode=mode).to_dict()
        assert any(isinstance(layer["mark"], dict) and layer["mark"].get("strokeDash") for layer in spec["layer"])
        forecast_rows = [row for dataset in spec["datasets"].values() for row in dataset
                         if str(row.get("period_end", "")).startswith("2025-02-28")]
        assert forecast_rows and all(row["low"] is None and row["high"] is None for row in forecast_rows)
