"""What the AppTest modules share: an app opener and readers of what the app shows (tile counts,
sidebar warnings, tables found by a column name). The demo database they open, `demo_db`, and
the core's reading of it, `demo_analysis`, are session fixtures of `conftest.py`, built once for
every module.

Streamlit's caches and the app's file registry live in the test process, so every app opened
here starts from empty caches. Widgets are always reached by their `key`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable, Iterator

import pandas as pd
import pytest
import streamlit as st
import streamlit.testing.v1.app_test as app_test_module
from streamlit import config
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.util import build_mock_config_get_option

from conftest import DEMO_END  # noqa: F401  (the last day of the demo data, for the page modules)
from dashboard.safe import seen
from segmentation import engine
from segmentation.texts import status_name, text
from segmentation.thresholds import Thresholds
from segmentation.tiers import TIER_CODES

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
TRENDS_PAGE = "pages/trends.py"
RUN_TIMEOUT = 60


class _PagesManagerAfterNavigation(PagesManager):
    """The pages manager as a running server has it once `st.navigation` has been called.

    `st.navigation` turns Streamlit's legacy `pages/`-folder mode off for the whole process, but
    AppTest resets that flag before every run and the folder next to `app.py` turns it back on,
    so from the second run on AppTest would execute the page script alone, without `app.py`
    and its sidebar. `test_app_sidebar.py` and `test_app_trends.py` each keep one test without
    this stand-in, to show what the folder name does.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


def clear_app_caches() -> None:
    """Forget every database the app has seen: Streamlit's caches and the file registry."""
    from dashboard import data

    st.cache_data.clear()
    st.cache_resource.clear()
    data._registry.clear()


@pytest.fixture
def open_app(monkeypatch) -> Iterator[Callable[..., AppTest]]:
    """`open_app(db, query=..., locale=..., page=...)` -> the app after its first run.

    `db` becomes $SEGMENTATION_DB; `query` seeds the URL, `locale` the browser language, `page`
    the page to open. Errors show their message and stack trace, not the redacted production
    text. `like_a_server=False` leaves AppTest's own page handling alone (see
    `_PagesManagerAfterNavigation`).
    """
    monkeypatch.setattr(config, "get_option", build_mock_config_get_option({"client.showErrorDetails": "full"}))

    def open_(
        db: Path,
        *,
        query: dict[str, str | list[str]] | None = None,
        locale: str | None = None,
        page: str | None = None,
        like_a_server: bool = True,
    ) -> AppTest:
        if like_a_server:
            monkeypatch.setattr(app_test_module, "PagesManager", _PagesManagerAfterNavigation)
        else:
            monkeypatch.setattr(app_test_module, "PagesManager", PagesManager)
        monkeypatch.setenv("SEGMENTATION_DB", str(db))
        clear_app_caches()
        at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT)
        for key, value in (query or {}).items():
            at.query_params[key] = value
        if locale is not None:
            at.context = {"locale": locale}
        if page is not None:
            at.switch_page(page)
        return at.run()

    yield open_
    clear_app_caches()


# ---------------------------------------------------------------------------------------------
# Reading what the app shows


def assert_no_exception(at: AppTest) -> None:
    problems = ["\n".join([error.value, *error.stack_trace]) for error in at.exception]
    assert not problems, "the app raised:\n" + "\n".join(problems)


def has_key(at: AppTest, key: str) -> bool:
    try:
        at.get_by_key(key)
    except KeyError:
        return False
    return True


def shown_tile_counts(at: AppTest) -> dict[tuple[str, str], int]:
    """(tier, metric label) -> the count the overview tile shows."""
    shown: dict[tuple[str, str], int] = {}
    for tier in TIER_CODES:
        for metric in at.get_by_key(f"ov_tile_{tier}").metric:
            shown[(tier, metric.label)] = int(metric.value.replace(",", ""))
    return shown


def core_tile_counts(
    analysis: engine.Analysis, thresholds: Thresholds, as_of: dt.date, lang: str = "ja"
) -> dict[tuple[str, str], int]:
    """What the tiles should show: `engine.tier_counts`, labelled like the tiles."""
    frame = engine.tier_counts(analysis, thresholds, as_of=as_of)
    return {
        (row.tier, status_name(row.lapsed, lang) or text("col_customers", lang)): int(row.customers)
        for row in frame.itertuples()
    }


def tier_totals(counts: dict[tuple[str, str], int]) -> dict[str, int]:
    totals = dict.fromkeys(TIER_CODES, 0)
    for (tier, _label), customers in counts.items():
        totals[tier] += customers
    return totals


def sidebar_warnings(at: AppTest) -> list[str]:
    """The sidebar's warnings as the reader sees them (values from the URL are escaped Markdown)."""
    return [seen(warning.value) for warning in at.sidebar.warning]


def table_with_column(at: AppTest, column: str) -> pd.DataFrame:
    """The one data frame on the page that has `column` (tables carry no key)."""
    found = [frame.value for frame in at.dataframe if column in frame.value.columns]
    assert len(found) == 1, f"expected one table with a {column!r} column, found {len(found)}"
    return found[0]
