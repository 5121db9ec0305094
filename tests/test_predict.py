"""Each customer's chance of coming back (segmentation/predict.py): the model's inputs counted
from hand-made orders, the rules its answers obey (probabilities in [0, 1], a chance that falls
as the silence grows, expected orders that rise with the horizon), how one-time buyers are
treated, the list's "likely lost" filter and the CLI's rows.

Cheap on purpose: the model is fitted once per module on a few hundred made-up customers (a
fixed seed), and once on the 800-customer demo database; pytensor compiles once per process.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation import cli, predict
from segmentation.analysis import Analysis
from segmentation.customers import CustomerFilters, customer_list, iter_customer_list
from segmentation.filters import describe_filters
from segmentation.texts import text

FIXED_NOW = dt.datetime(2026, 11, 20, 9, 0)


def made_up_customers(n: int = 300, seed: int = 3) -> pd.DataFrame:
    """Customers who order at their own pace until they leave (the model's own story), observed
    for up to two years: the columns of `predict.features`."""
    rng = np.random.default_rng(seed)
    rows = []
    for cid in range(1, n + 1):
        observed = int(rng.integers(30, 730))
        rate = rng.gamma(0.8, 1 / 40)  # orders per day
        days, day = [0], 0.0
        while True:
            day += rng.exponential(1 / rate)
            if day > observed or rng.random() < 0.25:  # leaves after an order with chance 1/4
                break
            days.append(int(day))
        days = sorted(set(days))
        rows.append((cid, len(days) - 1, days[-1], observed))
    return pd.DataFrame(rows, columns=["cid", "frequency", "recency", "t_days"])


@pytest.fixture(scope="module")
def fitted() -> predict.Fit:
    return predict.fit_frame(made_up_customers(), as_of=dt.date(2026, 11, 20), now=FIXED_NOW)


def one(fitted, frequency, recency, t_days, horizon=90) -> tuple[float, float]:
    frame = pd.DataFrame({"cid": [1], "frequency": [frequency], "recency": [recency], "t_days": [t_days]})
    row = predict.predict_frame(fitted, frame, horizon).iloc[0]
    return float(row["p_alive"]), float(row["expected_orders"])


# ---------------------------------------------------------------------------------------------
# The fit


def test_the_fit_keeps_its_parameters_date_and_sample(fitted):
    assert set(fitted.params) == {"r", "alpha", "a", "b"}
    assert all(value > 0 and np.isfinite(value) for value in fitted.params.values())
    assert (fitted.as_of, fitted.fitted_at, fitted.customers, fitted.sample) == \
        (dt.date(2026, 11, 20), FIXED_NOW, 300, 300)


def test_a_larger_base_is_fitted_on_a_fixed_seed_sample():
    frame = made_up_customers(n=120, seed=5)
    first = predict.fit_frame(frame, as_of=dt.date(2026, 1, 1), sample_size=80, seed=1, now=FIXED_NOW)
    again = predict.fit_frame(frame, as_of=dt.date(2026, 1, 1), sample_size=80, seed=1, now=FIXED_NOW)
    assert (first.customers, first.sample) == (120, 80)
    assert first.params == pytest.approx(again.params)


@pytest.mark.parametrize("frame", [
    made_up_customers(n=predict.MIN_CUSTOMERS - 1),
    made_up_customers(n=50).assign(frequency=0, recency=0),  # nobody ever came back
    made_up_customers(n=0),
], ids=["too few", "no repeat customer", "nobody"])
def test_too_little_to_learn_from_is_said_not_fitted(frame):
    with pytest.raises(predict.PredictError) as caught:
        predict.fit_frame(frame, as_of=dt.date(2026, 1, 1))
    assert caught.value.key == "predict_too_few"
    assert str(predict.MIN_CUSTOMERS) in caught.value.message("ja")


@pytest.mark.parametrize("horizon", [0, -5, predict.MAX_HORIZON_DAYS + 1, 1.5, "90", True, None])
def test_a_bad_horizon_is_refused(horizon):
    with pytest.raises(predict.PredictError):
        predict.check_horizon(horizon)


# ---------------------------------------------------------------------------------------------
# The rules the answers obey

customer_inputs = st.tuples(st.integers(0, 60), st.integers(0, 1500), st.integers(0, 1500)).map(
    lambda t: (t[0], min(t[1], t[2]) if t[0] else 0, max(t[1], t[2])))  # recency <= T; no repeat: recency 0


@settings(max_examples=60, deadline=None)
@given(inputs=customer_inputs, horizon=st.integers(1, predict.MAX_HORIZON_DAYS))
def test_the_chance_is_a_probability_and_expected_orders_are_not_negative(fitted, inputs, horizon):
    p_alive, expected = one(fitted, *inputs, horizon=horizon)
    assert 0.0 <= p_alive <= 1.0
    assert expected >= 0.0


@settings(max_examples=40, deadline=None)
@given(frequency=st.integers(0, 30), recency=st.integers(0, 600), silence=st.integers(0, 600),
       longer=st.integers(1, 600))
def test_the_chance_falls_as_the_silence_grows(fitted, frequency, recency, silence, longer):
    recency = recency if frequency else 0
    shorter, _ = one(fitted, frequency, recency, recency + silence)
    later, _ = one(fitted, frequency, recency, recency + silence + longer)
    assert later <= shorter + 1e-12


def test_the_same_silence_says_more_about_a_frequent_customer(fitted):
    # 300 days without an order after a year of ordering: worse news from 12 repeat days than from 2
    frequent, _ = one(fitted, 12, 365, 665)
    rare, _ = one(fitted, 2, 365, 665)
    assert frequent < rare


@settings(max_examples=40, deadline=None)
@given(inputs=customer_inputs, horizon=st.integers(1, 1000), more=st.integers(1, 1000))
def test_expected_orders_rise_with_the_horizon(fitted, inputs, horizon, more):
    _, shorter = one(fitted, *inputs, horizon=horizon)
    _, longer = one(fitted, *inputs, horizon=horizon + more)
    assert longer >= shorter


def test_a_recent_customer_has_a_better_chance_than_a_silent_one(fitted):
    recent, recent_orders = one(fitted, 5, 290, 300)
    silent, silent_orders = one(fitted, 5, 100, 700)
    assert recent > 0.5 > silent
    assert recent_orders > silent_orders


# ---------------------------------------------------------------------------------------------
# One-time buyers: never "certainly alive" (the plain BG/NBD's flaw)


def test_a_one_time_buyer_is_never_certainly_alive_and_fades_with_the_silence(fitted):
    chances = [one(fitted, 0, 0, t_days)[0] for t_days in (0, 30, 180, 365, 730)]
    assert chances[0] < 1.0  # even on the day of the first order
    assert all(later < earlier for earlier, later in zip(chances, chances[1:]))
    assert chances[-1] < 0.5 * chances[0]


def test_the_page_says_how_one_time_buyers_are_treated():
    assert "1回だけ" in text("predict_method", "ja")
    assert "one-time buyer" in text("predict_method", "en")
    assert "100%" in text("predict_method", "en")


# ---------------------------------------------------------------------------------------------
# The inputs, counted in SQL from hand-made orders


def test_frequency_recency_and_t_count_order_days_up_to_the_date(make_db):
    path = make_db(
        customers=[("A", "2026-01-01"), ("B", "2026-01-01"), ("C", "2026-01-01"), ("P", "2026-01-01")],
        orders=[
            ("a1", "A", "2026-01-10", 1000), ("a2", "A", "2026-01-10", 500),  # two orders, one day
            ("a3", "A", "2026-02-10", 1000), ("a4", "A", "2026-03-01", 800),
            ("a5", "A", "2026-05-01", 900),  # after the date: not seen
            ("a6", "A", "2026-02-20", -300),  # a refund is not an order
            ("b1", "B", "2026-03-01", 2000),
            ("c1", "C", "2026-04-15", 700),  # first order after the date: not a customer yet
        ])
    analysis = Analysis.open(path, cache=False)
    try:
        frame = predict.features(analysis, "2026-03-31")
        ids = dict(analysis.fetchall("SELECT cid, customer_id FROM cust"))
    finally:
        analysis.close()
    got = {ids[row.cid]: (row.frequency, row.recency, row.t_days) for row in frame.itertuples()}
    assert got == {"A": (2, 50, 80), "B": (0, 0, 30)}


# ---------------------------------------------------------------------------------------------
# On the demo data: the list's columns and "likely lost" filter, the CLI's rows


@pytest.fixture(scope="module")
def demo(demo_db_800):
    analysis = Analysis.open(demo_db_800)
    yield analysis
    analysis.close()


def test_every_customer_with_orders_gets_one_prediction(demo):
    frame = predict.predictions(demo, horizon_days=90)
    with_orders = demo.fetchall("SELECT count(DISTINCT cid) FROM state WHERE n_orders > 0")[0][0]
    assert len(frame) == with_orders == frame["customer_id"].nunique()
    assert frame["p_alive"].between(0, 1).all() and (frame["expected_orders"] >= 0).all()
    assert predict.fit(demo) is predict.fit(demo)  # fitted once per database state and date
    assert predict.is_fitted(demo)


def test_the_list_shows_the_predictions_only_when_asked(demo):
    _, plain = customer_list(demo, limit=20)
    assert plain["p_alive"].isna().all() and plain["expected_orders"].isna().all()
    _, shown = customer_list(demo, limit=20, horizon_days=90)
    expected = predict.predictions(demo, horizon_days=90).set_index("customer_id")
    for row in shown.itertuples():
        if row.orders > 0:
            assert row.p_alive == pytest.approx(expected.loc[row.customer_id, "p_alive"], abs=5e-5)
            assert row.expected_orders == pytest.approx(expected.loc[row.customer_id, "expected_orders"], abs=5e-5)
        else:  # a prospect has nothing to estimate
            assert pd.isna(row.p_alive)


def test_likely_lost_holds_exactly_the_customers_below_the_chance(demo):
    filters = CustomerFilters(max_p_alive=predict.LIKELY_LOST_BELOW)
    total, frame = customer_list(demo, filters=filters, limit=None)
    everyone = predict.predictions(demo)
    assert total == int((everyone["p_alive"].round(4) < predict.LIKELY_LOST_BELOW).sum()) > 0  # as listed: 4 decimals
    assert (frame["p_alive"] < predict.LIKELY_LOST_BELOW).all()
    assert describe_filters(filters, "en") == ["chance still a customer below 30%"]
    assert describe_filters(filters, "ja") == ["まだ顧客である確率が30%未満"]


def test_an_export_with_the_prediction_columns_fills_them(demo):
    chunks = list(iter_customer_list(demo, columns=("customer_id", "p_alive", "expected_orders")))
    frame = pd.concat(chunks)
    assert list(frame.columns) == ["customer_id", "p_alive", "expected_orders"]
    assert frame["p_alive"].notna().sum() == len(predict.predictions(demo))


def test_a_longer_horizon_is_a_table_of_its_own(demo):
    short = predict.prediction_table(demo, horizon_days=30)
    long = predict.prediction_table(demo, horizon_days=180)
    assert short != long and short == predict.prediction_table(demo, horizon_days=30)
    pairs = demo.fetchall(f"SELECT s.expected_orders, l.expected_orders FROM {short} s JOIN {long} l USING (cid)")
    assert all(b >= a for a, b in pairs)


@pytest.fixture
def demo_copy(demo_db_800, tmp_path):
    """A copy: the CLI records each export in the database's audit."""
    return Path(shutil.copy(demo_db_800, tmp_path / "copy.duckdb"))


def test_the_cli_writes_one_row_per_customer_with_orders(demo_copy, demo, tmp_path, capsys):
    out = tmp_path / "predict.csv"
    assert cli.main(["predict", "--db", str(demo_copy), "--horizon-days", "60", "--out", str(out),
                     "--lang", "en"]) == 0
    assert "modified BG/NBD" in capsys.readouterr().err
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0] == ["customer_id", "p_alive", "expected_orders"]
    expected = predict.predictions(demo, horizon_days=60)
    assert [row[0] for row in rows[1:]] == list(expected["customer_id"])
    for row, p_alive, orders in zip(rows[1:], expected["p_alive"], expected["expected_orders"]):
        assert float(row[1]) == pytest.approx(p_alive, abs=5e-5)
        assert float(row[2]) == pytest.approx(orders, abs=5e-5)
        assert 0 <= float(row[1]) <= 1


def test_the_cli_refuses_a_bad_horizon_in_one_sentence(demo_copy, tmp_path, capsys):
    assert cli.main(["predict", "--db", str(demo_copy), "--horizon-days", "0", "--out",
                     str(tmp_path / "x.csv"), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "horizon" in err and "Traceback" not in err
    assert not (tmp_path / "x.csv").exists()
