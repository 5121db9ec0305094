"""How the app reads the database: one shared in-memory copy per database state.

The app never keeps the DuckDB file open. `current_analysis` stats the file on every rerun
(cheap); only when the file changed does it open it read-only for a moment to read
`data_version`, and only when that grew (an import, not a contact or a preset) does it build a
new `Analysis` (shared by every session through `st.cache_resource`). While another process
holds the file for writing, the previous copy keeps serving with a notice. Results of engine
calls are cached per database state and arguments by `cached`, which keeps each function's
name and signature: a page calls `data.tier_counts(analysis, thresholds, as_of=...)`.
"""

from __future__ import annotations

import copy
import functools
import inspect
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, ParamSpec, TypeVar

import streamlit as st

from segmentation import channel_cost, customers, engine, forecast, kept_answers, prospects, schema
from segmentation.analysis import Analysis
from segmentation.errors import DatabaseBusyError, DatabaseError
from segmentation.filters import CustomerFilters
from segmentation.scope import Scope
from segmentation.texts import text
from segmentation.thresholds import Thresholds

from . import preload as preloading

P = ParamSpec("P")
R = TypeVar("R")

db_path = preloading.db_path  # which database the app shows (decided in preload.py, imported first)


@dataclass
class _Loaded:
    file_state: tuple
    analysis: Analysis


_registry: dict[str, _Loaded] = {}
_registry_lock = threading.Lock()

#: The warm-up starts this long after an open, so that it does not compete with the first page
#: for the two cores and the file (a page that needs a side table sooner builds it itself).
WARM_UP_DELAY_SECONDS = 3.0


@st.cache_resource(max_entries=2, show_spinner=False)
def _open_analysis(path: str, data_version: int) -> Analysis:
    """One shared copy per (file, data_version); the version is part of the cache key.

    Loaded from the cache beside the database when it was made from the same data (a restart),
    else built. What the trends and customers pages need on top (activity per month, profiles,
    contacts) is built or loaded in the background right away, so those pages rarely wait for
    it; then the cache is written with those side tables, for the next start.
    """
    analysis = preloading.take(path, data_version) or Analysis.open(path, wait_seconds=5.0, save_now=False)
    threading.Thread(target=_warm_up, args=(analysis,), daemon=True, name="analysis-warm-up").start()
    return analysis


def _warm_up(analysis: Analysis) -> None:
    threading.Event().wait(WARM_UP_DELAY_SECONDS)
    try:
        analysis.ensure("act_month")
        customers.ensure_list_tables(analysis)
        analysis.save_cache()
    except Exception:  # noqa: BLE001 - a page that needs these builds them itself and reports
        pass


def current_analysis(path: Path) -> tuple[Analysis | None, str | None]:
    """The analysis of the file as it is now, and a notice key when it is an older copy.

    Returns (None, None) when there is no database file yet.
    """
    key = str(path.resolve()) if path.exists() else str(path)
    if not path.exists():
        return None, None
    state = schema.file_state(path)
    with _registry_lock:
        loaded = _registry.get(key)
    if loaded is not None and loaded.file_state == state:
        return loaded.analysis, None
    try:
        version = preloading.read_data_version(path)
        if loaded is not None and loaded.analysis.data_version == version:
            analysis = loaded.analysis
            analysis.refresh_contacts()  # a contact or a preset was written: contacts may be stale
        else:
            with st.spinner(text("wait_open", _lang())):  # shown only when it lasts
                analysis = _open_analysis(key, version)
    except DatabaseBusyError:
        if loaded is not None:
            return loaded.analysis, "data_refreshing"
        raise
    with _registry_lock:
        _registry[key] = _Loaded(state, analysis)
    return analysis, None


def _lang() -> str:
    """The session's language, also before the sidebar has drawn."""
    from .sidebar import session_lang  # the sidebar imports this module

    return session_lang()


def _waiting_text(analysis: Analysis, names: tuple[str, ...]) -> str | None:
    """What the page waits for, said for the first side table in `names` not built yet; or None."""
    for name in names:
        if not analysis.is_ready(name):
            key = "wait_activity" if name.startswith("act_") else "wait_periods" if name.startswith("span_") else "wait_lists"
            return text(key, _lang())
    return None


def forget(path: Path) -> None:
    """Drop what is known about a file (after the app itself replaced it)."""
    with _registry_lock:
        _registry.pop(str(path.resolve()), None)


# ---------------------------------------------------------------------------------------------
# Cached engine calls: the package's own functions, wrapped so a page calls them by name


def _hash_funcs(*, reads_contacts: bool) -> dict:
    """How `st.cache_data` keys the arguments: an analysis by its database state (and by the
    contacts it has read when the answer shows contacts: a logged contact changes lists without
    a new data_version), thresholds, scope and filters (frozen dataclasses) by their value."""
    if reads_contacts:
        def state(analysis: Analysis) -> tuple:
            return (*analysis.key, analysis.contacts_version)
    else:
        def state(analysis: Analysis) -> tuple:
            return analysis.key
    return {Analysis: state, Thresholds: repr, Scope: repr, CustomerFilters: repr}


def cached(function: Callable[P, R], *, max_entries: int = 256, reads_contacts: bool = False,
           waits_for: Callable[[dict], tuple[str, ...]] | None = None) -> Callable[P, R]:
    """`function` with its results cached per database state and arguments (`st.cache_data`),
    keeping its name, signature and docstring: pages call `data.tier_counts(analysis, ...)`
    exactly as they would call `engine.tier_counts`. An entry is keyed by the arguments' values
    whichever way they are passed (by position, by name, or left to their defaults), so the
    answers `dashboard.serve` computes ahead are the ones a page asks for. `reads_contacts`: the
    answer changes when a contact is logged (a customer list with its last contact), so a new
    contact misses. `waits_for(arguments)`: the side tables the call needs; while one is still
    being built (the app's warm-up after an open), a spinner says what the page waits for."""

    # An answer that changes with a logged contact is never kept: the kept answers' key says
    # nothing of the contacts.
    keepable = not reads_contacts

    def run(**arguments) -> R:
        kept = _kept_answer(function.__name__, arguments) if keepable else _NOT_KEPT
        if kept is not _NOT_KEPT:
            return kept
        computed[function.__name__] += 1
        return function(**arguments)

    # st.cache_data tells cached functions apart by module and qualified name.
    run.__module__ = function.__module__
    run.__qualname__ = run.__name__ = f"cached_{function.__qualname__}"
    hash_funcs = _hash_funcs(reads_contacts=reads_contacts)
    cached_run = st.cache_data(max_entries=max_entries, show_spinner=False, hash_funcs=hash_funcs)(run)
    signature = inspect.signature(function)
    if any(p.kind in (p.POSITIONAL_ONLY, p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in signature.parameters.values()):
        raise TypeError(f"{function.__qualname__}: cached functions take named parameters only")

    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = bound.arguments  # in the signature's order, every one by name
        analysis = next(iter(arguments.values()), None)
        waiting = None
        if waits_for is not None and isinstance(analysis, Analysis):
            waiting = _waiting_text(analysis, waits_for(arguments))
        if waiting is None:
            answer = cached_run(**arguments)
        else:
            with st.spinner(waiting):  # shown only when the wait lasts
                answer = cached_run(**arguments)
        recorder = getattr(_recording, "answers", None)
        if recorder is not None and keepable and isinstance(analysis, Analysis):
            recorder[kept_answers.answer_key(function.__name__, _without_analysis(arguments))] = answer
        return answer

    return functools.wraps(function)(call)


#: How many times each cached function was computed in this process (a cache miss), by name.
computed: Counter[str] = Counter()


# ---------------------------------------------------------------------------------------------
# Answers kept for the next start (`segmentation/kept_answers.py`): `dashboard.serve` records the
# first page's answers and writes them; the next start reads them back for the same data and
# code, and a cache miss then returns the kept answer instead of computing it.

_NOT_KEPT = object()
_kept: dict[tuple, dict[str, object]] = {}  # Analysis.key -> answers by kept_answers.answer_key
_recording = threading.local()


def _without_analysis(arguments: dict) -> dict:
    return {name: value for name, value in arguments.items() if not isinstance(value, Analysis)}


def _kept_answer(name: str, arguments: dict):
    analysis = next(iter(arguments.values()), None)
    if not isinstance(analysis, Analysis) or not _kept:
        return _NOT_KEPT
    answers = _kept.get(analysis.key)
    if not answers:
        return _NOT_KEPT
    answer = answers.get(kept_answers.answer_key(name, _without_analysis(arguments)), _NOT_KEPT)
    return answer if answer is _NOT_KEPT else copy.deepcopy(answer)  # a caller may change what it gets


def read_kept_answers(analysis: Analysis) -> set[str]:
    """Read the answers kept beside the database for this analysis's data; what they answer
    (their `kept_answers.answer_key`s)."""
    answers = kept_answers.load(analysis.source, analysis.store_key)
    with _registry_lock:
        _kept.clear()  # answers of older data are never asked again
        if answers:
            _kept[analysis.key] = answers
    return set(answers)


@contextmanager
def recording() -> Iterator[dict[str, object]]:
    """Within it, every cached call of this thread on an analysis files its answer (computed or
    cached) in the dict it yields, by `kept_answers.answer_key`."""
    _recording.answers = answers = {}
    try:
        yield answers
    finally:
        _recording.answers = None


def keep_answers(analysis: Analysis, answers: dict[str, object]) -> bool:
    """Write `answers` (from `recording`) beside the database for the next start; whether written."""
    return kept_answers.save(analysis.source, analysis.store_key, answers)


def _period_tables(kind: str) -> Callable[[dict], tuple[str, ...]]:
    return lambda arguments: (f"{kind}_{arguments.get('freq') or 'month'}",)


def _list_tables(arguments: dict) -> tuple[str, ...]:
    return customers.LIST_TABLES


tier_counts = cached(engine.tier_counts)
tier_counts_over_time = cached(engine.tier_counts_over_time, waits_for=_period_tables("span"))
revenue_over_time = cached(engine.revenue_over_time, waits_for=_period_tables("act"))
movements_over_time = cached(engine.movements_over_time, waits_for=_period_tables("act"))
transitions = cached(engine.transitions)
tier_map = cached(engine.tier_map)
channel_conversion = cached(engine.channel_conversion)
cohort_retention = cached(engine.cohort_retention)
suggest_thresholds = cached(engine.suggest_thresholds)
slider_ranges = cached(engine.slider_ranges)
scope_options = cached(engine.scope_options)
customer_list = cached(customers.customer_list, max_entries=64, reads_contacts=True, waits_for=_list_tables)
ready_view_counts = cached(customers.ready_view_counts, max_entries=64)
# Looking ahead (issue 11): the forecast with its backtest, the channels' economics, prospects.
forecast_with_backtest = cached(forecast.forecast_with_backtest, max_entries=32, waits_for=_period_tables("act"))
channel_economics = cached(channel_cost.channel_economics)  # the costs are an argument: a new cost misses
attribute_lifts = cached(prospects.attribute_lifts)
prospect_scores = cached(prospects.prospect_scores)


@st.cache_data(max_entries=8, show_spinner=False)
def _presets(path: str, file_state: tuple) -> dict[str, Thresholds]:
    from segmentation.presets import list_presets

    return list_presets(path, wait_seconds=1.0)


def presets(path: Path) -> dict[str, Thresholds]:
    """Saved presets, re-read only when the file changed (a save changes it)."""
    try:
        return _presets(str(path), schema.file_state(path))
    except (DatabaseBusyError, DatabaseError):
        return {}

