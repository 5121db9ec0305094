"""Shared fixtures: small databases built in tmp_path, the seeded demo databases built once per
session, and no leaking of a developer's settings."""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from segmentation import schema  # noqa: E402
from segmentation.analysis import Analysis  # noqa: E402

#: The last day of every seeded demo database the tests share.
DEMO_END = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _no_developer_settings(monkeypatch):
    """A developer's own SEGMENTATION_DB never reaches a test."""
    monkeypatch.delenv("SEGMENTATION_DB", raising=False)


def write_db(
    path: Path,
    customers: Iterable[tuple] = (),
    orders: Iterable[tuple] = (),
    contacts: Iterable[tuple] = (),
) -> Path:
    """A database file holding exactly these rows.

    customers: (customer_id, created_at) or (customer_id, created_at, channel, region, staff);
    orders: (order_id, customer_id, order_date, amount) or with campaign and category;
    contacts: (customer_id, contacted_at, kind, staff, note).
    """
    with schema.writing(path) as con:
        for row in customers:
            row = tuple(row) + (None,) * (5 - len(row))
            con.execute(
                "INSERT INTO customers (customer_id, created_at, channel, region, staff) VALUES (?, ?, ?, ?, ?)",
                list(row[:5]),
            )
        for row in orders:
            row = tuple(row) + (None,) * (6 - len(row))
            con.execute(
                "INSERT INTO orders (order_id, customer_id, order_date, amount, campaign, category) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                list(row[:6]),
            )
        for row in contacts:
            con.execute(
                "INSERT INTO contacts (customer_id, contacted_at, kind, staff, note) VALUES (?, ?, ?, ?, ?)",
                list(row),
            )
    return path


@pytest.fixture
def make_db(tmp_path):
    """`make_db(customers=..., orders=...)` -> path of a fresh database in tmp_path."""
    counter = iter(range(1_000_000))

    def build(customers=(), orders=(), contacts=()) -> Path:
        return write_db(tmp_path / f"db{next(counter)}.duckdb", customers, orders, contacts)

    return build


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# ---------------------------------------------------------------------------------------------
# Seeded demo databases, built once per session and shared read-only


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory) -> Iterator[Callable[..., Path]]:
    """`demo_database(customers, seed, end=DEMO_END)` -> the path of that seeded demo database.

    Each distinct (customers, seed, end) is built once per session and shared by every module
    that asks, so it is read-only: a test that writes takes a copy (the `db_copy` fixtures). At
    the end of the session every shared file must still hold exactly the bytes it was built
    with, so a test that wrote to one fails loudly instead of changing its neighbours' data.
    """
    built: dict[tuple[int, int, dt.date], tuple[Path, str]] = {}

    def get(customers: int, seed: int, end: dt.date = DEMO_END) -> Path:
        key = (customers, seed, end)
        if key not in built:
            from segmentation.demo import build_demo_database  # imported here: only these fixtures need it

            path = tmp_path_factory.mktemp(f"demo_{customers}_seed{seed}_{end:%Y%m%d}") / "demo.duckdb"
            build_demo_database(path, customers=customers, seed=seed, end=end)
            built[key] = (path, _digest(path))
        return built[key][0]

    yield get
    changed = [str(path) for path, digest in built.values() if _digest(path) != digest]
    assert not changed, f"a test wrote to a shared demo database instead of a copy: {changed}"


@pytest.fixture(scope="session")
def demo_db(demo_database) -> Path:
    """1,500 demo customers (seed 7, to DEMO_END): the database the AppTest pages open."""
    return demo_database(1_500, 7)


@pytest.fixture(scope="session")
def demo_analysis(demo_db) -> Iterator[Analysis]:
    """The core's own reading of `demo_db`, to compare the pages with."""
    analysis = Analysis.open(demo_db)
    yield analysis
    analysis.close()


@pytest.fixture(scope="session")
def demo_db_800(demo_database) -> Path:
    """800 demo customers (seed 5, to DEMO_END): the database the customer-list tests (and the
    CLI export tests, which build their own copy today) read."""
    return demo_database(800, 5)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A browser test that fails leaves a PNG of each page it had open, named after the test, in
    $SEGMENTATION_TEST_SCREENSHOTS (default: the system's temporary folder), listed in the report."""
    report = yield
    pages = []
    for value in item.funcargs.values() if report.failed and report.when in ("setup", "call") else ():
        if type(value).__module__.startswith("playwright."):  # a Browser, a BrowserContext or a Page
            contexts = getattr(value, "contexts", None) or [getattr(value, "context", value)]
            pages += [page for context in contexts for page in getattr(context, "pages", []) if page not in pages]
    if pages:
        import os
        import re
        import tempfile

        folder = Path(os.environ.get("SEGMENTATION_TEST_SCREENSHOTS")
                      or Path(tempfile.gettempdir()) / "e2e-screenshots")
        folder.mkdir(parents=True, exist_ok=True)
        saved = []
        for number, page in enumerate(pages, 1):
            path = folder / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', item.nodeid)}-{number}.png"
            try:
                page.screenshot(path=str(path), full_page=True, timeout=10_000)
                saved.append(f"{path}  ({page.url})")
            except Exception as error:  # noqa: BLE001 - a crashed page must not hide the test's own failure
                saved.append(f"{path}: not saved ({error.__class__.__name__})")
        report.sections.append(("screenshots", "\n".join(saved)))
    return report


def pytest_sessionfinish(session, exitstatus):
    """Let go of every DuckDB connection before the interpreter exits, so DuckDB's bindings find
    nothing alive at shutdown (they print a "leaked" report otherwise): wait for the app's
    background warm-up threads, drop Streamlit's caches (they hold `Analysis` copies), and empty
    the module namespaces AppTest ran app.py and the pages in (their `analysis` globals stay
    behind after the last run). Nothing to do when no test touched the app."""
    import gc
    import logging
    import threading
    import types

    if "dashboard.data" not in sys.modules:
        return
    # Outside a running app Streamlit says so on every cache call; pytest's summary stays last.
    for name in ("cache_data_api", "cache_resource_api"):
        logging.getLogger(f"streamlit.runtime.caching.{name}").setLevel(logging.ERROR)
    import streamlit as st

    data = sys.modules["dashboard.data"]
    for thread in threading.enumerate():
        if thread.name == "analysis-warm-up":
            thread.join(timeout=30)
    st.cache_data.clear()
    st.cache_resource.clear()
    data._registry.clear()
    scripts = {str(ROOT / "app.py"), *(str(page) for page in (ROOT / "pages").glob("*.py"))}
    for module in [obj for obj in gc.get_objects() if _is_module(obj, types.ModuleType)]:
        if getattr(module, "__file__", None) in scripts and module.__name__ == "__main__":
            vars(module).clear()
    gc.collect()


def _is_module(obj, module_type) -> bool:
    """Whether `obj` is a module; False for a weak proxy whose object is gone (the model's
    libraries, imported by predict.py, leave such proxies behind)."""
    try:
        return isinstance(obj, module_type)
    except ReferenceError:
        return False
