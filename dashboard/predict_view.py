"""Each customer's chance of coming back, as the pages show it: the customer page's section and
the customer list's controls (the columns, the "likely lost" filter, the horizon).

The model (`segmentation.predict`) is fitted only when a manager asks for it (a toggle), once per
database state and as-of date; a slider move never refits.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.safe import plain
from segmentation import predict
from segmentation.analysis import Analysis
from segmentation.texts import text

LOST_CHOICES = (10, 20, 30, 40, 50)  # "likely lost": a chance still a customer below this (%)


def fit_caption(fitted: predict.Fit, lang: str) -> str:
    return text("predict_fit", lang, as_of=fitted.as_of, fitted_at=f"{fitted.fitted_at:%Y-%m-%d %H:%M}",
                customers=fitted.customers, sample=fitted.sample)


def model_expander(fitted: predict.Fit | None, lang: str) -> None:
    """How the chance is estimated (one-time buyers included), the fit and its parameters."""
    with st.expander(text("predict_how", lang)):
        st.markdown(text("predict_method", lang))
        if fitted is not None:
            st.caption(fit_caption(fitted, lang))
            st.caption(text("predict_params", lang, **fitted.params))


def customer_section(analysis: Analysis, customer_id: str, as_of: dt.date, lang: str) -> None:
    """The customer page's section: the chance, the expected orders, and how they were made."""
    st.subheader(text("predict_title", lang))
    left, right = st.columns([3, 1])
    show = left.toggle(text("predict_show", lang), value=predict.is_fitted(analysis, as_of), key="cs_predict")
    if not show:
        return
    horizon = right.number_input(text("predict_horizon", lang), min_value=1, max_value=predict.MAX_HORIZON_DAYS,
                                 value=predict.DEFAULT_HORIZON_DAYS, step=30, key="cs_horizon")
    try:
        with st.spinner(text("predict_wait", lang)):
            result = predict.customer_prediction(analysis, customer_id, as_of, int(horizon))
    except predict.PredictError as error:
        st.info(plain(error.message(lang)))
        return
    if result is None:
        st.caption(text("predict_no_orders", lang))
        model_expander(None, lang)
        return
    c1, c2 = st.container(key="cs_predict_figures").columns(2)
    c1.metric(text("predict_p_alive", lang), f"{result['p_alive']:.0%}")
    c2.metric(text("predict_expected", lang, days=result["horizon_days"]), f"{result['expected_orders']:.2f}")
    if result["frequency"] == 0:
        st.caption(text("predict_one_time", lang, days=result["t_days"]))
    st.caption(text("predict_inputs", lang, frequency=result["frequency"], recency=result["recency_days"],
                    t=result["t_days"]))
    model_expander(result["fit"], lang)


def list_controls(analysis: Analysis, as_of: dt.date, lang: str, picked: list[str]) -> tuple[int | None, float | None]:
    """The customer list's controls: (the horizon when the predictions are shown, picked among
    the columns (`picked`) or filtered on, else None; the "likely lost" bound as a share, or
    None). Fits the model first when they ask for it (said while it lasts); when it cannot be
    fitted, says why and asks for nothing."""
    c1, c2, c3, c4 = st.columns([2, 2, 2, 1])
    show = c1.toggle(text("predict_list_show", lang), key="cu_predict")
    show = show or bool(set(picked) & {"p_alive", "expected_orders"})
    lost = c2.toggle(text("predict_likely_lost", lang), key="cu_lost")
    below = c3.select_slider(text("predict_likely_lost_below", lang), options=LOST_CHOICES,
                             value=int(predict.LIKELY_LOST_BELOW * 100), key="cu_lost_below", disabled=not lost)
    horizon = c4.number_input(text("predict_horizon", lang), min_value=1, max_value=predict.MAX_HORIZON_DAYS,
                              value=predict.DEFAULT_HORIZON_DAYS, step=30, key="cu_horizon",
                              disabled=not (show or lost))
    if not (show or lost):
        return None, None
    try:
        with st.spinner(text("predict_wait", lang)):  # shown only when it lasts: the first time
            predict.fit(analysis, as_of)
    except predict.PredictError as error:
        st.info(plain(error.message(lang)))
        return None, None
    return int(horizon), (below / 100 if lost else None)


def list_note(analysis: Analysis, as_of: dt.date, horizon: int, lang: str) -> None:
    """Under the list with the predictions: their horizon, and how they were made (the fit)."""
    st.caption(text("predict_list_caption", lang, days=horizon))
    model_expander(predict.fit(analysis, as_of), lang)  # made already by `list_controls`: kept, not refitted
