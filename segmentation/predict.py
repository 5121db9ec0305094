"""Each customer's chance of coming back: the probability of being still active (`p_alive`) and
the expected number of orders over the next days, from a buy-till-you-die model.

The model is the modified BG/NBD (MBG/NBD, Batislam, Denizel & Filiztekin 2007) of
`pymc-marketing`, fitted by maximum a posteriori (`fit(method="map")`). Its inputs per customer
with orders at the as-of date come from the in-memory `state` table, in SQL: `frequency` = the
days with an order after the first one (repeat purchase days, as the model's authors count),
`recency` = days from the first to the latest order day, `T` = days from the first order day to
the as-of date.

One-time buyers: the plain BG/NBD lets a customer drop out only after a repeat order, so it
rates every one-time buyer as certainly alive (p_alive = 1 whatever their silence). The modified
model lets a customer drop out right after the first order too, so a one-time buyer's chance
falls as the silence since that order grows, like anyone else's, and is below 1 from day one.

On a larger base the model is fitted on a fixed-seed sample (`FIT_SAMPLE` customers with orders)
and applied to everyone. Fits are kept per database state and as-of date (`fit`), predictions
per horizon as a table of the analysis in the schema `predict` (`prediction_table`), which the
customer list joins; the library is imported only when a fit is first asked for (it costs
seconds), never when the dashboard starts.
"""

from __future__ import annotations

import datetime as dt
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .analysis import Analysis
from .errors import CataloguedError
from .rules import Params

#: Customers with orders the model is fitted on at most (a fixed-seed sample of a larger base).
FIT_SAMPLE = 30_000
FIT_SEED = 42
#: Fewer customers with orders than this, or no repeat order at all: nothing to learn from.
MIN_CUSTOMERS = 20
DEFAULT_HORIZON_DAYS = 90
MAX_HORIZON_DAYS = 3650
#: The "likely lost" list: a chance of being still active below this.
LIKELY_LOST_BELOW = 0.3
#: The model's parameters as shown (purchase rate: r, alpha; dropout: a, b).
PARAMETERS = ("r", "alpha", "a", "b")
#: The schema holding the prediction tables (not part of the analysis cache, which keeps `main`).
SCHEMA = "predict"
KEPT_FITS = 4  # each keeps its inputs: about 15 MB per million customers
KEPT_TABLES = 6


class PredictError(CataloguedError, ValueError):
    """The model cannot be fitted or asked (too few customers, a bad horizon)."""


@dataclass(frozen=True)
class Fit:
    """A model fitted on the orders up to `as_of`: when (`fitted_at`), on how many customers
    (`sample` of `customers` with orders), its parameters (`params`) and the model itself."""

    as_of: dt.date
    fitted_at: dt.datetime
    customers: int
    sample: int
    params: dict[str, float]
    model: Any = field(compare=False, repr=False)
    #: The inputs of every customer at `as_of` (the columns of `features`), kept by `fit` so that
    #: predicting for everyone over another horizon does not read them again.
    inputs: pd.DataFrame | None = field(default=None, compare=False, repr=False)


# ---------------------------------------------------------------------------------------------
# The model's inputs


def features_sql(as_of: dt.date) -> tuple[str, Params]:
    """frequency, recency and T (in days) at `$as_of` of every customer with an order by then.

    Columns: cid, frequency, recency, t_days. A `state` row with `n_orders > 0` starts on a day
    with an order, so its rows up to `$as_of` are the customer's order days."""
    return """
        SELECT cid, CAST(count(*) - 1 AS INTEGER) AS frequency,
               CAST(max(valid_from) - min(valid_from) AS INTEGER) AS recency,
               CAST($as_of - min(valid_from) AS INTEGER) AS t_days
        FROM state
        WHERE n_orders > 0 AND valid_from <= $as_of
        GROUP BY cid
    """, {"as_of": as_of}


def features(analysis: Analysis, as_of: Any = None) -> pd.DataFrame:
    """The model's inputs at `as_of` (default: the latest order date), by cid."""
    sql, params = features_sql(analysis.resolve_as_of(as_of))
    return analysis.df(sql + " ORDER BY cid", params)


def model_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The inputs under the library's names: customer_id (the cid), frequency, recency, T."""
    return pd.DataFrame({"customer_id": frame["cid"].to_numpy(),
                         "frequency": frame["frequency"].to_numpy(dtype=float),
                         "recency": frame["recency"].to_numpy(dtype=float),
                         "T": frame["t_days"].to_numpy(dtype=float)})


# ---------------------------------------------------------------------------------------------
# Fitting


def _model_class():
    """The library's MBG/NBD model, imported on first use (seconds), its import noise silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pymc_marketing.clv import ModifiedBetaGeoModel

    return ModifiedBetaGeoModel


def fit_frame(frame: pd.DataFrame, *, as_of: dt.date, sample_size: int = FIT_SAMPLE, seed: int = FIT_SEED,
              now: dt.datetime | None = None) -> Fit:
    """Fit the model on `frame` (the columns of `features`), on a sample of `sample_size` rows
    drawn with `seed` when it holds more."""
    customers = len(frame)
    repeaters = int((frame["frequency"] > 0).sum()) if customers else 0
    if customers < MIN_CUSTOMERS or repeaters == 0:
        raise PredictError("predict_too_few", customers=customers, repeaters=repeaters, minimum=MIN_CUSTOMERS)
    sample = frame.sample(n=sample_size, random_state=seed) if customers > sample_size else frame
    model_class = _model_class()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = model_class(data=model_frame(sample.sort_values("cid")))
        model.fit(method="map", progressbar=False)
    posterior = model.idata.posterior
    params = {name: float(np.asarray(posterior[name]).ravel()[0]) for name in PARAMETERS}
    return Fit(as_of, now or dt.datetime.now().replace(microsecond=0), customers, len(sample), params, model)


_fits: OrderedDict[tuple, Fit] = OrderedDict()
_fit_lock = threading.Lock()  # one fit at a time: a fit takes both cores for seconds


def fit(analysis: Analysis, as_of: Any = None, *, sample_size: int = FIT_SAMPLE, seed: int = FIT_SEED) -> Fit:
    """The model fitted on the orders up to `as_of`, once per database state, date and sample."""
    as_of = analysis.resolve_as_of(as_of)
    key = (analysis.key, as_of, sample_size, seed)
    with _fit_lock:
        if key in _fits:
            _fits.move_to_end(key)
            return _fits[key]
        inputs = features(analysis, as_of)
        result = replace(fit_frame(inputs, as_of=as_of, sample_size=sample_size, seed=seed), inputs=inputs)
        _fits[key] = result
        while len(_fits) > KEPT_FITS:
            _fits.popitem(last=False)
        return result


def is_fitted(analysis: Analysis, as_of: Any = None) -> bool:
    """Whether the standard fit at `as_of` is already made (so showing it costs nothing)."""
    return (analysis.key, analysis.resolve_as_of(as_of), FIT_SAMPLE, FIT_SEED) in _fits


# ---------------------------------------------------------------------------------------------
# Predictions


def check_horizon(horizon_days: Any) -> int:
    if isinstance(horizon_days, bool) or not isinstance(horizon_days, (int, np.integer)) \
            or not 1 <= int(horizon_days) <= MAX_HORIZON_DAYS:
        raise PredictError("predict_bad_horizon", value=str(horizon_days), most=MAX_HORIZON_DAYS)
    return int(horizon_days)


def predict_frame(fitted: Fit, frame: pd.DataFrame, horizon_days: int = DEFAULT_HORIZON_DAYS) -> pd.DataFrame:
    """p_alive at the fit's date and the orders expected over the next `horizon_days` for each
    row of `frame` (the columns of `features`). Columns: cid, p_alive, expected_orders."""
    horizon_days = check_horizon(horizon_days)
    if frame.empty:
        return pd.DataFrame({"cid": pd.Series(dtype="int32"), "p_alive": pd.Series(dtype=float),
                             "expected_orders": pd.Series(dtype=float)})
    data = model_frame(frame)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alive = fitted.model.expected_probability_alive(data=data)
        expected = fitted.model.expected_purchases(data=data, future_t=float(horizon_days))
    # By the customer coordinate, whatever order the library answers in (MAP: one draw).
    alive = alive.mean(("chain", "draw")).to_series().reindex(data["customer_id"]).to_numpy(dtype=float)
    expected = expected.mean(("chain", "draw")).to_series().reindex(data["customer_id"]).to_numpy(dtype=float)
    return pd.DataFrame({"cid": frame["cid"].to_numpy(), "p_alive": np.clip(alive, 0.0, 1.0),
                         "expected_orders": np.maximum(expected, 0.0)})


def predictions(analysis: Analysis, as_of: Any = None, horizon_days: int = DEFAULT_HORIZON_DAYS, *,
                sample_size: int = FIT_SAMPLE, seed: int = FIT_SEED) -> pd.DataFrame:
    """Every customer with an order by `as_of`, by id. Columns: customer_id, p_alive,
    expected_orders, frequency, recency_days, t_days."""
    horizon_days = check_horizon(horizon_days)
    as_of = analysis.resolve_as_of(as_of)
    fitted = fit(analysis, as_of, sample_size=sample_size, seed=seed)
    frame = fitted.inputs
    predicted = predict_frame(fitted, frame, horizon_days)
    ids = analysis.df("SELECT cid, customer_id FROM cust")
    out = predicted.merge(frame, on="cid").merge(ids, on="cid")
    out = out.rename(columns={"recency": "recency_days"}).sort_values("customer_id", kind="mergesort")
    return out[["customer_id", "p_alive", "expected_orders", "frequency", "recency_days", "t_days"]] \
        .reset_index(drop=True)


def cli_rows(analysis: Analysis, as_of: Any = None, horizon_days: int = DEFAULT_HORIZON_DAYS
             ) -> tuple[pd.DataFrame, Fit]:
    """What `segmentation predict` writes: customer_id, p_alive, expected_orders (4 decimals),
    by id, and the fit they came from."""
    horizon_days = check_horizon(horizon_days)
    frame = predictions(analysis, as_of, horizon_days)[["customer_id", "p_alive", "expected_orders"]]
    return frame.round({"p_alive": 4, "expected_orders": 4}), fit(analysis, as_of)


_table_lock = threading.Lock()


def table_name(as_of: dt.date, horizon_days: int) -> str:
    """The name (chosen here, never typed by a user) of the predictions at `as_of`."""
    return f"p_{as_of:%Y%m%d}_h{int(horizon_days)}"


def _tables_made(analysis: Analysis) -> list[str]:
    """The prediction tables the analysis holds, oldest first."""
    rows = analysis.fetchall("SELECT table_name FROM duckdb_tables() WHERE schema_name = $schema "
                             "ORDER BY table_oid", {"schema": SCHEMA})
    return [row[0] for row in rows]


def prediction_table(analysis: Analysis, as_of: Any = None, horizon_days: int = DEFAULT_HORIZON_DAYS) -> str:
    """The table (cid, p_alive, expected_orders) of the predictions at `as_of` over
    `horizon_days`, made once in the analysis (the oldest dropped beyond `KEPT_TABLES`); its
    qualified name, for a join."""
    horizon_days = check_horizon(horizon_days)
    as_of = analysis.resolve_as_of(as_of)
    name = table_name(as_of, horizon_days)
    if name in _tables_made(analysis):
        return f"{SCHEMA}.{name}"
    fitted = fit(analysis, as_of)
    predicted = predict_frame(fitted, fitted.inputs, horizon_days)
    with _table_lock:
        made = _tables_made(analysis)
        if name in made:
            return f"{SCHEMA}.{name}"
        cur = analysis.cursor()
        try:
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            cur.register("predicted_frame", predicted)
            cur.execute(f"CREATE TABLE {SCHEMA}.{name} AS "
                        "SELECT CAST(cid AS INTEGER) AS cid, p_alive, expected_orders FROM predicted_frame")
            cur.unregister("predicted_frame")
            for old in made[:max(0, len(made) + 1 - KEPT_TABLES)]:
                cur.execute(f"DROP TABLE IF EXISTS {SCHEMA}.{old}")
        finally:
            cur.close()
    return f"{SCHEMA}.{name}"


def customer_prediction(analysis: Analysis, customer_id: str, as_of: Any = None,
                        horizon_days: int = DEFAULT_HORIZON_DAYS) -> dict[str, Any] | None:
    """One customer's p_alive, expected_orders, frequency, recency_days and t_days, with the
    fit (`fit`); None when the customer has no order by `as_of`."""
    horizon_days = check_horizon(horizon_days)
    as_of = analysis.resolve_as_of(as_of)
    fitted = fit(analysis, as_of)
    sql, params = features_sql(as_of)
    frame = analysis.df(f"SELECT f.* FROM ({sql}) f JOIN cust c USING (cid) WHERE c.customer_id = $customer_id",
                        {**params, "customer_id": customer_id})
    if frame.empty:
        return None
    row = predict_frame(fitted, frame, horizon_days).iloc[0]
    return {"p_alive": float(row["p_alive"]), "expected_orders": float(row["expected_orders"]),
            "frequency": int(frame["frequency"].iloc[0]), "recency_days": int(frame["recency"].iloc[0]),
            "t_days": int(frame["t_days"].iloc[0]), "horizon_days": horizon_days, "fit": fitted}
