"""The benchmark's pandas baseline agrees with the engine, and the bench's worker path runs.

No timing assertions: timings depend on the machine.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from bench import pandas_baseline as pb
from bench import run as bench_run
from segmentation.engine import Analysis, period_range, tier_counts, tier_counts_over_time
from segmentation.thresholds import Thresholds
from conftest import write_db

THRESHOLD_SETS = [
    Thresholds(),
    Thresholds(min_orders=2, min_tenure_days=30, lapse_days=30),
    Thresholds(min_orders=3, min_tenure_days=60, lapse_days=0),
    Thresholds(value_axis="amount", min_amount=250, min_tenure_days=0, lapse_days=45),
]


def _edge_case_rows():
    """Hand-written edge cases plus a few random customers."""
    customers = [
        ("00042", "2024-01-10 09:00:00"),  # multi-line order with lines on two dates, refund
        ("B", None),  # never orders, creation unknown: a prospect at every date
        ("C", "2024-06-15 10:30:00"),  # never orders: a prospect from June 2024
        ("D", "2024-05-01 12:00:00"),  # orders before its record was created
        ("E", "2024-01-01 08:00:00"),  # only a refund: F = 0, M < 0
        ("G", "2023-12-01 00:00:00"),  # a zero-amount order and a long history
        ("H", "2024-02-01 00:00:00"),  # two orders on one day
    ]
    orders = [
        ("O1", "00042", "2024-01-15", 100),
        ("O1", "00042", "2024-02-20", 50),
        ("O2", "00042", "2024-03-01", 200),
        ("R2", "00042", "2024-03-05", -200),
        ("O3", "D", "2024-04-20", 300),
        ("R9", "E", "2024-02-01", -50),
        ("O4", "G", "2023-12-05", 80),
        ("O5", "G", "2024-02-10", 0),
        ("O6", "G", "2024-04-10", 120),
        ("O7", "G", "2025-01-20", 90),
        ("O8", "H", "2024-02-03", 60),
        ("O9", "H", "2024-02-03", 70),
        ("O10", "ZZZ", "2024-02-03", 70),  # no customer row: a minimal customer (spec)
    ]
    rng = np.random.default_rng(7)
    base = dt.date(2023, 12, 1)
    number = 100
    for k in range(40):
        cid = f"r{k:03d}"
        created = base + dt.timedelta(days=int(rng.integers(0, 400)))
        customers.append((cid, None if k % 7 == 0 else f"{created} 10:00:00"))
        start = created + dt.timedelta(days=int(rng.integers(-20, 60)))
        for _ in range(int(rng.integers(0, 9))):
            start += dt.timedelta(days=int(rng.integers(0, 120)))
            if start > dt.date(2025, 6, 30):
                break
            number += 1
            amount = int(rng.integers(-30, 200)) if rng.random() < 0.1 else int(rng.integers(1, 400))
            orders.append((f"X{number}", cid, str(start), amount))
    return customers, orders


def _engine_counts(analysis, thresholds):
    frame = tier_counts_over_time(analysis, thresholds, freq="month")
    return {(p, t, s): int(n) for p, t, s, n in frame[["period_end", "tier", "lapsed", "customers"]].itertuples(index=False)}


def _baseline_counts(tables, thresholds, ends):
    frame = pb.counts_over_time(tables, thresholds, ends)
    return {(p, t, s): int(n) for p, t, s, n in frame[["period_end", "tier", "lapsed", "customers"]].itertuples(index=False)}


def _opened(path):
    analysis = Analysis.open(path)
    return analysis, pb.load(path)


@pytest.fixture(scope="module")
def edge_db(tmp_path_factory):
    customers, orders = _edge_case_rows()
    path = write_db(tmp_path_factory.mktemp("bench") / "edge.duckdb", customers=customers, orders=orders)
    analysis, tables = _opened(path)
    yield path, analysis, tables
    analysis.close()


@pytest.fixture(scope="module")
def demo_db(demo_database):
    path = demo_database(300, bench_run.SEED, bench_run.END)
    analysis, tables = _opened(path)
    yield path, analysis, tables
    analysis.close()


@pytest.mark.parametrize("which", ["edge_db", "demo_db"])
def test_pandas_baseline_equals_engine(request, which):
    """Same counts at every month end and at the latest order date, for several threshold sets."""
    _, analysis, tables = request.getfixturevalue(which)
    ends = period_range(analysis, "month").ends()
    assert len(ends) >= 12
    day = analysis.default_as_of()
    # The demo has 36 months, so one set here; test_quick_worker_path_runs compares the defaults on it.
    sets = THRESHOLD_SETS if which == "edge_db" else THRESHOLD_SETS[-1:]
    for thresholds in sets:
        assert _baseline_counts(tables, thresholds, ends) == _engine_counts(analysis, thresholds), thresholds
        current = tier_counts(analysis, thresholds)
        engine_now = {(t, s): int(n) for t, s, n in current[["tier", "lapsed", "customers"]].itertuples(index=False)}
        assert pb.counts_at(tables, thresholds, day) == engine_now, thresholds


def test_refund_before_created_at_is_not_a_prospect_yet(tmp_path):
    path = write_db(
        tmp_path / "refund_first.duckdb",
        customers=[("K", "2024-03-01 00:00:00"), ("L", "2024-01-01 00:00:00")],
        orders=[("R1", "K", "2024-02-01", -20), ("O1", "L", "2024-01-05", 10), ("O2", "L", "2024-04-05", 10)],
    )
    analysis = Analysis.open(path)
    try:
        tables = pb.load(path)
        thresholds = Thresholds()
        feb = dt.date(2024, 2, 29)
        assert pb.counts_at(tables, thresholds, feb)[("prospect", None)] == 0  # the spec's reading
        engine = tier_counts(analysis, thresholds, as_of=feb)
        assert int(engine.loc[engine["tier"] == "prospect", "customers"].sum()) == 0
    finally:
        analysis.close()


def test_trend_window_is_36_complete_months():
    start, end, ends = bench_run.trend_window(dt.date(2026, 11, 20))
    assert (start, end) == (dt.date(2023, 11, 1), dt.date(2026, 11, 20))
    assert len(ends) == 36 and ends[0] == dt.date(2023, 11, 30) and ends[-1] == dt.date(2026, 10, 31)
    assert pb.month_ends(dt.date(2023, 11, 5), dt.date(2026, 10, 1)) == ends


def test_quick_worker_path_runs(demo_db):
    """What `python -m bench --quick` runs in its worker processes, called in-process."""
    path = demo_db[0]
    engine = bench_run.engine_measure(path, changes=1)
    pandas = bench_run.pandas_measure(path, check_sets=1)
    assert engine["periods"] == bench_run.TREND_MONTHS
    assert engine["customers"] == pandas["customers"] == 300
    assert len(engine["change_s"]) == 1 and engine["peak_rss_mb"] > 0
    assert bench_run.compare_counts(engine["counts"], pandas["counts"]) == []
    row = {"engine": engine, "pandas": pandas, "match": "yes"}
    table = bench_run.format_table([row])
    assert table.count("\n") == 2 and "| 300 |" in table


def test_compare_counts_reports_a_difference():
    engine = [{"current": [["2026-11-20", "first", False, 3]], "trend": []}]
    pandas = [{"current": [["2026-11-20", "first", False, 4]], "trend": []}]
    assert len(bench_run.compare_counts(engine, pandas)) == 1


@pytest.mark.slow
def test_import_benchmark_runs_at_a_tiny_size(tmp_path):
    """`python -m bench import` end to end on 2,000 rows: files made, every measurement in its own
    process, both encodings imported alike, the report and the profile formatted."""
    from bench import import_speed

    result = import_speed.run_all(2_000, tmp_path, threads=2, profile=True)
    assert result["problems"] == []
    assert result["median"]["bare"]["rows"] == 2_000
    assert result["median"]["cp932_again"]["orders_present"] == 2_000
    assert [setting["threads"] for setting in result["median"]["utf8"]["settings"]] == ["2"]
    head = (tmp_path / "orders_2000_cp932.csv").read_bytes().splitlines()[0]
    assert head.decode("cp932") == ",".join(import_speed.HEADERS)
    report = import_speed.format_report(result, "python -m bench import --rows 2000 --profile")
    assert "| `import_files(new_db, orders=f)` | CP932 |" in report
    assert "**importer._plan**" in report and "Transcoding the CP932 file" in report
    assert not list((tmp_path / "dbs").glob("*.duckdb"))  # the databases are removed


def test_python_m_bench_import_is_the_import_benchmark():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "bench", "import", "--help"], cwd=bench_run.ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "--rows" in done.stdout and "--memory-limit" in done.stdout


def test_import_benchmark_check_names_what_went_wrong():
    from bench import import_speed

    ok = {"rows": 10, "orders_added": 10, "orders_updated": 0, "orders_present": 0}
    again = {"rows": 10, "orders_added": 0, "orders_updated": 0, "orders_present": 10}
    result = {"rows": 10, "runs": {"bare": [{"rows": 10}], "utf8": [ok], "utf8_again": [again],
                                   "cp932": [{**ok, "orders_added": 9}], "cp932_again": [{**again, "orders_added": 1}]},
              "contents": {"utf8": {"orders": 10, "process_s": 1.0}, "cp932": {"orders": 9, "process_s": 2.0}},
              "import_files_sha": ["a"]}
    problems = import_speed.check(result)
    assert len(problems) == 3
    assert problems[0].startswith("cp932: 9 orders added") and "re-import changed" in problems[1]
    assert "different data" in problems[2]
