"""Forecast of the 推移グラフ: customers per tier and status for the next 3 to 12 periods.

The method, in the sentence a manager is told: every period, customers move between tiers and
statuses at the rates seen over the last `history` periods, and new customers arrive at their
average number of those periods (a Markov chain of period-to-period moves). The rates are
counted in DuckDB by the engine's own answers over time: `tier_counts_over_time` (customers at
every period end) and `movements_over_time` (everyone whose tier or status changed between two
consecutive period ends); who stayed is the count at the start less who left.

The band, in the sentence a manager is told: 8 times in 10, the count a forecast made h periods
before landed inside it. The same forecast is made from earlier period ends of the same data;
at h periods ahead, the band's half-width is the 80th percentile of those forecasts' relative
errors |actual − forecast| / max(actual, 1) h periods later (`band_widths`), so
low = forecast × (1 − q) and high = forecast × (1 + q), low clipped at 0. A horizon with too few
earlier forecasts to check carries the widest band known at a shorter one; with none at all,
no band is drawn (low and high NaN). `backtest` forecasts from past period ends and compares
with what happened, beside the naive forecast "the counts stay as they are", and checks the band
out of sample: each forecast's band comes only from the forecasts checked before it was made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .analysis import Analysis
from .errors import CataloguedError
from .over_time import movements_over_time, tier_counts_over_time
from .periods import check_freq, period_end, period_index, period_range
from .rules import thresholds_or_default
from .scope import Scope
from .thresholds import Thresholds
from .tiers import TIER_STATUS_KEYS, code_of

#: Every (tier code, lapsed) a customer can be in, in display order (prospects: lapsed None).
STATES: tuple[tuple[str, bool | None], ...] = tuple((code_of(rank), lapsed) for rank, lapsed in TIER_STATUS_KEYS)
_POSITION = {state: position for position, state in enumerate(STATES)}
MIN_PERIODS, MAX_PERIODS = 3, 12
#: Periods whose moves give the rates: the last three, which forecast the demo data better in
#: the backtest than 6, 12 or 24 (see bench/forecast_backtest.py).
DEFAULT_HISTORY = 3
MAX_HISTORY = 120
#: The band's half-width at h periods ahead is this quantile of the relative errors of the
#: earlier forecasts h periods ahead: "8 times in 10, the count landed inside the band".
BAND_LEVEL = 0.8
#: A horizon's band is measured only from at least this many earlier forecasts checked h periods
#: later; beyond, the widest band measured at a shorter horizon is carried.
MIN_BAND_ORIGINS = 3
#: Past period ends the backtest forecasts from, and earlier forecasts a band is measured on.
DEFAULT_ORIGINS = 12
#: Counts below this many customers are left out of the mean absolute percentage error (a
#: count of 2 forecast as 3 is 50% off and would drown the rest).
MIN_ACTUAL_FOR_MAPE = 10
COLUMNS = ["period_end", "tier", "lapsed", "customers", "low", "high"]


class ForecastError(CataloguedError):
    """A forecast cannot be made as asked (a horizon outside 3 to 12 periods, no history)."""


def check_periods(periods: Any) -> int:
    """The number of periods to forecast, 3 to 12; anything else is refused with a sentence."""
    whole = isinstance(periods, (int, np.integer)) and not isinstance(periods, bool)
    if not whole or not MIN_PERIODS <= periods <= MAX_PERIODS:
        raise ForecastError("forecast_bad_periods", periods=periods, low=MIN_PERIODS, high=MAX_PERIODS)
    return int(periods)


def check_history(history: Any) -> int:
    """The number of past periods whose moves give the rates, 1 to `MAX_HISTORY`."""
    whole = isinstance(history, (int, np.integer)) and not isinstance(history, bool)
    if not whole or not 1 <= history <= MAX_HISTORY:
        raise ForecastError("forecast_bad_history", history=history, high=MAX_HISTORY)
    return int(history)


def state_of(tier: str, lapsed: Any) -> tuple[str, bool | None]:
    """The (tier, lapsed) key of a row: prospects have no status."""
    return (tier, None) if tier == "prospect" else (tier, bool(lapsed))


# ---------------------------------------------------------------------------------------------
# What was observed


@dataclass(frozen=True)
class History:
    """Customers at the period ends `ends` and the moves between consecutive ends, as arrays
    over `STATES`: `counts[j]` at `ends[j]`; `flows[j, s, t]` customers in s at `ends[j]` and in
    t at `ends[j + 1]` (stays included); `arrivals[j, t]` customers new in period j + 1."""

    freq: str
    ends: tuple[dt.date, ...]
    counts: np.ndarray
    flows: np.ndarray
    arrivals: np.ndarray

    def __len__(self) -> int:
        """The number of observed moves (periods between two ends)."""
        return len(self.ends) - 1

    def upto(self, last: int) -> "History":
        """The history as known at `ends[last]`."""
        return History(self.freq, self.ends[: last + 1], self.counts[: last + 1], self.flows[:last],
                       self.arrivals[:last])

    def last(self, periods: int) -> "History":
        """Only the last `periods` moves (and the ends around them)."""
        first = max(0, len(self) - periods)
        return History(self.freq, self.ends[first:], self.counts[first:], self.flows[first:], self.arrivals[first:])


def history_from_frames(counts: pd.DataFrame, moves: pd.DataFrame, freq: str) -> History:
    """A `History` from `tier_counts_over_time` rows (period_end, tier, lapsed, customers) and
    `movements_over_time` rows (period_end, from_tier, from_lapsed, to_tier, to_lapsed,
    customers; from_tier None for new customers). Moves into the first period end are not used:
    the counts before them are unknown."""
    check_freq(freq)
    ends = tuple(sorted(pd.to_datetime(counts["period_end"]).dt.date.unique())) if not counts.empty else ()
    position = {end: j for j, end in enumerate(ends)}
    size = len(STATES)
    count_array = np.zeros((len(ends), size))
    for end, tier, lapsed, customers in zip(pd.to_datetime(counts["period_end"]).dt.date, counts["tier"],
                                            counts["lapsed"], counts["customers"]):
        count_array[position[end], _POSITION[state_of(tier, lapsed)]] += float(customers)
    flows = np.zeros((max(0, len(ends) - 1), size, size))
    arrivals = np.zeros((max(0, len(ends) - 1), size))
    if not moves.empty:
        for end, from_tier, from_lapsed, to_tier, to_lapsed, customers in zip(
            pd.to_datetime(moves["period_end"]).dt.date, moves["from_tier"], moves["from_lapsed"],
            moves["to_tier"], moves["to_lapsed"], moves["customers"],
        ):
            j = position.get(end)
            if not j:  # before the first end, or into it
                continue
            to = _POSITION[state_of(to_tier, to_lapsed)]
            if from_tier is None or (not isinstance(from_tier, str) and pd.isna(from_tier)) or from_tier == "new":
                arrivals[j - 1, to] += float(customers)
            else:
                flows[j - 1, _POSITION[state_of(from_tier, from_lapsed)], to] += float(customers)
    for j in range(len(flows)):
        left = flows[j].sum(axis=1) - np.diag(flows[j])
        np.fill_diagonal(flows[j], np.maximum(count_array[j] - left, 0.0))
    return History(freq, ends, count_array, flows, arrivals)


# ---------------------------------------------------------------------------------------------
# The chain


def transition_rates(flows: np.ndarray) -> np.ndarray:
    """Row-normalised moves: the share of customers in s at one end found in t at the next.
    A state nobody was in keeps its customers (rate 1 to itself). Works on [S, S] and on a
    stack [..., S, S]."""
    totals = flows.sum(axis=-1, keepdims=True)
    identity = np.broadcast_to(np.eye(flows.shape[-1]), flows.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        rates = np.where(totals > 0, flows / np.where(totals > 0, totals, 1.0), identity)
    return rates


def project(start: np.ndarray, rates: np.ndarray, arrivals: np.ndarray, steps: int) -> np.ndarray:
    """Counts after 1..`steps` periods: x(k+1) = x(k) · rates + arrivals. Works on one chain
    (start [S], rates [S, S], arrivals [S]) and on a stack of chains ([B, S], [B, S, S], [B, S]).
    Returns [steps, S] (or [steps, B, S])."""
    counts, out = np.asarray(start, dtype=float), []
    for _ in range(steps):
        counts = np.einsum("...s,...st->...t", counts, rates) + arrivals
        out.append(counts)
    return np.stack(out)


def central_forecast(history: History, periods: int, window: int = DEFAULT_HISTORY) -> np.ndarray:
    """Expected customers [periods, S] after the last end of `history`, from its last `window` moves."""
    observed = history.last(window)
    if len(observed) < 1:
        raise ForecastError("forecast_no_history", freq=history.freq)
    rates = transition_rates(observed.flows.sum(axis=0))
    return project(history.counts[-1], rates, observed.arrivals.mean(axis=0), periods)


def relative_errors(forecast: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """|actual − forecast| / max(actual, 1) of every count that is not zero in both (a state
    nobody is in, forecast empty, says nothing about the error). Relative to what happened: a
    state the forecast left (nearly) empty that filled up later is 100% off, not a hundredfold,
    which on the demo data keeps the band's checked coverage near 80% (bench/forecast_backtest.py)."""
    forecast, actual = np.asarray(forecast, dtype=float), np.asarray(actual, dtype=float)
    counted = (forecast != 0) | (actual != 0)
    return (np.abs(actual - forecast) / np.maximum(actual, 1.0))[counted]


def band_limits(central: np.ndarray, widths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) = forecast × (1 ∓ width), low clipped at 0; NaN where the width is unknown.
    `central` is [periods, S], `widths` [periods]."""
    widths = np.asarray(widths, dtype=float)[:, None]
    return np.maximum(central * (1.0 - widths), 0.0), central * (1.0 + widths)


class PastForecasts:
    """The forecast made at every period end of `observed` after the first (each from the history
    known there, over `window` moves) and its relative errors 1..`periods` periods later, where
    the counts then are known."""

    def __init__(self, observed: History, periods: int, window: int = DEFAULT_HISTORY) -> None:
        self.observed, self.periods = observed, periods
        self.central = {origin: central_forecast(observed.upto(origin), periods, window)
                        for origin in range(1, len(observed) + 1)}

    def errors(self, origin: int, step: int) -> np.ndarray:
        """The relative errors of the forecast made at end `origin`, `step` + 1 periods ahead."""
        return relative_errors(self.central[origin][step], self.observed.counts[origin + step + 1])

    def widths(self, at: int, origins: int = DEFAULT_ORIGINS) -> pd.DataFrame:
        """The band of the forecast made at end `at`, from forecasts checked by then only: per
        horizon h, the `BAND_LEVEL` quantile of the errors h periods ahead of the last `origins`
        forecasts made at ends up to `at` − h (at least `MIN_BAND_ORIGINS` of them). A horizon
        with fewer carries the widest width measured at another; with none measured, NaN.
        Columns: horizon, width, source (the horizon measured, 0 when none), past (forecasts
        checked at this horizon)."""
        rows = []
        for step in range(self.periods):
            horizon = step + 1
            made = range(max(1, at - horizon - origins + 1), at - horizon + 1)
            pooled = [self.errors(origin, step) for origin in made]
            errors = np.concatenate(pooled) if pooled else np.zeros(0)
            measured = len(made) >= MIN_BAND_ORIGINS and errors.size > 0
            rows.append((horizon, float(np.quantile(errors, BAND_LEVEL)) if measured else float("nan"),
                         horizon if measured else 0, len(made)))
        frame = pd.DataFrame(rows, columns=["horizon", "width", "source", "past"])
        known = frame[frame["source"] > 0]
        if not known.empty:
            widest = known.loc[known["width"].idxmax()]
            carried = frame["source"] == 0
            frame.loc[carried, "width"] = widest["width"]
            frame.loc[carried, "source"] = int(widest["source"])
        return frame


def band_widths(observed: History, periods: int, window: int = DEFAULT_HISTORY,
                origins: int = DEFAULT_ORIGINS) -> pd.DataFrame:
    """The band of the forecast after the last end of `observed` (see `PastForecasts.widths`)."""
    return PastForecasts(observed, check_periods(periods), window).widths(len(observed), origins)


def forecast_arrays(history: History, periods: int, window: int = DEFAULT_HISTORY,
                    origins: int = DEFAULT_ORIGINS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(customers, low, high), each [periods, S], from the last `window` moves of `history`; the
    band from the errors of its earlier forecasts (NaN when none could be checked)."""
    central = central_forecast(history, periods, window)
    widths = PastForecasts(history, periods, window).widths(len(history), origins)["width"].to_numpy()
    low, high = band_limits(central, widths)
    return central, low, high


def forecast_from_history(history: History, periods: int, window: int = DEFAULT_HISTORY,
                          origins: int = DEFAULT_ORIGINS) -> pd.DataFrame:
    """The forecast frame after the last end of `history`. Columns: period_end, tier, lapsed,
    customers, low, high (expected customers and the band, floats; low and high NaN when the
    history is too short to check an earlier forecast), every state at every period end."""
    periods = check_periods(periods)
    central, low, high = forecast_arrays(history, periods, check_history(window), origins)
    last = period_index(history.ends[-1], history.freq)
    records = []
    for step in range(periods):
        end = period_end(last + step + 1, history.freq)
        for position, (tier, lapsed) in enumerate(STATES):
            records.append((end, tier, lapsed, central[step, position], low[step, position], high[step, position]))
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    frame["lapsed"] = frame["lapsed"].astype("object").where(frame["tier"] != "prospect", None)
    return frame


def forecast_window(periods: int, history: int, origins: int, checked: bool = False) -> int:
    """The moves to read: the rates' `history`, and before them the earlier forecasts the band is
    measured on; `checked`, also those the backtest's own bands are measured on."""
    return history + (2 if checked else 1) * (periods + origins)


def observed_history(analysis: Analysis, thresholds: Thresholds | None = None, freq: str = "month",
                     as_of: Any = None, scope: Scope | None = None, window: int | None = None) -> History:
    """Counts and moves at every complete period end up to `as_of` (the last `window` + 1 ends
    only, when given), under `thresholds` and `scope`."""
    thresholds = thresholds_or_default(thresholds)
    as_of = analysis.resolve_as_of(as_of)
    periods = period_range(analysis, freq, end=as_of)
    if not len(periods):
        raise ForecastError("forecast_no_history", freq=freq)
    first = periods.start_index if window is None else max(periods.start_index, periods.end_index - window)
    start = period_end(first, freq)
    counts = tier_counts_over_time(analysis, thresholds, freq=freq, start=start, end=as_of, scope=scope)
    moves = movements_over_time(analysis, thresholds, freq=freq, start=start, end=as_of, scope=scope)
    return history_from_frames(counts, moves, freq)


def tier_forecast(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    freq: str = "month",
    periods: int = 6,
    as_of: Any = None,
    scope: Scope | None = None,
    history: int = DEFAULT_HISTORY,
    origins: int = DEFAULT_ORIGINS,
) -> pd.DataFrame:
    """Customers per tier and status at the next `periods` (3 to 12) period ends after the last
    complete period up to `as_of`, with the band. Columns: period_end, tier, lapsed, customers,
    low, high."""
    periods, history = check_periods(periods), check_history(history)
    observed = observed_history(analysis, thresholds, freq, as_of, scope,
                                window=forecast_window(periods, history, origins))
    return forecast_from_history(observed, periods, history, origins)


# ---------------------------------------------------------------------------------------------
# Backtest


def backtest_from_history(observed: History, periods: int, window: int = DEFAULT_HISTORY,
                          origins: int = DEFAULT_ORIGINS) -> pd.DataFrame:
    """Forecasts made at up to `origins` past period ends, each compared for 1..`periods`
    periods ahead with what happened, beside the naive forecast (the counts at the origin).

    Every horizon is judged on the same origins: the last `origins` ends that leave `periods`
    ends after them and at least one move before them. Columns: horizon, origins, forecast_mape,
    naive_mape (mean absolute percentage error over the counts of at least
    `MIN_ACTUAL_FOR_MAPE` customers), forecast_wape, naive_wape (absolute errors summed over
    all counts, divided by the customers), coverage (share of the counts, not zero in both,
    inside the band each forecast had when it was made: out of sample; NaN when none had one),
    checked (those counts); then the band of the forecast after the last end of `observed`:
    band (its half-width, relative), band_source (the horizon it was measured at: the row's own,
    another when carried, 0 when none), band_past (earlier forecasts checked at this horizon)."""
    periods = check_periods(periods)
    past = PastForecasts(observed, periods, window)
    last_origin = len(observed) - periods
    chosen = list(range(max(1, last_origin - origins + 1), last_origin + 1))
    errors: dict[str, list[list[float]]] = {name: [[] for _ in range(periods)] for name in ("f", "n")}
    sums = np.zeros((periods, 5))  # |forecast error|, |naive error|, customers, counts inside, counts checked
    for origin in chosen:
        central, naive = past.central[origin], observed.counts[origin]
        low, high = band_limits(central, past.widths(origin, origins)["width"].to_numpy())
        for step in range(periods):
            actual = observed.counts[origin + step + 1]
            sized = actual >= MIN_ACTUAL_FOR_MAPE
            errors["f"][step] += list(np.abs(central[step] - actual)[sized] / actual[sized])
            errors["n"][step] += list(np.abs(naive - actual)[sized] / actual[sized])
            banded = ((central[step] != 0) | (actual != 0)) & ~np.isnan(low[step])
            inside = (low[step] <= actual + 1e-9) & (actual <= high[step] + 1e-9)
            sums[step] += (np.abs(central[step] - actual).sum(), np.abs(naive - actual).sum(), actual.sum(),
                           (inside & banded).sum(), banded.sum())
    band = past.widths(len(observed), origins)
    rows = []
    for step in range(periods):
        customers, checked = sums[step, 2], sums[step, 4]
        rows.append({
            "horizon": step + 1,
            "origins": len(chosen),
            "forecast_mape": float(np.mean(errors["f"][step])) if errors["f"][step] else float("nan"),
            "naive_mape": float(np.mean(errors["n"][step])) if errors["n"][step] else float("nan"),
            "forecast_wape": sums[step, 0] / customers if customers else float("nan"),
            "naive_wape": sums[step, 1] / customers if customers else float("nan"),
            "coverage": sums[step, 3] / checked if checked else float("nan"),
            "checked": int(checked),
            "band": float(band["width"].iloc[step]),
            "band_source": int(band["source"].iloc[step]),
            "band_past": int(band["past"].iloc[step]),
        })
    return pd.DataFrame(rows)


def band_note(checked: pd.DataFrame) -> tuple[str, dict[str, int]] | None:
    """What the page says of the band of the forecast a `backtest_from_history` frame describes:
    ("forecast_band_none", {}) when no band could be drawn, ("forecast_band_carried", {first,
    source}) when from horizon `first` on it is carried from horizon `source`, else None."""
    if checked.empty or (checked["band_source"] == 0).all():
        return "forecast_band_none", {}
    carried = checked[checked["band_source"] != checked["horizon"]]
    if carried.empty:
        return None
    return "forecast_band_carried", {"first": int(carried["horizon"].iloc[0]),
                                     "source": int(carried["band_source"].iloc[0])}


def backtest(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    freq: str = "month",
    periods: int = 6,
    scope: Scope | None = None,
    history: int = DEFAULT_HISTORY,
    origins: int = DEFAULT_ORIGINS,
) -> pd.DataFrame:
    """`backtest_from_history` on this data under `thresholds` and `scope` (see there); with too
    few periods, every horizon has 0 origins and no errors (NaN)."""
    periods, history = check_periods(periods), check_history(history)
    observed = observed_history(analysis, thresholds, freq, scope=scope,
                                window=forecast_window(periods, history, origins, checked=True))
    return backtest_from_history(observed, periods, history, origins)


def forecast_with_backtest(
    analysis: Analysis,
    thresholds: Thresholds | None = None,
    freq: str = "month",
    periods: int = 6,
    as_of: Any = None,
    scope: Scope | None = None,
    history: int = DEFAULT_HISTORY,
    origins: int = DEFAULT_ORIGINS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`tier_forecast` and its `backtest` up to `as_of` from one reading of the moves (what the
    trends page shows together; the backtest's band columns describe this forecast's band)."""
    periods, history = check_periods(periods), check_history(history)
    observed = observed_history(analysis, thresholds, freq, as_of, scope,
                                window=forecast_window(periods, history, origins, checked=True))
    return (forecast_from_history(observed, periods, history, origins),
            backtest_from_history(observed, periods, history, origins))
