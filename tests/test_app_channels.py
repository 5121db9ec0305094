"""The trends page's channels view in AppTest (the funnel and costs per channel, the lift of each
profile value, the prospects most like loyal customers, an admin entering a cost) and the ready
view "prospects to approach first" on the customers page."""

from __future__ import annotations

import shutil

import pytest

from apptest_support import (  # noqa: F401  (fixtures)
    DEMO_END,
    TRENDS_PAGE,
    assert_no_exception,
    open_app,
    table_with_column,
)
from dashboard.safe import seen
from segmentation.analysis import Analysis
from segmentation.audit import read_audit
from segmentation.channel_cost import channel_economics, read_costs
from segmentation.customers import READY_VIEWS, customer_list
from segmentation.prospects import prospect_scores
from segmentation.texts import format_amount, text


def open_channels(open_app, db, lang: str = "ja"):
    at = open_app(db, query={"lang": lang})
    assert_no_exception(at)
    at.switch_page(TRENDS_PAGE).run()
    at.get_by_key("tr_section").set_value("channels").run()
    assert_no_exception(at)
    return at


@pytest.fixture
def db_copy(demo_db, tmp_path):
    """A copy of the shared demo database: entering a cost writes to it."""
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    return path


def charts_shown(at) -> int:
    return len(at.get("vega_lite_chart"))


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_channels_view_shows_funnel_costs_lifts_and_prospects_in_each_language(open_app, demo_db, demo_analysis,
                                                                                     lang):
    at = open_channels(open_app, demo_db, lang)

    assert charts_shown(at) >= 4  # the channel rates, the funnel, the 推移グラフ above, the lifts
    table = table_with_column(at, text("col_reached_loyal_share", lang))
    core = channel_economics(demo_analysis, as_of=DEMO_END)
    assert list(table[text("col_acquired", lang)]) == list(core["acquired"])
    assert list(table[text("col_median_days_to_loyal", lang)]) == [
        "" if v is None else f"{v:g}" for v in core["median_days_to_loyal"]]
    assert (table[text("col_cost_per_loyal", lang)] == "").all(), "no cost entered in the demo: empty, not None"
    top = table_with_column(at, text("col_reason", lang))
    expected = prospect_scores(demo_analysis, as_of=DEMO_END, lang=lang, limit=20)
    assert list(top[text("col_customer_id", lang)]) == list(expected["customer_id"])
    assert list(top[text("col_reason", lang)]) == list(expected["reason"])
    marker = "この属性の顧客" if lang == "ja" else "customers like this became loyal"
    assert all(marker in reason for reason in top[text("col_reason", lang)])
    captions = " ".join(c.value for c in at.caption)
    assert text("lift_caption", lang, k=20) in captions and text("prospects_caption", lang, k=20) in captions


def test_an_admin_enters_a_cost_and_the_table_shows_what_each_customer_cost(open_app, db_copy):
    at = open_channels(open_app, db_copy)
    at.get_by_key("tr_cost_channel").set_value("紹介")
    at.get_by_key("tr_cost_month").set_value("2025-06")
    at.get_by_key("tr_cost_amount").set_value(300000.0)
    next(b for b in at.button if b.label == text("cost_save", "ja")).click().run()

    assert_no_exception(at)
    assert [seen(s.value) for s in at.success] == [text("cost_saved", "ja", channel="紹介", month="2025-06", amount="300,000")]
    assert [(c, m.isoformat(), float(a)) for c, m, a in read_costs(db_copy)] == [("紹介", "2025-06-01", 300000.0)]
    analysis = Analysis.open(db_copy)
    core = channel_economics(analysis, as_of=DEMO_END, costs=read_costs(db_copy)).set_index("channel")
    analysis.close()
    table = table_with_column(at, text("col_cost_per_acquired", "ja")).set_index(text("col_channel", "ja"))
    assert table.loc["紹介", text("col_cost", "ja")] == "300,000円"
    assert table.loc["紹介", text("col_cost_per_acquired", "ja")] == format_amount(
        round(core.loc["紹介", "cost_per_acquired"]), "ja")
    audit = read_audit(db_copy, actions=("channel_cost",))
    assert len(audit) == 1 and audit["user_name"].iloc[0] == "local"


def test_a_refused_cost_is_said_and_nothing_is_saved(open_app, db_copy):
    at = open_channels(open_app, db_copy, "en")
    at.get_by_key("tr_cost_channel").set_value("紹介")
    at.get_by_key("tr_cost_month").set_value("June")
    next(b for b in at.button if b.label == text("cost_save", "en")).click().run()

    assert_no_exception(at)
    assert [seen(e.value) for e in at.error] == ["The month “June” cannot be read; write it as year-month, like 2026-10."]
    assert read_costs(db_copy) == ()


def test_the_ready_view_lists_prospects_most_like_loyal_customers_first(open_app, demo_db, demo_analysis):
    at = open_app(demo_db, page="pages/customers.py")
    at.get_by_key("cu_view").set_value("prospects_to_approach").run()

    assert_no_exception(at)
    view = READY_VIEWS["prospects_to_approach"]
    assert at.get_by_key("cu_sort").value == "loyal_score"
    assert at.get_by_key("cu_tiers").value == ["prospect", "first"]
    total, expected = customer_list(demo_analysis, as_of=DEMO_END, filters=view.filters, sort=view.sort, limit=50)
    shown = table_with_column(at, text("col_customer_id", "ja"))
    assert list(shown[text("col_customer_id", "ja")])[:50] == list(expected["customer_id"])
    assert list(expected["customer_id"]) == list(prospect_scores(demo_analysis, as_of=DEMO_END, limit=50)["customer_id"])


def test_the_button_below_the_prospects_opens_the_ready_view(open_app, demo_db):
    at = open_channels(open_app, demo_db)
    at.get_by_key("tr_open_prospects").click().run()

    assert_no_exception(at)
    assert at.get_by_key("cu_view").value == "prospects_to_approach"
