"""The analysis kept beside the database: loaded on a restart over the same data, and passed over
(a build, never an error) when the data, the build code or the file itself says otherwise."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from segmentation import analysis as analysis_module
from segmentation import analysis_store, engine, schema
from segmentation.analysis import Analysis, BuildStep
from segmentation.customers import customer_list, ready_view_counts
from segmentation.thresholds import Thresholds

THRESHOLDS = (
    Thresholds(),
    Thresholds(min_orders=2, min_tenure_days=90, lapse_days=60),
    Thresholds(min_orders=8, min_tenure_days=540, lapse_days=365),
    Thresholds(value_axis="amount", min_amount=30_000),
)


@pytest.fixture
def db(demo_database, tmp_path) -> Path:
    """A private copy of the 1,500-customer demo (its cache is this test's own)."""
    copy = tmp_path / "shop.duckdb"
    shutil.copy(demo_database(1_500, 7), copy)
    return copy


@pytest.fixture
def count_builds(monkeypatch):
    """`count_builds()` -> a list that gains an item each time an open builds (from then on)."""
    def start() -> list[int]:
        builds: list[int] = []
        monkeypatch.setattr(analysis_module, "COPY_STEPS",
                            (BuildStep("count", lambda con: builds.append(1)), *analysis_module.COPY_STEPS))
        return builds

    return start


def answers(analysis: Analysis) -> dict[str, pd.DataFrame]:
    """What the pages ask, for every threshold set: counts now and a year ago, over time by
    month and by quarter, moves, the act-now counts and the customer list's first rows."""
    out: dict[str, pd.DataFrame] = {}
    for number, thresholds in enumerate(THRESHOLDS):
        out[f"{number} counts"] = engine.tier_counts(analysis, thresholds)
        out[f"{number} counts a year ago"] = engine.tier_counts(analysis, thresholds, as_of="2025-11-20")
        out[f"{number} over time"] = engine.tier_counts_over_time(analysis, thresholds, freq="month")
        out[f"{number} over time by quarter"] = engine.tier_counts_over_time(analysis, thresholds, freq="quarter")
        out[f"{number} moves"] = engine.movements_over_time(analysis, thresholds, freq="month")
        out[f"{number} act now"] = pd.DataFrame([ready_view_counts(analysis, thresholds)])
        out[f"{number} list"] = customer_list(analysis, thresholds, limit=50)[1]
    return out


def assert_same_answers(loaded: Analysis, built: Analysis) -> None:
    expected = answers(built)
    for name, frame in answers(loaded).items():
        pd.testing.assert_frame_equal(frame, expected[name], obj=name)


def test_an_open_writes_the_cache_beside_the_database(db):
    Analysis.open(db).close()

    assert analysis_store.cache_path(db) == db.with_name("shop.duckdb.analysis.duckdb")
    assert analysis_store.cache_path(db).is_file()
    assert sorted(path.name for path in db.parent.iterdir()) == ["shop.duckdb", "shop.duckdb.analysis.duckdb"]


def test_an_analysis_loaded_from_the_cache_answers_exactly_as_a_built_one(db, count_builds):
    built = Analysis.open(db, cache=False)
    first = Analysis.open(db)  # builds and writes the cache
    for name in ("act_month", "act_quarter", "profile", "contact_summary"):
        first.ensure(name)
    assert first.save_cache()
    first.close()

    builds = count_builds()
    loaded = Analysis.open(db)
    try:
        assert builds == []
        assert (loaded.customer_count, loaded.order_count, loaded.data_version) == \
            (built.customer_count, built.order_count, built.data_version)
        assert (loaded.earliest_order_date, loaded.latest_order_date) == \
            (built.earliest_order_date, built.latest_order_date)
        assert loaded.is_ready("span_month") and not loaded.is_ready("act_month")
        assert_same_answers(loaded, built)
        assert loaded.is_ready("act_month") and loaded.is_ready("profile")
    finally:
        loaded.close()
        built.close()


def test_the_contact_summary_is_read_again_from_the_file_after_a_load(db):
    first = Analysis.open(db)
    first.ensure("act_month")
    first.ensure("contact_summary")
    assert first.save_cache()
    assert not first.save_cache()  # nothing new to keep
    first.close()
    with duckdb.connect(str(analysis_store.cache_path(db)), read_only=True) as con:
        tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert {"state", "cust", "act_month", "spanagg_month"} <= tables
    assert "contact_summary" not in tables

    with schema.writing(db, data_changed=False) as con:  # a contact: no new data_version
        con.execute("INSERT INTO contacts (customer_id, contacted_at, kind, note) "
                    "VALUES ((SELECT min(customer_id) FROM customers), TIMESTAMP '2026-11-21 09:00', 'call', 'x')")
    reopened = Analysis.open(db)
    fresh = Analysis.open(db, cache=False)
    try:
        reopened.ensure("contact_summary")
        fresh.ensure("contact_summary")
        assert reopened.fetchall("SELECT sum(contacts), max(last_contact_at) FROM contact_summary") == \
            fresh.fetchall("SELECT sum(contacts), max(last_contact_at) FROM contact_summary")
    finally:
        reopened.close()
        fresh.close()


def test_a_new_data_version_is_built_and_not_served_from_the_cache(db):
    Analysis.open(db).close()
    with schema.writing(db) as con:  # an import: data_version grows
        con.execute("INSERT INTO orders VALUES ('NEW-1', (SELECT min(customer_id) FROM customers), "
                    "DATE '2026-11-20', 99999.00, NULL, NULL)")

    reopened = Analysis.open(db)
    fresh = Analysis.open(db, cache=False)
    try:
        assert reopened.data_version == fresh.data_version
        assert reopened.order_count == fresh.order_count
        assert_same_answers(reopened, fresh)
    finally:
        reopened.close()
        fresh.close()


def test_data_changed_behind_the_data_version_is_not_served_from_the_cache(db):
    Analysis.open(db).close()
    with duckdb.connect(str(db)) as con:  # a program that writes without bumping data_version
        con.execute("UPDATE orders SET amount = amount * 3 WHERE order_id = (SELECT min(order_id) FROM orders)")

    reopened = Analysis.open(db)
    fresh = Analysis.open(db, cache=False)
    try:
        pd.testing.assert_frame_equal(engine.tier_counts(reopened, Thresholds()), engine.tier_counts(fresh, Thresholds()))
        assert reopened.fetchall("SELECT sum(m_cents) FROM state") == fresh.fetchall("SELECT sum(m_cents) FROM state")
    finally:
        reopened.close()
        fresh.close()


def test_the_same_data_is_loaded_from_the_cache_after_one_build(db, count_builds):
    builds = count_builds()
    Analysis.open(db).close()
    Analysis.open(db).close()
    Analysis.open(db).close()

    assert builds == [1]


def test_a_new_build_version_is_built_and_not_served_from_the_cache(db, monkeypatch, count_builds):
    Analysis.open(db).close()
    monkeypatch.setattr(analysis_store, "BUILD_VERSION", analysis_store.BUILD_VERSION + 1)
    builds = count_builds()

    Analysis.open(db).close()
    assert builds == [1]
    Analysis.open(db).close()
    assert builds == [1]  # the cache written for the new version is used


def test_a_cache_made_by_other_build_code_is_not_used(db, monkeypatch, count_builds):
    Analysis.open(db).close()
    monkeypatch.setattr(analysis_store, "build_code_digest", lambda: "another build")
    builds = count_builds()

    Analysis.open(db).close()
    assert builds == [1]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "directory"])
def test_a_damaged_cache_is_passed_over_and_the_analysis_built(db, damage):
    Analysis.open(db).close()
    cache = analysis_store.cache_path(db)
    if damage == "garbage":
        cache.write_bytes(b"not a duckdb file\x00" * 1000)
    elif damage == "truncated":
        cache.write_bytes(cache.read_bytes()[: cache.stat().st_size // 3])
    elif damage == "empty":
        cache.write_bytes(b"")
    else:
        cache.unlink()
        cache.mkdir()

    reopened = Analysis.open(db)  # no error
    fresh = Analysis.open(db, cache=False)
    try:
        pd.testing.assert_frame_equal(engine.tier_counts(reopened, Thresholds()), engine.tier_counts(fresh, Thresholds()))
        pd.testing.assert_frame_equal(engine.tier_counts_over_time(reopened, Thresholds(), freq="month"),
                                      engine.tier_counts_over_time(fresh, Thresholds(), freq="month"))
    finally:
        reopened.close()
        fresh.close()
    if damage != "directory":  # the damaged file was replaced by a good one
        again = Analysis.open(db)
        again.close()
        assert cache.is_file()
    assert not [path for path in db.parent.iterdir() if ".tmp-" in path.name]


def test_a_cache_that_cannot_be_written_is_not_an_error(db, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("read-only file system")

    monkeypatch.setattr(analysis_store.os, "replace", refuse)
    analysis = Analysis.open(db)
    try:
        assert engine.tier_counts(analysis, Thresholds())["customers"].sum() == analysis.customer_count
        assert not analysis.save_cache()
    finally:
        analysis.close()
    assert sorted(path.name for path in db.parent.iterdir()) == ["shop.duckdb"]


def test_without_the_cache_nothing_is_written(db):
    Analysis.open(db, cache=False).close()

    assert not analysis_store.cache_path(db).exists()


def test_an_analysis_made_by_its_constructor_never_writes_the_cache(db):
    source = Analysis.open(db, cache=False)
    con = duckdb.connect()
    try:
        for table in ("bounds", "cust", "state", "cust_category"):
            rows = source.cursor().sql(f"SELECT * FROM {table}").to_arrow_table()
            con.register("rows", rows)
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM rows")
            con.unregister("rows")
        copy = Analysis(con, source.source, source.data_version, source.file_state)
        copy.ensure("act_month")
        assert not copy.save_cache()
    finally:
        source.close()
        con.close()
    assert not analysis_store.cache_path(db).exists()


def test_side_tables_of_an_earlier_process_are_carried_over_when_the_cache_is_written_again(db):
    first = Analysis.open(db)
    first.ensure("act_quarter")
    assert first.save_cache()
    first.close()

    second = Analysis.open(db)  # loads the core; builds act_week, does not ask for act_quarter
    second.ensure("act_week")
    assert second.save_cache()
    second.close()

    with duckdb.connect(str(analysis_store.cache_path(db)), read_only=True) as con:
        tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert {"act_quarter", "span_quarter", "act_week", "span_week"} <= tables


def test_the_rows_are_digested_again_only_when_the_file_changed(db, monkeypatch, count_builds):
    real_key = analysis_store.source_key
    digests: list[int] = []

    def counted(*args, **kwargs):
        digests.append(1)
        return real_key(*args, **kwargs)

    monkeypatch.setattr(analysis_store, "source_key", counted)
    Analysis.open(db).close()  # builds: digests the rows
    assert len(digests) == 1
    Analysis.open(db).close()  # the file is as it was: the kept key stands
    assert len(digests) == 1

    with schema.writing(db, data_changed=False) as con:  # a preset: the file changes, the data does not
        con.execute("INSERT INTO threshold_presets VALUES ('p', 3, 200, 90, 'orders', NULL, 1.5, 14, now())")
    builds = count_builds()
    Analysis.open(db).close()  # digested again, and loaded: the rows are the same
    assert len(digests) == 2 and builds == []


def test_the_cache_is_readable_only_by_whom_the_database_is(db):
    db.chmod(0o600)
    Analysis.open(db).close()

    assert analysis_store.cache_path(db).stat().st_mode & 0o777 == 0o600
