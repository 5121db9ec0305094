"""Prospects that look like loyal customers (segmentation/prospects.py): on hand-made data where
one channel makes loyal customers twice as often its prospects rank first, in the scores and in
the ready view; the smoothing keeps small groups from dominating; no loyal customer at all, a
channel of one customer and missing profile values behave; and the score always lies between
the shares it is made of."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import write_db
from segmentation.analysis import Analysis
from segmentation.customers import customer_list
from segmentation.filters import READY_VIEWS
from segmentation.prospects import PRIOR_WEIGHT, attribute_lifts, profile_cells, prospect_scores
from segmentation.thresholds import Thresholds

#: Loyal = two orders at least 30 days apart (small numbers keep the hand-made data readable).
EASY = Thresholds(min_orders=2, min_tenure_days=30, lapse_days=3650)
AS_OF = dt.date(2026, 6, 30)
CREATED = dt.datetime(2025, 1, 1)


class Shop:
    """Hand-made customers: `group(...)` adds `customers` of one profile, `loyal` of them with
    two orders 60 days apart (loyal under EASY), `first` with one order, the rest prospects."""

    def __init__(self) -> None:
        self.customers: list[tuple] = []
        self.orders: list[tuple] = []

    def group(self, prefix: str, channel, region, staff, *, loyal: int = 0, first: int = 0, prospects: int = 0):
        for index in range(loyal + first + prospects):
            cid = f"{prefix}{index:03d}"
            self.customers.append((cid, CREATED, channel, region, staff))
            if index < loyal:
                self.orders += [(f"{cid}-1", cid, dt.date(2025, 2, 1), 1000), (f"{cid}-2", cid, dt.date(2025, 4, 1), 1000)]
            elif index < loyal + first:
                self.orders.append((f"{cid}-1", cid, dt.date(2025, 3, 1), 1000))
        return self

    def open(self, path) -> Analysis:
        return Analysis.open(write_db(path, self.customers, self.orders))


@pytest.fixture
def twice_as_loyal(tmp_path):
    """紹介 makes loyal customers twice as often as Web広告 (40% against 20%), in the same regions
    and with the same staff; each channel has prospects and first-time customers waiting."""
    shop = Shop()
    for region in ("関東", "近畿"):
        shop.group(f"R{region}", "紹介", region, "佐藤", loyal=8, first=6, prospects=6)
        shop.group(f"W{region}", "Web広告", region, "佐藤", loyal=4, first=10, prospects=6)
    analysis = shop.open(tmp_path / "twice.duckdb")
    yield analysis
    analysis.close()


def test_the_prospects_of_the_channel_that_makes_loyal_customers_twice_as_often_rank_first(twice_as_loyal):
    scores = prospect_scores(twice_as_loyal, EASY, as_of=AS_OF, lang="en")

    waiting = scores["channel"].tolist()
    referral = waiting.count("紹介")
    assert set(scores["tier"]) == {"prospect", "first"}
    assert waiting[:referral] == ["紹介"] * referral, "every 紹介 prospect comes before any Web広告 one"
    assert scores["loyal_score"].is_monotonic_decreasing
    top, bottom = scores["loyal_score"].iloc[0], scores["loyal_score"].iloc[-1]
    assert 0 < bottom < top < 1


def test_the_ready_view_lists_the_same_prospects_in_the_same_order(twice_as_loyal):
    view = READY_VIEWS["prospects_to_approach"]
    expected = prospect_scores(twice_as_loyal, EASY, as_of=AS_OF)

    total, listed = customer_list(twice_as_loyal, EASY, as_of=AS_OF, filters=view.filters, sort=view.sort, limit=None)

    assert view.filters.tiers == ("prospect", "first")
    assert total == len(expected) == 2 * (6 + 6 + 10 + 6)
    assert list(listed["customer_id"]) == list(expected["customer_id"])
    assert list(listed["loyal_score"]) == pytest.approx(list(expected["loyal_score"]))


def test_other_lists_do_not_carry_the_score(twice_as_loyal):
    _, listed = customer_list(twice_as_loyal, EASY, as_of=AS_OF, limit=None)

    assert listed["loyal_score"].isna().all()


def test_the_reason_names_the_profile_and_the_share_that_became_loyal(twice_as_loyal):
    scores = prospect_scores(twice_as_loyal, EASY, as_of=AS_OF, lang="ja")
    row = scores[(scores["channel"] == "紹介") & (scores["region"] == "関東")].iloc[0]

    # 20 customers of 紹介・関東・佐藤, 8 of them loyal.
    assert row["similar_customers"] == 20 and row["similar_share"] == pytest.approx(0.4)
    assert row["reason"] == f"紹介・関東・佐藤: この属性の顧客20人の40%が優良客に（見込み{row['loyal_score']:.0%}）"
    english = prospect_scores(twice_as_loyal, EASY, as_of=AS_OF, lang="en")
    assert english.loc[english["customer_id"] == row["customer_id"], "reason"].iloc[0] == (
        f"紹介, 関東, 佐藤: 40% of 20 customers like this became loyal (score {row['loyal_score']:.0%})")


def test_the_score_blends_each_group_toward_the_wider_one_counting_each_customer_once(twice_as_loyal):
    cells = profile_cells(twice_as_loyal, EASY, as_of=AS_OF).set_index(["channel", "region", "staff"])
    k = PRIOR_WEIGHT
    p0 = 24 / 80
    a = (16 - 8 + k * p0) / (40 - 20 + k)  # 紹介 outside 紹介・関東: 20 customers, 8 loyal
    b = (8 - 8 + k * a) / (20 - 20 + k)  # 紹介・関東 outside 紹介・関東・佐藤: nobody, so a
    score = (8 + k * b) / (20 + k)  # 紹介・関東・佐藤: 20 customers, 8 loyal

    assert cells.loc[("紹介", "関東", "佐藤"), "score"] == pytest.approx(score)


def test_the_lift_of_the_better_channel_is_twice_the_other_before_smoothing(twice_as_loyal):
    lifts = attribute_lifts(twice_as_loyal, EASY, as_of=AS_OF)
    channels = lifts[lifts["attribute"] == "channel"].set_index("value")

    assert list(lifts["attribute"].unique()) == ["channel", "region", "staff"]
    assert channels.loc["紹介", "share"] == pytest.approx(2 * channels.loc["Web広告", "share"])
    assert channels.loc["紹介", "lift"] > 1 > channels.loc["Web広告", "lift"]
    assert channels.index[0] == "紹介", "highest lift first"
    p0 = 24 / 80
    assert channels.loc["紹介", "lift"] == pytest.approx((16 + PRIOR_WEIGHT * p0) / (40 + PRIOR_WEIGHT) / p0)


# ---------------------------------------------------------------------------------------------
# Boundaries


def test_with_no_loyal_customer_at_all_every_score_is_zero_and_no_lift_is_given(tmp_path):
    shop = Shop().group("A", "紹介", "関東", "佐藤", first=5, prospects=3).group("B", "Web広告", "近畿", None, prospects=4)
    analysis = shop.open(tmp_path / "none.duckdb")

    scores = prospect_scores(analysis, EASY, as_of=AS_OF, lang="en")
    lifts = attribute_lifts(analysis, EASY, as_of=AS_OF)

    assert len(scores) == 12 and (scores["loyal_score"] == 0).all()
    assert list(scores["customer_id"]) == sorted(scores["customer_id"]), "ties fall back to the customer id"
    assert lifts["lift"].isna().all() and (lifts["share"] == 0).all()
    assert "0% of" in scores["reason"].iloc[0]
    analysis.close()


def test_a_channel_of_one_loyal_customer_does_not_dominate(tmp_path):
    shop = Shop()
    shop.group("A", "紹介", "関東", "佐藤", loyal=10, first=10, prospects=20)   # 25%
    shop.group("L", "展示会", "関東", "佐藤", loyal=1)                          # one customer, loyal: 100%
    shop.group("P", "展示会", "関東", "佐藤", prospects=0)
    shop.group("Q", "店頭", "関東", "佐藤", prospects=1)
    analysis = shop.open(tmp_path / "one.duckdb")

    cells = profile_cells(analysis, EASY, as_of=AS_OF).set_index("channel")
    lifts = attribute_lifts(analysis, EASY, as_of=AS_OF)
    one = lifts[(lifts["attribute"] == "channel") & (lifts["value"] == "展示会")].iloc[0]

    p0 = 11 / 42
    assert one["share"] == 1.0
    assert one["smoothed_share"] == pytest.approx((1 + PRIOR_WEIGHT * p0) / (1 + PRIOR_WEIGHT))
    assert cells.loc["展示会", "score"] == pytest.approx((1 + PRIOR_WEIGHT * p0) / (1 + PRIOR_WEIGHT)), \
        "the lone customer counts once, not once per level"
    assert cells.loc["展示会", "score"] < 0.3 < 1.0
    assert p0 - 0.02 < cells.loc["店頭", "score"] < p0, "one prospect moves it only a little below"
    analysis.close()


def test_missing_profile_values_add_nothing_and_are_left_out_of_the_reason(tmp_path):
    shop = Shop()
    shop.group("A", "紹介", "関東", "佐藤", loyal=6, first=4, prospects=10)
    shop.group("B", "紹介", None, "", loyal=2, prospects=8)       # region unknown, staff empty
    shop.group("C", None, None, None, loyal=1, prospects=9)       # nothing known
    analysis = shop.open(tmp_path / "missing.duckdb")

    cells = profile_cells(analysis, EASY, as_of=AS_OF)
    unknown = cells[cells["channel"].isna()].iloc[0]
    region_unknown = cells[(cells["channel"] == "紹介") & cells["region"].isna()].iloc[0]
    scores = prospect_scores(analysis, EASY, as_of=AS_OF, lang="en").set_index("customer_id")

    assert unknown["staff"] is None and region_unknown["staff"] is None, "an empty value is unknown"
    assert unknown["score"] == pytest.approx(unknown["p0"]), "nothing known: the overall share"
    # Only the channel is known: G1 = G2 = G3 = 紹介 (30 customers, 8 loyal), pulled toward p0.
    p0 = 9 / 40
    assert region_unknown["g3n"] == 30
    assert region_unknown["score"] == pytest.approx((8 + PRIOR_WEIGHT * p0) / (30 + PRIOR_WEIGHT))
    assert scores.loc["C005", "reason"].startswith("No profile: ")
    assert scores.loc["B005", "reason"].startswith("紹介: 27% of 30 customers like this became loyal")
    assert scores.loc["B005", "similar_customers"] == 30, "the channel's customers: the group a reason names"
    analysis.close()


def test_an_empty_database_has_no_prospects_and_no_lifts(tmp_path):
    analysis = Analysis.open(write_db(tmp_path / "empty.duckdb"))

    assert prospect_scores(analysis, EASY, as_of=AS_OF).empty
    assert attribute_lifts(analysis, EASY, as_of=AS_OF).empty
    analysis.close()


# ---------------------------------------------------------------------------------------------
# The score lies between the shares it is made of

profiles = st.tuples(st.sampled_from(["紹介", "Web", None]), st.sampled_from(["関東", None]),
                     st.sampled_from(["佐藤", "田中", None]))
groups = st.lists(st.tuples(profiles, st.integers(0, 4), st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=6)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(groups=groups)
def test_every_score_lies_between_the_overall_share_and_its_groups_shares(tmp_path_factory, groups):
    shop = Shop()
    for index, ((channel, region, staff), loyal, first, prospects) in enumerate(groups):
        shop.group(f"G{index}-", channel, region, staff, loyal=loyal, first=first, prospects=prospects)
    if not shop.customers:
        return
    analysis = shop.open(tmp_path_factory.mktemp("prop") / "shop.duckdb")
    cells = profile_cells(analysis, EASY, as_of=AS_OF)
    for cell in cells.to_dict("records"):
        parts = [(cell["g1y"] - cell["g2y"], cell["g1n"] - cell["g2n"]), (cell["g2y"] - cell["g3y"], cell["g2n"] - cell["g3n"]),
                 (cell["g3y"], cell["g3n"])]
        shares = [cell["p0"], *(y / n for y, n in parts if n)]
        assert 0 <= cell["score"] <= 1
        assert min(shares) - 1e-12 <= cell["score"] <= max(shares) + 1e-12
    analysis.close()
