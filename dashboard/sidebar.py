"""The one sidebar, built once by app.py for every page: language, date, thresholds with their
suggested values, scope, presets and reset. Its state lives in `st.session_state` under the
`sb_` keys and in the URL (`urlstate`), so a view can be bookmarked and shared.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st

from segmentation.access import LOCAL_ADMIN, Viewer
from segmentation.at_date import SLIDER_FLOORS
from segmentation.errors import SegmentationError
from segmentation.texts import text
from segmentation.thresholds import DEFAULT_MIN_AMOUNT, DEFAULT_THRESHOLDS, Thresholds

from . import data
from .safe import plain
from .urlstate import ALL_KEYS, SCOPE_KEYS, View, build_query, parse_query, scope_from_values

LANG_LABELS = {"ja": "日本語", "en": "English"}


def default_lang() -> str:
    """Japanese unless the browser asks for another language."""
    locale = (st.context.locale or "ja").lower()
    return "ja" if locale.startswith("ja") or not locale else "en"


def session_lang() -> str:
    """The language of this session before the sidebar is drawn (for the sign-in page): the one
    picked, else the URL's, else the browser's."""
    chosen = st.session_state.get("sb_lang") or st.query_params.get("lang")
    return chosen if chosen in LANG_LABELS else default_lang()


def _set(key: str, value) -> None:
    st.session_state[key] = value


def _reset() -> None:
    for field in SLIDER_FLOORS:
        st.session_state[f"sb_{field}"] = getattr(DEFAULT_THRESHOLDS, field)
    st.session_state["sb_value_axis"] = DEFAULT_THRESHOLDS.value_axis
    for kind in SCOPE_KEYS.values():
        st.session_state[f"sb_scope_{kind}"] = []
    st.session_state["sb_as_of"] = None
    st.session_state.pop("sb_as_of_input", None)
    st.session_state["sb_url_problems"] = []


def _load_preset(path: Path) -> None:
    name = st.session_state.get("sb_preset_choice")
    chosen = data.presets(path).get(name)
    if chosen is None:
        return
    for field in SLIDER_FLOORS:
        st.session_state[f"sb_{field}"] = _clamp(field, getattr(chosen, field))
    st.session_state["sb_value_axis"] = chosen.value_axis
    if chosen.min_amount is not None:
        st.session_state["sb_min_amount"] = float(chosen.min_amount)
    st.session_state["sb_flash"] = ("success", text("preset_loaded", st.session_state["sb_lang"], name=plain(name)))


def _ranges() -> dict[str, tuple[int, int, int]]:
    """The sliders' (min, max, step) for the data shown (kept by `build`; floors before)."""
    return st.session_state.get("sb_ranges") or SLIDER_FLOORS


def _clamp(field: str, value, ranges: dict[str, tuple[int, int, int]] | None = None):
    low, high, _ = (ranges or _ranges())[field]
    return max(low, min(high, int(value)))


WIDGET_KEYS = ("sb_lang", "sb_value_axis", "sb_min_orders", "sb_min_tenure_days", "sb_lapse_days",
               "sb_min_amount", *(f"sb_scope_{kind}" for kind in SCOPE_KEYS.values()))


def _keep_widget_values() -> None:
    """Copy widget values aside: Streamlit forgets a widget's value after a run that did not
    draw it (a page run on its own), and the sidebar must come back as it was."""
    for key in WIDGET_KEYS:
        if key in st.session_state:
            st.session_state[f"keep_{key}"] = st.session_state[key]


def _init_from_url(analysis) -> None:
    """On a session's first run, take widget values from the URL (and note what was ignored);
    later, restore any widget value Streamlit has dropped."""
    if st.session_state.get("sb_ready"):
        for key in WIDGET_KEYS:
            if key not in st.session_state and f"keep_{key}" in st.session_state:
                st.session_state[key] = st.session_state[f"keep_{key}"]
        return
    params = {key: st.query_params.get_all(key) for key in st.query_params.keys()}
    values, problems = parse_query(params, data.scope_options(analysis) if analysis is not None else None)
    st.session_state["sb_lang"] = values.get("lang", default_lang())
    for field in SLIDER_FLOORS:
        value = values.get(field, getattr(DEFAULT_THRESHOLDS, field))
        clamped = _clamp(field, value)
        if clamped != value:
            key = next(k for k, f in {"f": "min_orders", "t": "min_tenure_days", "r": "lapse_days"}.items() if f == field)
            problems.append((key, str(value), f"out of the slider's range, {clamped} is used."))
        st.session_state[f"sb_{field}"] = clamped
    st.session_state["sb_value_axis"] = values.get("value_axis", DEFAULT_THRESHOLDS.value_axis)
    if "min_amount" in values:
        st.session_state["sb_min_amount"] = float(values["min_amount"])
    for kind in SCOPE_KEYS.values():
        st.session_state[f"sb_scope_{kind}"] = list(values.get(kind, []))
    st.session_state["sb_as_of"] = values.get("as_of")
    st.session_state["sb_url_problems"] = problems
    st.session_state["sb_ready"] = True


def _threshold_slider(field: str, lang: str, suggestion) -> None:
    low, high, step = _ranges()[field]
    if f"sb_{field}" in st.session_state:
        # New data can lengthen a range (a longer tenure); Streamlit then makes a new widget,
        # which would start at its minimum. The value set here, before it is drawn, carries over.
        st.session_state[f"sb_{field}"] = _clamp(field, st.session_state[f"sb_{field}"])
    st.slider(text(field, lang), min_value=low, max_value=high, step=step, key=f"sb_{field}")
    if suggestion is not None:
        value = _clamp(field, suggestion.value)
        st.caption(f"{text('suggested', lang, value=value)} — {suggestion.reason(lang)}")
        st.button(text("use_suggestion", lang), key=f"sb_use_{field}", on_click=_set, type="tertiary",
                  icon=":material/auto_fix_high:", args=(f"sb_{field}", value), disabled=value == st.session_state.get(f"sb_{field}"))


def build(path: Path, analysis, person: Viewer = LOCAL_ADMIN) -> View:
    """Draw the sidebar and return the view it describes; keeps the URL in step. `person`'s
    role decides whether presets can be saved for the team (admins) and whether the data is
    a staff user's own customers (said under the figures)."""
    if analysis is not None and "sb_ranges" not in st.session_state:
        # Before the first suggestions: how far the data reaches, for the values of the URL.
        st.session_state["sb_ranges"] = data.slider_ranges(analysis)
    _init_from_url(analysis)
    sidebar = st.sidebar
    with sidebar:
        lang = st.radio(text("language", st.session_state["sb_lang"]), options=list(LANG_LABELS),
                        format_func=LANG_LABELS.get, key="sb_lang", horizontal=True)
        for key, value, reason in st.session_state.get("sb_url_problems", []):
            st.warning(text("url_bad_value", lang, key=plain(key), value=plain(value), reason=plain(reason)), icon="⚠️")
        flash = st.session_state.pop("sb_flash", None)
        if flash:
            getattr(st, flash[0])(flash[1])

        suggestions = {}
        default_as_of = None
        if analysis is not None:
            default_as_of = analysis.default_as_of()
            st.caption(text("data_caption", lang, customers=analysis.customer_count,
                            orders=analysis.order_count, latest=analysis.latest_order_date or "—"))
            if person.restricted:
                st.caption(text("staff_scope_note", lang, staff=plain(person.staff)))

        st.subheader(text("sidebar_thresholds", lang))
        as_of = None
        if analysis is not None:
            chosen = st.session_state.get("sb_as_of") or default_as_of
            if st.session_state.get("sb_default_as_of") != default_as_of:
                # New data moved the latest order date (an import, a restore): a date that followed
                # it follows it again. The keyed field, and the browser, would keep the old date
                # as if it had been picked; a value set before the field is drawn replaces both.
                if st.session_state.get("sb_as_of") is None and "sb_as_of_input" in st.session_state:
                    st.session_state["sb_as_of_input"] = default_as_of
                st.session_state["sb_default_as_of"] = default_as_of
            earliest = analysis.earliest_order_date or default_as_of
            picked = st.date_input(text("as_of", lang), value=chosen, min_value=min(earliest, chosen),
                                   max_value=max(default_as_of + dt.timedelta(days=365), chosen),
                                   help=text("as_of_help", lang), key="sb_as_of_input")
            as_of = None if picked == default_as_of else picked
            st.session_state["sb_as_of"] = as_of
            suggestions = data.suggest_thresholds(analysis, as_of=as_of or default_as_of,
                                                  scope=scope_from_values({kind: st.session_state.get(f"sb_scope_{kind}")
                                                                           for kind in SCOPE_KEYS.values()}))
            st.session_state["sb_ranges"] = data.slider_ranges(analysis, suggested=_suggested(suggestions))

        axis = st.radio(text("value_axis", lang), options=["orders", "amount"], horizontal=True,
                        format_func=lambda v: text(f"value_axis_{v}", lang), key="sb_value_axis")
        if axis == "orders":
            _threshold_slider("min_orders", lang, suggestions.get("min_orders"))
            min_amount = st.session_state.get("sb_min_amount")
        else:
            if "sb_min_amount" not in st.session_state:
                suggested = suggestions.get("min_amount")
                st.session_state["sb_min_amount"] = float(suggested.value if suggested else DEFAULT_MIN_AMOUNT)
            min_amount = st.number_input(text("min_amount", lang), min_value=1.0, step=1000.0, format="%.0f",
                                         key="sb_min_amount")
            suggestion = suggestions.get("min_amount")
            if suggestion is not None:
                st.caption(f"{text('suggested', lang, value=f'{suggestion.value:,.0f}')} — {suggestion.reason(lang)}")
                st.button(text("use_suggestion", lang), key="sb_use_min_amount", on_click=_set, type="tertiary",
                          icon=":material/auto_fix_high:", args=("sb_min_amount", float(suggestion.value)))
        _threshold_slider("min_tenure_days", lang, suggestions.get("min_tenure_days"))
        _threshold_slider("lapse_days", lang, suggestions.get("lapse_days"))

        st.subheader(text("sidebar_scope", lang))
        options = data.scope_options(analysis) if analysis is not None else {}
        for kind in SCOPE_KEYS.values():
            choices = options.get(kind, [])
            current = [v for v in st.session_state.get(f"sb_scope_{kind}", []) if v in choices or not choices]
            st.session_state[f"sb_scope_{kind}"] = current
            st.multiselect(text(f"scope_{kind}", lang), options=sorted(set(choices) | set(current)),
                           key=f"sb_scope_{kind}", placeholder=text("scope_all", lang))

        with st.expander(text("sidebar_presets", lang)):
            saved = data.presets(path) if analysis is not None else {}
            if saved:
                st.selectbox(text("preset_choose", lang), options=list(saved), key="sb_preset_choice")
                st.button(text("preset_load", lang), key="sb_preset_load", on_click=_load_preset, args=(path,))
            else:
                st.caption(text("preset_none", lang))
            save_clicked = False
            if person.can("save_preset"):  # presets are the team's: admins save them
                name = st.text_input(text("preset_name", lang), key="sb_preset_name", max_chars=60)
                save_clicked = st.button(text("preset_save", lang), key="sb_preset_save", disabled=analysis is None)
        st.button(text("reset", lang), key="sb_reset", on_click=_reset)

    thresholds = Thresholds(
        min_orders=st.session_state["sb_min_orders"] if axis == "orders" else DEFAULT_THRESHOLDS.min_orders,
        min_tenure_days=st.session_state["sb_min_tenure_days"],
        lapse_days=st.session_state["sb_lapse_days"],
        value_axis=axis,
        min_amount=min_amount if axis == "amount" else None,
    )
    scope = scope_from_values({kind: st.session_state.get(f"sb_scope_{kind}") for kind in SCOPE_KEYS.values()})
    view = View(lang=lang, thresholds=thresholds, as_of=as_of, scope=scope, slider_ranges=_ranges())
    remember_thresholds(thresholds)

    if save_clicked:
        from segmentation.presets import save_preset

        try:
            save_preset(path, name, thresholds, wait_seconds=2.0)
            st.session_state["sb_flash"] = ("success", text("preset_saved", lang, name=plain(name.strip())))
            st.rerun()
        except SegmentationError as error:  # a bad name, or the file busy, read-only, full, damaged
            sidebar.error(plain(error.message(lang)))

    _keep_widget_values()
    _sync_url(view)
    return view


def _suggested(suggestions) -> dict[str, float]:
    """The suggested slider values, for the sliders' ranges (they reach as far as a suggestion)."""
    return {name: float(s.value) for name, s in suggestions.items() if name in SLIDER_FLOORS}


def first_view(analysis, lang: str = "ja") -> View:
    """The view a session opened without URL parameters starts with, as `build` makes it: the
    default thresholds within the sliders' ranges, the latest as-of date, every customer; reached
    through the same cached calls, so `dashboard.serve` can compute the first page for it before
    a browser asks (`tests/test_serve.py` holds it to what `build` shows)."""
    first_ranges = data.slider_ranges(analysis)
    data.scope_options(analysis)  # a first run reads them for the URL's values and the scope boxes
    scope = scope_from_values({kind: [] for kind in SCOPE_KEYS.values()})
    suggestions = data.suggest_thresholds(analysis, as_of=analysis.default_as_of(), scope=scope)
    ranges = data.slider_ranges(analysis, suggested=_suggested(suggestions))
    fields = {field: _clamp(field, _clamp(field, getattr(DEFAULT_THRESHOLDS, field), first_ranges), ranges)
              for field in SLIDER_FLOORS}
    thresholds = Thresholds(**fields, value_axis=DEFAULT_THRESHOLDS.value_axis, min_amount=None)
    return View(lang=lang, thresholds=thresholds, as_of=None, scope=scope, slider_ranges=ranges)


def remember_thresholds(thresholds: Thresholds) -> None:
    """Keep the thresholds as they were before their latest change in `sb_previous_thresholds`
    (the overview compares the sliders with them); unchanged thresholds keep it as it is."""
    current = st.session_state.get("sb_current_thresholds")
    if current is not None and current != thresholds:
        st.session_state["sb_previous_thresholds"] = current
    st.session_state["sb_current_thresholds"] = thresholds


def _sync_url(view: View) -> None:
    """Write the view into the URL, leaving other (page) parameters alone."""
    wanted = build_query(view)
    for key in ALL_KEYS:
        current = st.query_params.get_all(key)
        target = wanted.get(key)
        target_list = [] if target is None else ([target] if isinstance(target, str) else list(target))
        if current != target_list:
            if target_list:
                st.query_params[key] = target_list if len(target_list) > 1 else target_list[0]
            else:
                del st.query_params[key]
