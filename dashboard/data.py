"""How the app reads the database: one shared in-memory copy per database state.

The app never keeps the DuckDB file open. `current_analysis` stats the file on every rerun
(cheap); only when the file changed does it open it read-only for a moment to read
`data_version`, and only when that grew (an import, not a contact or a preset) does it build a
new `Analysis` (shared by every session through `st.cache_resource`). While another process
holds the file for writing, the previous copy keeps serving with a notice. Results of engine
calls are cached per database state and arguments with `st.cache_data`.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from segmentation import engine, schema
from segmentation.errors import DatabaseBusyError, DatabaseError
from segmentation.scope import Scope
from segmentation.thresholds import Thresholds

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "data" / "demo.duckdb"


def db_path() -> Path:
    """The database the app shows: $SEGMENTATION_DB, else data/demo.duckdb."""
    configured = os.environ.get("SEGMENTATION_DB")
    return Path(configured) if configured else DEFAULT_DB


@dataclass
class _Loaded:
    file_state: tuple
    analysis: engine.Analysis


_registry: dict[str, _Loaded] = {}
_registry_lock = threading.Lock()


@st.cache_resource(max_entries=2, show_spinner=False)
def _open_analysis(path: str, data_version: int) -> engine.Analysis:
    """One shared copy per (file, data_version); the version is part of the cache key.

    What the trends and customers pages need on top (activity per month, profiles, contacts)
    is built in the background right away, so those pages rarely wait for it.
    """
    analysis = engine.Analysis.open(path, wait_seconds=5.0)
    threading.Thread(target=_warm_up, args=(analysis,), daemon=True, name="analysis-warm-up").start()
    return analysis


def _warm_up(analysis: engine.Analysis) -> None:
    from segmentation.customers import ensure_list_tables

    try:
        analysis.ensure_activity("month")
        ensure_list_tables(analysis)
    except Exception:  # noqa: BLE001 - a page that needs these builds them itself and reports
        pass


def _read_data_version(path: Path) -> int:
    with schema.reading(path, wait_seconds=1.0) as con:
        return schema.data_version(con)


def current_analysis(path: Path) -> tuple[engine.Analysis | None, str | None]:
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
        version = _read_data_version(path)
        if loaded is not None and loaded.analysis.data_version == version:
            analysis = loaded.analysis
            if analysis.has_table("contact_summary"):  # a contact was logged: its summary is stale
                from segmentation.customers import refresh_contacts

                refresh_contacts(analysis)
        else:
            analysis = _open_analysis(key, version)
    except DatabaseBusyError:
        if loaded is not None:
            return loaded.analysis, "data_refreshing"
        raise
    with _registry_lock:
        _registry[key] = _Loaded(state, analysis)
    return analysis, None


def forget(path: Path) -> None:
    """Drop what is known about a file (after the app itself replaced it)."""
    with _registry_lock:
        _registry.pop(str(path.resolve()), None)


# ---------------------------------------------------------------------------------------------
# Cached engine calls


_FUNCTIONS = {
    "tier_counts": engine.tier_counts,
    "tier_counts_over_time": engine.tier_counts_over_time,
    "revenue_over_time": engine.revenue_over_time,
    "movements_over_time": engine.movements_over_time,
    "transitions": engine.transitions,
    "tier_map": engine.tier_map,
    "channel_conversion": engine.channel_conversion,
}
_THRESHOLD_FREE = {
    "cohort_retention": engine.cohort_retention,
    "suggest_thresholds": engine.suggest_thresholds,
    "scope_options": engine.scope_options,
}


def _freeze_scope(scope: Scope | None) -> tuple:
    scope = scope or Scope()
    return tuple((kind, getattr(scope, kind)) for kind in scope.active_kinds())


@st.cache_data(max_entries=256, show_spinner=False)
def _call(_analysis: engine.Analysis, analysis_key: tuple, name: str, thresholds: tuple | None,
          scope: tuple, kwargs: tuple) -> Any:
    arguments = dict(kwargs)
    if scope:
        arguments["scope"] = Scope(**dict(scope))
    if name in _THRESHOLD_FREE:
        return _THRESHOLD_FREE[name](_analysis, **arguments)
    return _FUNCTIONS[name](_analysis, Thresholds.from_dict(dict(thresholds)), **arguments)


def call(name: str, analysis: engine.Analysis, thresholds: Thresholds | None = None,
         scope: Scope | None = None, **kwargs: Any) -> Any:
    """`engine.<name>(analysis, thresholds, scope=scope, **kwargs)`, cached per database state."""
    frozen = tuple(sorted(thresholds.as_dict().items())) if thresholds is not None else None
    if name == "scope_options":
        return _call(analysis, analysis.key, name, None, (), ())
    return _call(analysis, analysis.key, name, frozen, _freeze_scope(scope), tuple(sorted(kwargs.items())))


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


@st.cache_data(max_entries=64, show_spinner=False)
def _customer_list(_analysis, analysis_key: tuple, contacts_version: int, arguments_key: str,
                   _arguments: tuple) -> tuple[int, Any]:
    from segmentation.customers import customer_list as run

    thresholds, as_of, scope, filters, sort, limit = _arguments
    return run(_analysis, thresholds, as_of, scope, filters, sort, limit)


def customer_list(analysis, thresholds, as_of, scope, filters, sort, limit):
    """`customers.customer_list`, cached per database state, contacts and arguments."""
    arguments = (thresholds, as_of, scope, filters, sort, limit)
    return _customer_list(analysis, analysis.key, analysis.contacts_version, repr(arguments), arguments)


@st.cache_data(max_entries=64, show_spinner=False)
def _ready_view_counts(_analysis, analysis_key: tuple, arguments_key: str, _arguments: tuple) -> dict[str, int]:
    from segmentation.customers import ready_view_counts as run

    return run(_analysis, *_arguments)


def ready_view_counts(analysis, thresholds, as_of, scope) -> dict[str, int]:
    """`customers.ready_view_counts`, cached per database state and arguments."""
    arguments = (thresholds, as_of, scope)
    return _ready_view_counts(analysis, analysis.key, repr(arguments), arguments)
