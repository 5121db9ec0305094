"""`dashboard.serve`: what a server started by `make run` does before the first browser asks.

It opens the analysis and computes the overview for the view a fresh session starts with, so
the first page finds its answers in the cache; it keeps those answers for the next start on
the same data; and it waits for the server's own address and port, as given on the command
line, before it begins.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
from collections import Counter
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from apptest_support import (  # noqa: F401  (fixtures)
    APP,
    RUN_TIMEOUT,
    assert_no_exception,
    clear_app_caches,
    open_app,
)
from dashboard import data, serve, sidebar
from segmentation import kept_answers


def test_a_fresh_sessions_first_overview_computes_nothing_prepared_ahead(open_app, demo_db, monkeypatch):
    open_app(demo_db)  # the same set-up as every page test (a server's page handling, full errors)
    clear_app_caches()
    serve.prepare(demo_db)
    prepared = Counter(data.computed)

    at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT).run()

    assert_no_exception(at)
    assert at.title, "the overview was drawn"
    assert data.computed - prepared == Counter(), "the first page asked for answers not prepared ahead"
    assert prepared["tier_counts"] > 0 and prepared["ready_view_counts"] > 0


def test_the_first_view_is_the_one_the_sidebar_starts_a_session_with(open_app, demo_db):
    at = open_app(demo_db)

    shown = at.session_state["view"]
    prepared = sidebar.first_view(at.session_state["analysis"], lang=shown.lang)
    assert prepared == shown


def test_it_waits_for_the_port_streamlit_read_from_the_command_line(monkeypatch):
    """Streamlit reads --server.port only just before it makes its Runtime; a port read sooner is
    the one of .streamlit/config.toml, where no server listens."""
    from streamlit import config, runtime

    listening = socket.create_server(("127.0.0.1", 0))
    real_port = listening.getsockname()[1]
    with socket.create_server(("127.0.0.1", 0)) as closed:
        stale_port = closed.getsockname()[1]  # a port nobody listens on once closed
    options = {"server.address": "127.0.0.1", "server.port": stale_port}
    asked = []

    def exists() -> bool:  # the Runtime appears on the third look, with the command line read
        asked.append(True)
        if len(asked) >= 3:
            options["server.port"] = real_port
            return True
        return False

    monkeypatch.setattr(runtime, "exists", exists)
    monkeypatch.setattr(config, "get_option", lambda name: options[name])
    accepted = []
    listening.settimeout(10)
    acceptor = threading.Thread(target=lambda: accepted.append(listening.accept()[0]))
    acceptor.start()
    try:
        serve._wait_until_listening(seconds=10)
        acceptor.join(timeout=10)
    finally:
        listening.close()
        for connection in accepted:
            connection.close()

    assert len(asked) >= 3
    assert len(accepted) == 1, "it connected to the server's port"


@pytest.fixture
def first_start(open_app, demo_db, tmp_path):
    """`first_start()` -> (a copy of the demo database on which a server's first start has kept the
    first page's answers, what a page opened before showed); `restart()` then starts again."""
    def start() -> tuple[Path, list[str]]:
        db = tmp_path / "shop.duckdb"
        shutil.copyfile(demo_db, db)
        shown = [metric.value for metric in open_app(db).metric]  # a start that kept nothing: computed
        clear_app_caches()
        serve.prepare(db)  # the server's first start computes the first page and keeps its answers
        assert kept_answers.answers_path(db).exists()
        return db, shown

    return start


def restart(db: Path) -> Counter:
    """A server's restart on `db`, nothing in Streamlit's caches; what it computed."""
    before = Counter(data.computed)
    clear_app_caches()
    data._kept.clear()
    serve.prepare(db)
    return data.computed - before


def test_a_restart_on_the_same_data_reads_the_first_pages_answers_back(first_start):
    db, shown = first_start()
    before = Counter(data.computed)

    restart(db)
    at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT).run()

    assert_no_exception(at)
    assert data.computed - before == Counter(), "a restart computed the first page's answers again"
    assert [metric.value for metric in at.metric] == shown  # every tile and "act now" count as computed


def test_answers_kept_for_other_data_are_not_read(first_start):
    db, _ = first_start()
    kept = kept_answers.answers_path(db)
    stale = kept.read_text(encoding="utf-8").replace('\\"data_version\\": ', '\\"data_version\\": 9')
    assert stale != kept.read_text(encoding="utf-8")
    kept.write_text(stale, encoding="utf-8")

    computed = restart(db)

    assert computed["tier_counts"] == 2  # at the as-of date and a month before: computed
    assert kept.read_text(encoding="utf-8") != stale  # and kept again, for the data as it is


def test_an_answer_that_changes_with_a_contact_is_never_recorded(open_app, demo_db):
    at = open_app(demo_db)
    analysis = at.session_state["analysis"]
    with data.recording() as answers:
        data.customer_list(analysis, limit=5)
        data.tier_counts(analysis)

    assert [key.split("(")[0] for key in answers] == ["tier_counts"]


def test_a_start_that_computed_some_answers_keeps_them_all_for_the_next(first_start):
    db, _ = first_start()
    kept = kept_answers.answers_path(db)
    held = json.loads(kept.read_text(encoding="utf-8"))
    every = set(held["answers"])
    map_key = next(key for key in every if key.startswith("tier_map("))
    del held["answers"][map_key]  # as if an older start had not asked for the map
    held["digest"] = kept_answers.answers_digest(held["answers"])
    kept.write_text(json.dumps(held), encoding="utf-8")

    assert restart(db) == Counter(tier_map=1)
    assert set(json.loads(kept.read_text(encoding="utf-8"))["answers"]) == every
