"""The forecast of the 推移グラフ: a Markov chain of period-to-period moves plus new customers."""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation import cli
from segmentation.engine import Analysis, period_end, period_index, transitions
from segmentation.forecast import (
    MAX_PERIODS,
    MIN_BAND_ORIGINS,
    MIN_PERIODS,
    STATES,
    ForecastError,
    History,
    backtest,
    backtest_from_history,
    band_note,
    band_widths,
    check_periods,
    forecast_from_history,
    observed_history,
    project,
    state_of,
    tier_forecast,
    transition_rates,
)
from segmentation.texts import text
from segmentation.thresholds import Thresholds

S = len(STATES)
P, FIRST_LAPSED = STATES.index(("prospect", None)), STATES.index(("first", True))
LOYAL = STATES.index(("loyal", False))


def chain_history(start: np.ndarray, rates: np.ndarray, arrivals: np.ndarray, moves: int) -> History:
    """The history a chain with these constant rates and arrivals leaves behind, exactly."""
    counts, flows = [np.asarray(start, dtype=float)], []
    for _ in range(moves):
        flows.append(counts[-1][:, None] * rates)
        counts.append(counts[-1] @ rates + arrivals)
    ends = tuple(period_end(period_index(dt.date(2025, 1, 31), "month") + j, "month") for j in range(moves + 1))
    flows_array = np.stack(flows) if flows else np.zeros((0, S, S))
    return History("month", ends, np.stack(counts), flows_array, np.tile(arrivals, (moves, 1)))


def staying_history(counts: list[list[float]]) -> History:
    """A history whose customers all stay where they are (rates: the identity, nobody new), with
    the counts at the period ends set by hand: each forecast is the counts at its origin, so its
    relative error h periods later is |counts[o + h] − counts[o]| / max(counts[o], 1)."""
    rows = np.zeros((len(counts), S))
    for j, (prospects, loyal) in enumerate(counts):
        rows[j, P], rows[j, LOYAL] = prospects, loyal
    flows = np.stack([np.diag(row) for row in rows[:-1]]) if len(rows) > 1 else np.zeros((0, S, S))
    ends = tuple(period_end(period_index(dt.date(2025, 1, 31), "month") + j, "month") for j in range(len(rows)))
    return History("month", ends, rows, flows, np.zeros((len(rows) - 1, S)))


# ---------------------------------------------------------------------------------------------
# The chain on hand-made histories


def test_constant_rates_are_returned_and_the_counts_follow_the_chain_exactly():
    rates = np.eye(S)
    rates[P] = 0
    rates[P, P], rates[P, FIRST_LAPSED] = 0.75, 0.25
    start, arrivals = np.zeros(S), np.zeros(S)
    start[P], arrivals[P] = 40.0, 10.0
    history = chain_history(start, rates, arrivals, moves=4)

    forecast = forecast_from_history(history, 3, window=3)

    assert np.allclose(transition_rates(history.flows.sum(axis=0)), rates)
    expected = project(history.counts[-1], rates, arrivals, 3)
    for step, end in enumerate(sorted(forecast["period_end"].unique())):
        rows = forecast[forecast["period_end"] == end]
        assert np.allclose(rows["customers"].to_numpy(), expected[step])
        # every earlier forecast was exact: the band has no width
        assert np.allclose(rows["low"], rows["customers"]) and np.allclose(rows["high"], rows["customers"])
    assert list(forecast["period_end"].unique()) == [dt.date(2025, 6, 30), dt.date(2025, 7, 31), dt.date(2025, 8, 31)]


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    weights=st.lists(st.floats(0.0, 5.0), min_size=S * S, max_size=S * S),
    start=st.lists(st.integers(0, 1000), min_size=S, max_size=S),
    arrivals=st.lists(st.integers(0, 50), min_size=S, max_size=S),
    periods=st.integers(MIN_PERIODS, MAX_PERIODS),
)
def test_any_constant_chain_is_followed_and_customers_are_conserved_plus_new_ones(weights, start, arrivals, periods):
    weights = np.array(weights).reshape(S, S) + np.eye(S) * 1e-3  # no empty row
    rates = weights / weights.sum(axis=1, keepdims=True)
    start, arrivals = np.array(start, dtype=float), np.array(arrivals, dtype=float)
    history = chain_history(start, rates, arrivals, moves=3)

    forecast = forecast_from_history(history, periods, window=3)

    central = forecast["customers"].to_numpy().reshape(periods, S)
    occupied = history.counts[-4:-1].sum(axis=0) > 0  # rates of states nobody was in are unknown
    expected = project(history.counts[-1], np.where(occupied[:, None], rates, np.eye(S)), arrivals, periods)
    assert np.allclose(central, expected, rtol=1e-9, atol=1e-6)
    totals = central.sum(axis=1)
    assert np.allclose(totals, history.counts[-1].sum() + arrivals.sum() * np.arange(1, periods + 1))
    # three moves: two earlier forecasts checked one period later, too few to measure a band
    assert forecast["low"].isna().all() and forecast["high"].isna().all()


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    counts=st.lists(st.lists(st.integers(0, 500), min_size=S, max_size=S), min_size=2, max_size=16),
    weights=st.lists(st.floats(0.0, 1.0), min_size=S, max_size=S),
    periods=st.integers(MIN_PERIODS, MAX_PERIODS),
    window=st.integers(1, 6),
)
def test_the_band_holds_the_forecast_and_is_drawn_once_earlier_forecasts_can_be_checked(counts, weights, periods,
                                                                                          window):
    counts = np.array(counts, dtype=float)
    counts[:, 0] += 1  # never empty
    # anyone in s moves to s + 1 at its own rate, the rest stay; the counts themselves are arbitrary
    flows = []
    for row in counts[:-1]:
        moving = row * np.array(weights)
        flow = np.diag(row - moving)
        flow[np.arange(S), (np.arange(S) + 1) % S] += moving
        flows.append(flow)
    ends = tuple(period_end(period_index(dt.date(2025, 1, 31), "month") + j, "month") for j in range(len(counts)))
    history = History("month", ends, counts, np.stack(flows), np.diff(counts, axis=0).clip(0))

    forecast = forecast_from_history(history, periods, window=window)

    checked = len(history) - 1  # forecasts made before the last end, checked one period later
    if checked >= MIN_BAND_ORIGINS:
        assert forecast[["low", "high"]].notna().all().all()
        assert (forecast["low"] >= 0).all()
        assert (forecast["low"] <= forecast["customers"] + 1e-9).all()
        assert (forecast["customers"] <= forecast["high"] + 1e-9).all()
    else:
        assert forecast[["low", "high"]].isna().all().all()
    assert (forecast["customers"] >= -1e-9).all()


def test_the_band_is_the_80th_percentile_of_the_earlier_forecasts_errors_at_each_horizon():
    # Prospects alternate 100, 125, 100, ...; loyal customers stay 40. One period ahead, a forecast
    # of 100 that was 125 is off by 25 / 125 = 20%, one of 125 that was 100 by 25 / 100 = 25%, the
    # loyal count by 0%; two periods ahead every forecast was exact.
    history = staying_history([[100 if j % 2 == 0 else 125, 40] for j in range(9)])

    widths = band_widths(history, 3, window=1, origins=4)
    # four forecasts, 8 errors: 0, 0, 0, 0, 0.2, 0.2, 0.25, 0.25; the 80th percentile (linear) is 0.23
    assert widths["width"].tolist() == pytest.approx([0.23, 0.0, 0.23])
    assert widths["source"].tolist() == [1, 2, 3] and widths["past"].tolist() == [4, 4, 4]

    forecast = forecast_from_history(history, 3, window=1, origins=4)
    prospects = forecast[forecast["tier"] == "prospect"]
    loyal = forecast[(forecast["tier"] == "loyal") & (forecast["lapsed"] == False)]  # noqa: E712
    assert prospects["customers"].tolist() == pytest.approx([100, 100, 100])
    assert prospects["low"].tolist() == pytest.approx([77, 100, 77])
    assert prospects["high"].tolist() == pytest.approx([123, 100, 123])
    assert loyal["low"].tolist() == pytest.approx([30.8, 40, 30.8])
    assert loyal["high"].tolist() == pytest.approx([49.2, 40, 49.2])
    nobody = forecast[forecast["tier"] == "steady"]
    assert (nobody["customers"] == 0).all() and (nobody["low"] == 0).all()


def test_a_horizon_with_too_few_earlier_forecasts_carries_the_widest_band_and_none_draws_no_band():
    history = staying_history([[100 if j % 2 == 0 else 125, 40] for j in range(5)])
    widths = band_widths(history, 3, window=1)
    # one period ahead: forecasts at ends 1, 2, 3 (25%, 20%, 25% off; loyal 0%): 0, 0, 0, .2, .25, .25
    assert widths["past"].tolist() == [3, 2, 1]
    assert widths["width"].tolist() == pytest.approx([0.25, 0.25, 0.25])
    assert widths["source"].tolist() == [1, 1, 1]

    short = staying_history([[100, 40], [125, 40], [100, 40]])
    assert band_widths(short, 3, window=1)["source"].tolist() == [0, 0, 0]
    forecast = forecast_from_history(short, 3, window=1)
    assert forecast["low"].isna().all() and forecast["high"].isna().all()
    assert forecast["customers"].notna().all()


def test_the_page_is_told_when_the_band_is_carried_or_cannot_be_drawn():
    long = backtest_from_history(staying_history([[100 if j % 2 else 125, 40] for j in range(20)]), 3, window=1)
    assert band_note(long) is None
    carried = backtest_from_history(staying_history([[100 if j % 2 else 125, 40] for j in range(5)]), 3, window=1)
    assert band_note(carried) == ("forecast_band_carried", {"first": 2, "source": 1})
    assert text("forecast_band_carried", "en", first=2, source=1).startswith("From 2 periods ahead on")
    short = backtest_from_history(staying_history([[100, 40], [125, 40], [100, 40]]), 3, window=1)
    assert band_note(short) == ("forecast_band_none", {})


def test_the_backtest_checks_each_band_made_only_from_forecasts_checked_before_it():
    # Prospects stay 100 until the last end, where they are 150: every forecast was exact but
    # the one that reaches that end; the bands made before it knew nothing of it.
    history = staying_history([[100, 40]] * 10 + [[150, 40]])

    result = backtest_from_history(history, 3, window=1, origins=12).set_index("horizon")

    # backtest origins: ends 1..7; a band needs 3 forecasts checked one period later: ends 4..7
    assert result["checked"].tolist() == [8, 8, 8]  # 4 origins, 2 counts not zero
    assert result.loc[1, "coverage"] == 1 and result.loc[2, "coverage"] == 1
    assert result.loc[3, "coverage"] == pytest.approx(7 / 8)  # end 7's forecast of end 10, from bands of width 0


def test_a_state_nobody_was_in_keeps_its_customers():
    assert np.array_equal(transition_rates(np.zeros((3, 3))), np.eye(3))


@pytest.mark.parametrize("periods", [MIN_PERIODS, 6, MAX_PERIODS])
def test_three_to_twelve_periods_are_accepted(periods):
    assert check_periods(periods) == periods


@pytest.mark.parametrize("periods", [0, 1, 2, 13, 24, -3, 6.0, "6", True, None])
def test_other_horizons_are_refused_with_a_clear_sentence(periods):
    with pytest.raises(ForecastError) as refused:
        check_periods(periods)
    assert str(refused.value) == f"The forecast covers 3 to 12 periods, not {periods}."
    assert refused.value.message("ja") == f"予測する期間の数は3〜12にしてください（{periods}は使えません）。"


def test_a_history_without_a_single_move_is_refused():
    history = chain_history(np.ones(S), np.eye(S), np.zeros(S), moves=0)
    with pytest.raises(ForecastError, match="at least two complete periods"):
        forecast_from_history(history, 3)


def test_the_backtest_of_a_constant_chain_is_exact_and_beats_keeping_the_counts():
    rates = np.eye(S)
    rates[P] = 0
    rates[P, P], rates[P, FIRST_LAPSED] = 0.5, 0.5
    start, arrivals = np.zeros(S), np.zeros(S)
    start[P], arrivals[P] = 100.0, 50.0
    history = chain_history(start, rates, arrivals, moves=10)

    result = backtest_from_history(history, 3, window=2, origins=4)

    assert result["horizon"].tolist() == [1, 2, 3]
    assert result["origins"].tolist() == [4, 4, 4]
    assert np.allclose(result["forecast_mape"], 0) and np.allclose(result["forecast_wape"], 0)
    assert (result["naive_wape"] > 0).all()
    assert np.allclose(result["coverage"], 1)
    assert np.allclose(result["band"], 0) and result["band_source"].tolist() == [1, 2, 3]


# ---------------------------------------------------------------------------------------------
# The engine on a hand-made database


def test_a_database_with_constant_moves_is_forecast_along_its_chain(make_db):
    # Every month 4 prospects are created on the 1st; each orders once on the 2nd, two months
    # later. With lapse_days 0 a one-order customer is lapsed at every later month end, so each
    # month half of the 8 prospects become lapsed first-time customers and 4 new prospects come.
    # Month ends March to August: 5 moves, enough earlier forecasts (all exact) for a band of 0.
    months = [dt.date(2025, month, 1) for month in range(1, 9)]
    customers, orders = [], []
    for m, first_day in enumerate(months):
        for k in range(4):
            customer_id = f"C{m}{k}"
            customers.append((customer_id, f"{first_day.isoformat()} 09:00:00"))
            if m + 2 < len(months):
                orders.append((f"O{m}{k}", customer_id, months[m + 2].replace(day=2).isoformat(), 1000))
    analysis = Analysis.open(make_db(customers=customers, orders=orders))
    thresholds = Thresholds(lapse_days=0)
    forecast = tier_forecast(analysis, thresholds, freq="month", periods=3, as_of="2025-08-31", history=3)

    def at(end, state):
        states = np.array([state_of(t, s) == state for t, s in zip(forecast["tier"], forecast["lapsed"])])
        rows = forecast[(forecast["period_end"] == end).to_numpy() & states]
        return float(rows["customers"].iloc[0]), float(rows["low"].iloc[0]), float(rows["high"].iloc[0])

    for step, end in enumerate([dt.date(2025, 9, 30), dt.date(2025, 10, 31), dt.date(2025, 11, 30)], start=1):
        assert at(end, ("prospect", None)) == pytest.approx((8, 8, 8))
        assert at(end, ("first", True)) == pytest.approx((24 + 4 * step,) * 3)
        assert forecast[forecast["period_end"] == end]["customers"].sum() == pytest.approx(32 + 4 * step)


def test_the_counted_moves_equal_the_transitions_between_consecutive_period_ends(demo_analysis):
    history = observed_history(demo_analysis, freq="month", window=3)
    for j in range(len(history)):
        matrix = transitions(demo_analysis, date_from=history.ends[j], date_to=history.ends[j + 1])
        flows, arrivals = np.zeros((S, S)), np.zeros(S)
        for row in matrix.itertuples():
            to = STATES.index(state_of(row.to_tier, row.to_lapsed))
            if row.from_tier == "new":
                arrivals[to] += row.customers
            else:
                flows[STATES.index(state_of(row.from_tier, row.from_lapsed)), to] += row.customers
        assert np.array_equal(history.flows[j], flows), history.ends[j + 1]
        assert np.array_equal(history.arrivals[j], arrivals), history.ends[j + 1]


@pytest.mark.parametrize("freq", ["week", "month", "quarter"])
def test_the_demo_forecast_keeps_its_band_around_it_and_conserves_customers(demo_analysis, freq):
    forecast = tier_forecast(demo_analysis, freq=freq, periods=4)
    history = observed_history(demo_analysis, freq=freq, window=3)

    assert list(forecast.columns) == ["period_end", "tier", "lapsed", "customers", "low", "high"]
    assert len(forecast) == 4 * S
    assert forecast[["low", "high"]].notna().all().all()
    assert (forecast["low"] <= forecast["customers"]).all() and (forecast["customers"] <= forecast["high"]).all()
    assert (forecast["low"] >= 0).all()
    new_per_period = history.arrivals.mean(axis=0).sum()
    totals = forecast.groupby("period_end")["customers"].sum().to_numpy()
    assert np.allclose(totals, history.counts[-1].sum() + new_per_period * np.arange(1, 5))
    assert forecast["period_end"].min() == period_end(period_index(history.ends[-1], freq) + 1, freq)


def test_the_forecast_starts_after_the_last_complete_period_before_as_of(demo_analysis):
    forecast = tier_forecast(demo_analysis, freq="month", periods=3, as_of="2025-05-15")
    assert sorted(forecast["period_end"].unique()) == [dt.date(2025, 5, 31), dt.date(2025, 6, 30),
                                                       dt.date(2025, 7, 31)]


def test_the_backtest_on_the_demo_compares_both_forecasts_at_every_horizon(demo_analysis):
    result = backtest(demo_analysis, freq="month", periods=3, origins=4)
    assert result["horizon"].tolist() == [1, 2, 3]
    assert (result[["forecast_mape", "naive_mape", "forecast_wape", "naive_wape"]] >= 0).all().all()
    assert result["coverage"].between(0, 1).all() and (result["checked"] > 0).all()
    assert (result["band"] > 0).all() and result["band_source"].tolist() == [1, 2, 3]


# ---------------------------------------------------------------------------------------------
# The command


@pytest.mark.parametrize("periods", [MIN_PERIODS, MAX_PERIODS])
def test_forecast_command_writes_whole_customers_with_their_band(demo_db, capsys, periods):
    assert cli.main(["forecast", "--db", str(demo_db), "--freq", "month", "--periods", str(periods),
                     "--lang", "en", "--out", "-"]) == 0
    out = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(out.out)))
    assert list(rows[0]) == ["period_end", "tier", "lapsed", "customers", "low", "high"]
    assert len(rows) == periods * S
    assert len({r["period_end"] for r in rows}) == periods
    assert all(int(r["low"]) <= int(r["customers"]) <= int(r["high"]) for r in rows)
    assert {r["lapsed"] for r in rows if r["tier"] == "prospect"} == {""}
    assert f"Wrote {periods * S} rows" in out.err


def test_forecast_command_leaves_the_band_empty_where_the_data_cannot_draw_one(tmp_path, capsys):
    from conftest import write_db

    orders = [(f"o{n}", f"C{n % 7}", f"2024-{1 + n // 10:02d}-{1 + n % 10 * 2:02d}", 1000) for n in range(50)]
    db = write_db(tmp_path / "short.duckdb", customers=[(f"C{n}", None) for n in range(7)], orders=orders)
    assert cli.main(["forecast", "--db", str(db), "--freq", "month", "--periods", "3", "--lang", "en",
                     "--out", "-"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and all(r["customers"] != "" for r in rows)
    assert {(r["low"], r["high"]) for r in rows} == {("", "")}  # five months: no earlier forecast to check


@pytest.mark.parametrize("periods", ["2", "13"])
def test_forecast_command_refuses_other_horizons_in_one_sentence(demo_db, capsys, periods):
    assert cli.main(["forecast", "--db", str(demo_db), "--freq", "month", "--periods", periods,
                     "--out", "-"]) == 2
    assert capsys.readouterr().err == f"error: The forecast covers 3 to 12 periods, not {periods}.\n"


def test_forecast_texts_exist_in_both_languages():
    for key in ("forecast_method", "forecast_backtest", "forecast_control", "forecast_off"):
        assert text(key, "ja") and text(key, "en")
