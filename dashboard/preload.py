"""Opening the analysis ahead of the first page: `dashboard/serve.py` starts it as the server
process starts, and the first page (`data._open_analysis`) takes it instead of opening its own.

Which database the app shows is decided here too (`db_path`). Kept apart from `data.py` so
that the open can begin before Streamlit's caching and the rest of the dashboard are imported:
this module needs only the package's `Analysis` (DuckDB, pandas). Anything that goes wrong here
is left for the page's own open to meet and report.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future
from pathlib import Path

from segmentation import schema
from segmentation.analysis import Analysis

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "data" / "demo.duckdb"


def db_path() -> Path:
    """The database the app shows: $SEGMENTATION_DB, else data/demo.duckdb."""
    configured = os.environ.get("SEGMENTATION_DB")
    return Path(configured) if configured else DEFAULT_DB


#: Analyses being opened ahead of the first page, by (file, data_version).
pending: dict[tuple[str, int], Future] = {}
_lock = threading.Lock()


def read_data_version(path: Path) -> int:
    with schema.reading(path, wait_seconds=1.0) as con:
        return schema.data_version(con)


def start(path: Path) -> Future | None:
    """Start opening the analysis of `path` in a thread of its own. Returns the future of the
    analysis (its result is None when the open failed), or None when nothing was started (no
    file, or one that cannot be read now)."""
    if not path.exists():
        return None

    def open_ahead(future: Future, key: str) -> None:
        try:
            future.set_result(Analysis.open(key, wait_seconds=5.0, save_now=False))
        except BaseException:  # noqa: BLE001 - the page opens it again and says what failed
            future.set_result(None)

    try:
        key, version = str(path.resolve()), read_data_version(path)
    except Exception:  # noqa: BLE001 - as above
        return None
    future: Future = Future()
    with _lock:
        if (key, version) in pending:
            return pending[(key, version)]
        pending[(key, version)] = future
    threading.Thread(target=open_ahead, args=(future, key), daemon=True, name="analysis-preload").start()
    return future


def take(path: str, data_version: int) -> Analysis | None:
    """The analysis opened ahead for (path, data_version), waiting for it to finish; any other
    one is closed when it finishes (the data changed meanwhile)."""
    with _lock:
        started = dict(pending)
        pending.clear()
    for key, future in started.items():
        if key != (path, data_version):
            future.add_done_callback(lambda done: done.result() and done.result().close())
    future = started.get((path, data_version))
    return future.result() if future is not None else None
