"""Benchmark of the tier engine against the pandas baseline: `python -m bench` or `python bench/run.py`.

For each size (customers) it builds, or reuses, a demo database under `--out` (seed 42, end date
2026-11-20, so runs are comparable), then runs each measurement in a fresh subprocess:

- engine worker: `Analysis.open` (cold start), then the slider path: current counts plus the
  36-month trend, first with the default thresholds ("first trend"), then for 5 other threshold
  sets, 3 passes ("threshold change": the median of the 15 timings; `--changes`, `--rounds`).
  Its RSS high-water mark (`resource.getrusage`) read right after the slider path is the
  engine's peak memory for open + slider path: the process does nothing else. Then it times the
  first `Analysis.ensure_activity("month")` (the revenue and movement tables, which the trends
  page builds on its first visit) and reads the high-water mark again (open + slider path +
  activity tables).
- pandas worker: `bench.pandas_baseline` on the same database and the same work (current counts
  plus the 36-month trend), default thresholds; load time measured separately.

The counts of both are compared in the parent: for every threshold set on sizes up to 10,000
customers, for the default thresholds on the larger ones. A mismatch is printed and marked in the table, never hidden.

Prints one markdown table. `--quick` runs 10k customers only; `--extra-orders-db` adds a database
with about 10 million orders (engine only: cold start, threshold change and peak memory).
`--repeat N` runs every measurement N times (fresh processes; the table shows medians, a second
table best/median/worst); `--max-load L` waits, up to `--max-wait` s, for a 1-minute load average
below L before each measurement (the machine may be shared). `--profile` times each statement
of `Analysis.open` and of the first `ensure_activity("month")`. `--pages` and `--browser` run
`bench/app_latency.py` on the largest size: the dashboard pages' engine calls after a slider
move, and the real app driven by headless Chromium. `--import-rows N` runs `bench/import_speed.py`
(the importer on an N-row orders CSV, UTF-8 and CP932, next to DuckDB's bare `read_csv`); alone:
`python -m bench import --rows N`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/run.py` puts bench/ first, not the project
    sys.path.insert(0, str(ROOT))

SEED = 42
END = dt.date(2026, 11, 20)
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (10_000,)
TREND_MONTHS = 36
EXTRA_ORDERS_TARGET = 10_000_000
CHECK_ALL_SETS_UP_TO = 10_000  # sizes up to this compare every threshold set with pandas


def threshold_sets() -> list:
    """The default thresholds (what the dashboard shows after open) and then 5 slider moves."""
    from segmentation.thresholds import Thresholds

    return [
        Thresholds(),
        Thresholds(min_orders=3),
        Thresholds(min_orders=3, min_tenure_days=180),
        Thresholds(min_orders=3, min_tenure_days=180, lapse_days=90),
        Thresholds(min_orders=8, min_tenure_days=730, lapse_days=365),
        Thresholds(value_axis="amount", min_amount=20_000, min_tenure_days=270, lapse_days=120),
    ]


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    """This process's RSS high-water mark in MB (Linux reports KiB)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024 if sys.platform != "darwin" else kib / 1024 / 1024


# ---------------------------------------------------------------------------------------------
# The trend window


def trend_window(latest: dt.date, months: int = TREND_MONTHS) -> tuple[dt.date, dt.date, list[dt.date]]:
    """The last `months` complete months up to `latest`: (start, end, month ends).

    `start` and `end` are what `tier_counts_over_time` takes; the month still running at
    `latest` is left out, as the engine's `period_range` does.
    """
    from segmentation.engine import period_end, period_index

    end_index = period_index(latest, "month")
    if period_end(end_index, "month") > latest:
        end_index -= 1
    start_index = end_index - months + 1
    start = period_end(start_index - 1, "month") + dt.timedelta(days=1)
    return start, latest, [period_end(i, "month") for i in range(start_index, end_index + 1)]


def _counts_records(frame) -> list[list]:
    """A counts frame (period_end, tier, lapsed, customers) as JSON-able rows."""
    out = []
    for period, tier, lapsed, n in frame[["period_end", "tier", "lapsed", "customers"]].itertuples(index=False):
        out.append([str(period), str(tier), None if lapsed is None else bool(lapsed), int(n)])
    return out


def _current_records(frame, day: dt.date) -> list[list]:
    return [[str(day), str(t), None if s is None else bool(s), int(n)]
            for t, s, n in frame[["tier", "lapsed", "customers"]].itertuples(index=False)]


# ---------------------------------------------------------------------------------------------
# Workers (each runs in its own process when called from `main`)


def engine_measure(db: str | Path, changes: int = 5, keep_counts: bool = True, rounds: int = 1) -> dict[str, Any]:
    """Cold start, first trend, threshold changes and peak RSS of the engine on one database.

    Does what the dashboard's slider path does: open, then for each threshold set the current
    counts and the 36-month trend. "threshold change" is the median of `changes` x `rounds`
    timings (several rounds damp the noise of a shared machine), also split by value axis.
    `peak_rss_mb` is the high-water mark after open + slider path; then the first
    `ensure_activity("month")` is timed and `peak_rss_with_activity_mb` read.
    """
    load_start = os.getloadavg()[0]
    rss_start = peak_rss_mb()
    engine_sha = _fingerprint(*MEASURED_FILES)
    from segmentation.engine import Analysis, tier_counts, tier_counts_over_time

    rss_imports = peak_rss_mb()
    started = time.perf_counter()
    analysis = Analysis.open(db, cache=False)  # the build itself (a restart loads the kept copy)
    cold = time.perf_counter() - started
    rss_open = peak_rss_mb()
    try:
        start, end, ends = trend_window(analysis.default_as_of())
        sets = threshold_sets()[: changes + 1]
        # The default thresholds first (the dashboard after open), then `rounds` passes over the
        # other sets: every pass changes the thresholds `changes` times.
        sequence = [(0, sets[0])] + [(k, sets[k]) for _ in range(rounds) for k in range(1, len(sets))]
        timings, parts, counts = [], [], {}
        for k, thresholds in sequence:
            started = time.perf_counter()
            current = tier_counts(analysis, thresholds)
            middle = time.perf_counter()
            trend = tier_counts_over_time(analysis, thresholds, freq="month", start=start, end=end)
            finished = time.perf_counter()
            timings.append(finished - started)
            parts.append((middle - started, finished - middle))
            if keep_counts and k not in counts:
                counts[k] = {"current": _current_records(current, end), "trend": _counts_records(trend)}
        periods = int(trend["period_end"].nunique())
        # The high-water mark of open + slider path, before anything else is built.
        rss_slider = peak_rss_mb()
        # What the trends page pays once: the activity tables (revenue and movements).
        started = time.perf_counter()
        analysis.ensure("act_month")
        activity = time.perf_counter() - started
        rss_activity = peak_rss_mb()
        axes = [thresholds.value_axis for _, thresholds in sequence[1:]]
        result = {
            "customers": analysis.customer_count,
            "orders": analysis.order_count,
            "earliest": str(analysis.earliest_order_date),
            "latest": str(analysis.latest_order_date),
            "trend_start": str(start),
            "trend_end": str(end),
            "periods": periods,
            "cold_start_s": cold,
            "first_trend_s": timings[0],
            "change_s": timings[1:],
            "change_rounds": rounds,
            "change_current_s": [p[0] for p in parts[1:]],
            "change_trend_s": [p[1] for p in parts[1:]],
            "change_median_s": statistics.median(timings[1:]) if len(timings) > 1 else None,
            "change_axes": axes,
            "change_median_orders_s": _median([t for t, a in zip(timings[1:], axes) if a == "orders"]),
            "change_median_amount_s": _median([t for t, a in zip(timings[1:], axes) if a == "amount"]),
            "ensure_activity_s": activity,
            "rss_start_mb": rss_start,
            "rss_imports_mb": rss_imports,
            "rss_after_open_mb": rss_open,
            "peak_rss_mb": rss_slider,
            "peak_rss_with_activity_mb": rss_activity,
            "engine_sha": engine_sha,
        }
    finally:
        analysis.close()
    result["loadavg_1min"] = [load_start, os.getloadavg()[0]]
    if keep_counts:
        result["counts"] = [counts[k] for k in sorted(counts)]
    return result


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def pandas_measure(db: str | Path, check_sets: int = 1) -> dict[str, Any]:
    """The pandas baseline on one database: load time, then the timed current counts + 36-month
    trend with the default thresholds; then (untimed) the counts of the other threshold sets
    up to `check_sets`, for the comparison with the engine."""
    from bench import pandas_baseline as pb

    load_start = os.getloadavg()[0]
    tables = pb.load(db)
    latest = tables.orders["order_date"].max().date()
    start, end, ends = trend_window(latest)
    sets = threshold_sets()[: max(1, check_sets)]
    counts, timings = [], []
    for thresholds in sets:
        started = time.perf_counter()
        current = pb.counts_at(tables, thresholds, end)
        trend = pb.counts_over_time(tables, thresholds, ends)
        timings.append(time.perf_counter() - started)
        counts.append({
            "current": [[str(end), t, s, n] for (t, s), n in current.items()],
            "trend": _counts_records(trend),
        })
    return {
        "customers": len(tables.customers),
        "order_lines": len(tables.orders),
        "load_s": tables.load_seconds,
        "baseline_s": timings[0],
        "all_s": timings,
        "peak_rss_mb": peak_rss_mb(),
        "loadavg_1min": [load_start, os.getloadavg()[0]],
        "counts": counts,
    }


class _TimedConnection:
    """A DuckDB connection (or cursor) that times every `execute`, for `profile_open`."""

    def __init__(self, con, steps: list[tuple[str, float, float, float]]):
        self._con = con
        self._steps = steps

    def execute(self, sql, *args, **kwargs):
        started = time.perf_counter()
        result = self._con.execute(sql, *args, **kwargs)
        seconds = time.perf_counter() - started
        rss, hwm = _rss_now_mb()
        self._steps.append((_statement_label(sql), seconds, rss, hwm))
        return result

    def cursor(self):
        return _TimedConnection(self._con.cursor(), self._steps)

    def __getattr__(self, name):
        return getattr(self._con, name)


def _rss_now_mb() -> tuple[float, float]:
    """(current RSS, RSS high-water mark) of this process in MB, from /proc (Linux); else (0, peak)."""
    try:
        fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):
        return 0.0, peak_rss_mb()


def _statement_label(sql: str) -> str:
    code = [line.strip() for line in str(sql).splitlines() if line.strip() and not line.strip().startswith("--")]
    return " ".join(" ".join(code).split())[:70] or "(comment only)"


def profile_open(db: str | Path) -> dict[str, Any]:
    """Time each SQL statement `Analysis.open` runs (its build and the month tables).

    `duckdb.connect` is wrapped so every `execute` on the analysis connection and its cursors
    is timed, whatever shape the engine's build has; run in its own process.
    """
    import duckdb

    from segmentation.engine import Analysis

    steps: list[tuple[str, float, float, float]] = []
    real_connect = duckdb.connect

    def timed_connect(*args, **kwargs):
        return _TimedConnection(real_connect(*args, **kwargs), steps)

    duckdb.connect = timed_connect
    try:
        started = time.perf_counter()
        analysis = Analysis.open(db, cache=False)  # the build's statements, not a load of the kept copy
        total = time.perf_counter() - started
        open_steps = list(steps)  # what follows is not part of the open
        rss_open = peak_rss_mb()
    finally:
        duckdb.connect = real_connect
    try:
        tables = analysis.fetchall("SELECT table_name, estimated_size FROM duckdb_tables() ORDER BY table_name")
        # The first ensure_activity("month") (what the trends page pays once), on the same
        # timed connection: its statements are those recorded from here on.
        mark = len(steps)
        started = time.perf_counter()
        analysis.ensure("act_month")
        activity = time.perf_counter() - started
        activity_steps = steps[mark:]
    finally:
        analysis.close()
    return {"steps": open_steps, "open_s": total, "rows": {name: size for name, size in tables},
            "peak_rss_open_mb": rss_open, "activity_steps": activity_steps, "activity_s": activity,
            "peak_rss_mb": peak_rss_mb()}


def build_db(path: str | Path, customers: int) -> dict[str, Any]:
    """Build one demo database at `path` (must not exist) and say how long it took."""
    from segmentation.demo import build_demo_database

    started = time.perf_counter()
    counts = build_demo_database(path, customers=customers, seed=SEED, end=END)
    return {"customers": counts.customers, "orders": counts.orders, "contacts": counts.contacts,
            "build_s": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb()}


def _worker(args: argparse.Namespace) -> int:
    if args.worker == "engine":
        result = engine_measure(args.db, changes=args.changes, keep_counts=not args.no_counts, rounds=args.rounds)
    elif args.worker == "pandas":
        result = pandas_measure(args.db, check_sets=args.check_sets)
    elif args.worker == "profile":
        result = profile_open(args.db)
    elif args.worker == "build":
        result = build_db(args.db, args.customers)
    else:
        raise SystemExit(f"unknown worker {args.worker!r}")
    print(json.dumps(result))
    return 0


def _spawn(*worker_args: str) -> dict[str, Any]:
    """Run `python -m bench.run --worker ...` in a fresh process; its last stdout line is JSON."""
    return _spawn_module("bench.run", *worker_args)


def _spawn_module(module: str, *worker_args: str) -> dict[str, Any]:
    """Run `python -m <module> --worker ...` in a fresh process; its last stdout line is JSON."""
    command = [sys.executable, "-m", module, "--worker", *worker_args]
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"worker {' '.join(worker_args)} failed with exit code {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# Databases


def _fingerprint(*names: str) -> str:
    """A short hash of source files of the package."""
    digest = hashlib.sha256()
    for name in names:
        digest.update((ROOT / "segmentation" / name).read_bytes())
    return digest.hexdigest()[:12]


#: The package files the measured code paths run (a change to another file does not matter here).
MEASURED_FILES = ("engine.py", "analysis.py", "periods.py", "period_tables.py", "rules.py", "at_date.py",
                  "over_time.py", "customers.py", "filters.py", "schema.py", "thresholds.py", "scope.py", "tiers.py")
#: The demo generator's files.
DEMO_FILES = ("demo.py", "demo_orders.py", "demo_pools.py", "demo_arrays.py")


def _demo_fingerprint() -> str:
    """A hash of the generator: a database built by another version of it is rebuilt."""
    return _fingerprint(*DEMO_FILES)


def code_versions() -> dict[str, Any]:
    """What was measured: the git commit, uncommitted changes to the package, and file hashes."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    app = hashlib.sha256()
    for path in sorted([ROOT / "app.py", *(ROOT / "dashboard").glob("*.py"), *(ROOT / "pages").glob("*.py")]):
        app.update(path.name.encode() + path.read_bytes())
    return {
        "git_head": git("rev-parse", "--short", "HEAD"),
        "segmentation_changes": git("status", "--porcelain", "--", "segmentation").splitlines(),
        "app_changes": git("status", "--porcelain", "--", "app.py", "dashboard", "pages").splitlines(),
        **{name: _fingerprint(name) for name in MEASURED_FILES},
        "app": app.hexdigest()[:12],  # app.py, dashboard/ and pages/ (what --browser and --pages run)
    }


def ensure_db(out: Path, customers: int, rebuild: bool = False) -> tuple[Path, dict[str, Any]]:
    """The demo database of this size under `out`, built in a subprocess unless a matching one exists."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"demo_{customers}_seed{SEED}_{END:%Y%m%d}.duckdb"
    meta_path = path.with_suffix(".json")
    fingerprint = _demo_fingerprint()
    if not rebuild and path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("demo_fingerprint") == fingerprint:
            _log(f"reusing {path.name} ({meta['orders']:,} order rows)")
            return path, {**meta, "reused": True}
        _log(f"{path.name} was built by another version of demo.py: rebuilding")
    for stale in (path, path.with_name(path.name + ".wal"), meta_path):
        stale.unlink(missing_ok=True)
    partial = path.with_name(path.name + ".partial")
    for stale in (partial, partial.with_name(partial.name + ".wal")):
        stale.unlink(missing_ok=True)
    _log(f"building {customers:,} demo customers -> {path.name}")
    meta = _spawn("build", "--db", str(partial), "--customers", str(customers))
    partial.rename(path)
    meta = {**meta, "seed": SEED, "end": str(END), "demo_fingerprint": fingerprint}
    meta_path.write_text(json.dumps(meta, indent=2))
    _log(f"built in {meta['build_s']:.1f} s: {meta['orders']:,} order rows, peak {meta['peak_rss_mb']:.0f} MB")
    return path, {**meta, "reused": False}


def extra_customers(builds: list[dict[str, Any]], out: Path) -> int:
    """Customers for about `EXTRA_ORDERS_TARGET` orders (rounded to 10,000), from the orders per
    customer of the largest database measured in this run, else of the largest one under `out`
    built by the current demo.py (the generator's mix does not depend on the size)."""
    candidates = list(builds)
    if not candidates:
        fingerprint = _demo_fingerprint()
        for meta_path in out.glob(f"demo_*_seed{SEED}_{END:%Y%m%d}.json"):
            meta = json.loads(meta_path.read_text())
            if meta.get("demo_fingerprint") == fingerprint:
                candidates.append(meta)
    best = max(candidates, key=lambda meta: meta["customers"], default=None)
    ratio = best["orders"] / best["customers"] if best else 3.2
    return int(round(EXTRA_ORDERS_TARGET / ratio, -4))


# ---------------------------------------------------------------------------------------------
# Comparison and report


def compare_counts(engine: list[dict], pandas: list[dict]) -> list[str]:
    """Differences between the engine's and the baseline's counts, per threshold set."""
    problems = []
    for index, (e, p) in enumerate(zip(engine, pandas)):
        for part in ("current", "trend"):
            mine = {(d, t, s): n for d, t, s, n in e[part]}
            theirs = {(d, t, s): n for d, t, s, n in p[part]}
            for key in sorted(set(mine) | set(theirs), key=str):
                if mine.get(key) != theirs.get(key):
                    problems.append(f"set {index} {part} {key}: engine {mine.get(key)} pandas {theirs.get(key)}")
    return problems


def _s(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


ENGINE_KEYS = ("cold_start_s", "first_trend_s", "change_median_s", "change_median_orders_s",
               "change_median_amount_s", "ensure_activity_s", "peak_rss_mb", "peak_rss_with_activity_mb")
PANDAS_KEYS = ("load_s", "baseline_s", "peak_rss_mb")


def summarise(runs: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, Any]:
    """Several runs of one worker as one: the first run's fields, with each of `keys` replaced by
    the median over the runs; `best`/`worst` hold the minimum/maximum, `runs` every run."""
    summary = dict(runs[0])
    summary["runs"] = runs
    summary["best"], summary["worst"] = {}, {}
    for key in keys:
        values = [run[key] for run in runs if run.get(key) is not None]
        if values:
            summary[key] = statistics.median(values)
            summary["best"][key], summary["worst"][key] = min(values), max(values)
    return summary


def _ratio(row: dict[str, Any]) -> float | None:
    engine, pandas = row["engine"], row.get("pandas")
    return pandas["baseline_s"] / engine["change_median_s"] if pandas and engine.get("change_median_s") else None


def _loads(row: dict[str, Any]) -> str:
    runs = list(row["engine"].get("runs", [row["engine"]]))
    if row.get("pandas"):
        runs += row["pandas"].get("runs", [row["pandas"]])
    values = [v for run in runs for v in run.get("loadavg_1min", [])]
    return f"{min(values):.1f}–{max(values):.1f}" if values else "—"


def format_table(rows: list[dict[str, Any]]) -> str:
    """The results table; with repeated runs every figure is the median over the runs."""
    header = [
        "customers", "orders", "runs", "cold start (s)", "first trend (s)", "threshold change (s, median)",
        "… orders axis (s)", "… amount axis (s)", "first ensure_activity(\"month\") (s)",
        "engine peak RSS: open + slider path (MB)", "… + ensure_activity (MB)",
        "pandas load (s)", "pandas baseline (s)", "baseline / change", "pandas peak RSS (MB)", "counts match",
        "load average (1 min)",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" for _ in header[:-2]) + "|:---|:---|"]
    for row in rows:
        engine, pandas = row["engine"], row.get("pandas")
        ratio = _ratio(row)
        cells = [
            f"{engine['customers']:,}" + (" (extra)" if row.get("extra") else ""),
            f"{engine['orders']:,}",
            str(len(engine.get("runs", [engine]))),
            _s(engine["cold_start_s"]),
            _s(engine["first_trend_s"]),
            _s(engine["change_median_s"]),
            _s(engine.get("change_median_orders_s")),
            _s(engine.get("change_median_amount_s")),
            _s(engine.get("ensure_activity_s")),
            f"{engine['peak_rss_mb']:,.0f}",
            f"{engine['peak_rss_with_activity_mb']:,.0f}" if engine.get("peak_rss_with_activity_mb") else "—",
            _s(pandas["load_s"]) if pandas else "—",
            _s(pandas["baseline_s"]) if pandas else "—",
            f"{ratio:,.0f}×" if ratio else "—",
            f"{pandas['peak_rss_mb']:,.0f}" if pandas else "—",
            row.get("match", "—"),
            _loads(row),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_spread(rows: list[dict[str, Any]]) -> str:
    """Best, median and worst of every timing over the repeated runs (sizes run more than once)."""
    labels = [("cold_start_s", "cold start (s)"), ("first_trend_s", "first trend (s)"),
              ("change_median_s", "threshold change, median (s)"),
              ("change_median_orders_s", "… orders axis (s)"), ("change_median_amount_s", "… amount axis (s)"),
              ("ensure_activity_s", "first ensure_activity(\"month\") (s)"),
              ("peak_rss_mb", "engine peak RSS, open + slider path (MB)"),
              ("peak_rss_with_activity_mb", "… + ensure_activity (MB)")]
    out = []
    for row in rows:
        engine, pandas = row["engine"], row.get("pandas")
        runs = engine.get("runs", [])
        if len(runs) < 2:
            continue
        name = f"{engine['customers']:,} customers / {engine['orders']:,} orders"
        name += " (extra)" if row.get("extra") else ""
        out.append(f"\n{name}, {len(runs)} runs (each in a fresh process):\n")
        out.append("| | best | median | worst | every run |\n|:---|---:|---:|---:|:---|")
        for key, label in labels:
            if key not in engine["best"]:
                continue
            fmt = (lambda v: f"{v:,.0f}") if key.startswith("peak") else _s
            every = ", ".join(fmt(run[key]) for run in runs if run.get(key) is not None)
            out.append(f"| {label} | {fmt(engine['best'][key])} | {fmt(engine[key])} | "
                       f"{fmt(engine['worst'][key])} | {every} |")
        if pandas and len(pandas.get("runs", [])) > 1:
            every = ", ".join(_s(run["baseline_s"]) for run in pandas["runs"])
            out.append(f"| pandas baseline (s) | {_s(pandas['best']['baseline_s'])} | {_s(pandas['baseline_s'])} | "
                       f"{_s(pandas['worst']['baseline_s'])} | {every} |")
            ratios = sorted(p["baseline_s"] / e["change_median_s"] for e, p in zip(runs, pandas["runs"]))
            out.append(f"| baseline / change, per run pair | {ratios[-1]:,.0f}× | "
                       f"{statistics.median(ratios):,.0f}× | "
                       f"{ratios[0]:,.0f}× | {', '.join(f'{r:,.0f}×' for r in ratios)} |")
        loads = "; ".join(f"{run['loadavg_1min'][0]:.1f}→{run['loadavg_1min'][1]:.1f}" for run in runs)
        out.append(f"| load average (1 min) at start → end of each engine run | | | | {loads} |")
    return "\n".join(out)


def wait_for_quiet(max_load: float | None, max_wait: float) -> float:
    """Wait (up to `max_wait` s) until the 1-minute load average is below `max_load`; return it."""
    load = os.getloadavg()[0]
    if not max_load or load < max_load:
        return load
    _log(f"load average {load:.2f} >= {max_load}: waiting up to {max_wait:.0f} s for a quieter moment")
    deadline = time.monotonic() + max_wait
    while load >= max_load and time.monotonic() < deadline:
        time.sleep(5)
        load = os.getloadavg()[0]
    _log(f"load average now {load:.2f}" + ("" if load < max_load else " (measuring anyway)"))
    return load


def format_profile(profiles: list[tuple[int, dict[str, Any]]]) -> str:
    out = []
    for customers, profile in profiles:
        out.append(f"\nCold start breakdown, {customers:,} customers (every SQL statement Analysis.open runs):\n")
        if "error" in profile:
            out.append(f"profiling failed: {profile['error']}")
            continue
        total = profile["open_s"]
        out.append("| statement | seconds | share of open | RSS after (MB) | peak RSS so far (MB) |\n"
                   "|:---|---:|---:|---:|---:|")
        for label, seconds, rss, hwm in profile["steps"]:
            if seconds >= 0.0005:
                out.append(f"| `{label}` | {seconds:.3f} | {seconds / total:.0%} | {rss:,.0f} | {hwm:,.0f} |")
        rest = total - sum(step[1] for step in profile["steps"] if step[1] >= 0.0005)
        out.append(f"| (other statements, each under 0.5 ms, and Python) | {rest:.3f} | {rest / total:.0%} | | |")
        out.append(f"| **Analysis.open total** | **{total:.3f}** | | | |")
        if "activity_s" in profile:
            for label, seconds, rss, hwm in profile["activity_steps"]:
                if seconds >= 0.0005:
                    out.append(f"| then `ensure_activity(\"month\")`: `{label}` | {seconds:.3f} | | "
                               f"{rss:,.0f} | {hwm:,.0f} |")
            out.append("| **first ensure_activity(\"month\") total** (not part of the open) | "
                       f"**{profile['activity_s']:.3f}** | | | |")
        out.append("\nTables after open (estimated rows): "
                   + ", ".join(f"{k} {v:,}" for k, v in profile["rows"].items()))
    return "\n".join(out)


def measure_size(db: Path, customers: int, with_pandas: bool = True, changes: int = 5, rounds: int = 3,
                 repeat: int = 1, max_load: float | None = None, max_wait: float = 0) -> dict[str, Any]:
    """One table row: `repeat` runs of the engine and (optionally) the pandas worker, each in a
    fresh process, each started at a quiet moment when `max_load` is given."""
    check_sets = changes + 1 if customers <= CHECK_ALL_SETS_UP_TO else 1
    engines, pandases = [], []
    for run in range(repeat):
        wait_for_quiet(max_load, max_wait)
        _log(f"engine: {db.name} (run {run + 1}/{repeat})")
        engine = _spawn("engine", "--db", str(db), "--changes", str(changes), "--rounds", str(rounds))
        _log(f"engine: cold start {engine['cold_start_s']:.2f} s, first trend {engine['first_trend_s']:.3f} s, "
             f"change median {engine['change_median_s']:.3f} s, ensure_activity {engine['ensure_activity_s']:.2f} s, "
             f"peak {engine['peak_rss_mb']:.0f} MB (+activity {engine['peak_rss_with_activity_mb']:.0f} MB), "
             f"load average {engine['loadavg_1min'][0]:.1f} -> {engine['loadavg_1min'][1]:.1f}")
        engines.append(engine)
        if with_pandas:
            wait_for_quiet(max_load, max_wait)
            _log(f"pandas baseline: {db.name} (checking {check_sets} threshold set(s); run {run + 1}/{repeat})")
            pandas = _spawn("pandas", "--db", str(db), "--check-sets", str(check_sets))
            _log(f"pandas: load {pandas['load_s']:.2f} s, baseline {pandas['baseline_s']:.2f} s, "
                 f"peak {pandas['peak_rss_mb']:.0f} MB, "
                 f"load average {pandas['loadavg_1min'][0]:.1f} -> {pandas['loadavg_1min'][1]:.1f}")
            pandases.append(pandas)
    row: dict[str, Any] = {}
    if pandases:
        problems = []
        for engine, pandas in zip(engines, pandases):
            problems += compare_counts(engine["counts"], pandas["counts"])
        row["problems"] = problems
        row["match"] = f"yes ({check_sets} set{'s' if check_sets > 1 else ''})" if not problems else \
            f"**NO: {len(problems)} differences**"
        for problem in problems[:20]:
            _log(f"MISMATCH {problem}")
    for engine in engines:
        if engine.get("periods") != TREND_MONTHS:
            _log(f"warning: the trend has {engine.get('periods')} periods, not {TREND_MONTHS}")
        engine.pop("counts", None)
    for pandas in pandases:
        pandas.pop("counts", None)
    row["engine"] = summarise(engines, ENGINE_KEYS)
    if pandases:
        row["pandas"] = summarise(pandases, PANDAS_KEYS)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES),
                        help="customers per demo database, comma separated (default %(default)s)")
    parser.add_argument("--quick", action="store_true", help="10,000 customers only (a smoke test)")
    parser.add_argument("--extra-orders-db", action="store_true",
                        help=f"also measure cold start and peak memory on ~{EXTRA_ORDERS_TARGET:,} orders")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"), help="where the databases go")
    parser.add_argument("--rebuild", action="store_true", help="build the databases even when they exist")
    parser.add_argument("--changes", type=int, default=5, help="threshold changes to time (default 5)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="passes over the threshold changes; the median is over changes x rounds (default 3)")
    parser.add_argument("--profile", action="store_true",
                        help="also time each statement of Analysis.open (separate process per size)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of every engine and pandas measurement, each in a fresh process; the table "
                             "shows the median, a second table best/median/worst (default %(default)s)")
    parser.add_argument("--pages", action="store_true",
                        help="also time the dashboard pages' engine calls after a slider move "
                             "(bench/app_latency.py, on the largest size; --repeat runs)")
    parser.add_argument("--browser", action="store_true",
                        help="also move a slider in the real app with headless Chromium (bench/app_latency.py, "
                             "largest size, once)")
    parser.add_argument("--import-rows", type=int, default=None,
                        help="also run the import benchmark (bench/import_speed.py) on an orders CSV of this many "
                             "rows; alone: python -m bench import --rows N")
    parser.add_argument("--max-load", type=float, default=None,
                        help="before each measurement wait until the 1-minute load average is below this")
    parser.add_argument("--max-wait", type=float, default=120,
                        help="longest wait for --max-load, in seconds (default %(default)s); then measure anyway")
    parser.add_argument("--json", help="also write every measurement to this JSON file")
    # Worker mode (internal).
    parser.add_argument("--worker", choices=("engine", "pandas", "profile", "build"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--customers", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--check-sets", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--no-counts", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return _worker(args)
    if not 1 <= args.changes <= len(threshold_sets()) - 1:
        parser.error(f"--changes must be between 1 and {len(threshold_sets()) - 1}")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    quiet = {"max_load": args.max_load, "max_wait": args.max_wait}

    versions_before = code_versions()
    _log(f"code: {versions_before}")
    sizes = list(QUICK_SIZES) if args.quick else [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    out = Path(args.out)
    rows, profiles, builds = [], [], []
    pages, browser, imported = [], None, None
    failure = None
    started_at = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    load_at_start = os.getloadavg()
    try:
        for customers in sizes:
            db, meta = ensure_db(out, customers, args.rebuild)
            builds.append(meta)
            rows.append(measure_size(db, customers, with_pandas=True, changes=args.changes, rounds=args.rounds,
                                     repeat=args.repeat, **quiet))
            if args.profile:
                wait_for_quiet(**quiet)
                profiles.append((customers, _spawn("profile", "--db", str(db))))
        if (args.pages or args.browser) and sizes:
            db = ensure_db(out, max(sizes))[0]
            for run in range(args.repeat if args.pages else 0):
                wait_for_quiet(**quiet)
                _log(f"dashboard pages' engine calls: {db.name} (run {run + 1}/{args.repeat})")
                pages.append(_spawn_module("bench.app_latency", "pages", "--db", str(db), "--rounds", str(args.rounds)))
                _log(f"overview sum per move {pages[-1]['pages']['overview']['sum_median_s']:.3f} s, "
                     f"trends {pages[-1]['pages']['trends']['sum_median_s']:.3f} s")
            if args.browser:
                wait_for_quiet(**quiet)
                _log(f"the real app in headless Chromium: {db.name}")
                try:
                    browser = _spawn_module("bench.app_latency", "browser", "--db", str(db))
                except RuntimeError as error:  # Chromium or Playwright missing: say so, keep the rest
                    browser = {"error": str(error)}
        if args.import_rows:
            from bench import import_speed

            _log(f"import benchmark: {args.import_rows:,} rows")
            imported = import_speed.run_all(args.import_rows, out / "import", profile=args.profile,
                                            max_load=args.max_load, max_wait=args.max_wait)
        if args.extra_orders_db:
            from segmentation.demo import MAX_CUSTOMERS

            customers = extra_customers(builds, out)
            if customers > MAX_CUSTOMERS:
                _log(f"demo.py makes at most {MAX_CUSTOMERS:,} customers; ~{EXTRA_ORDERS_TARGET:,} orders need "
                     f"{customers:,}: skipping the extra database")
            else:
                _log(f"extra database: {customers:,} customers for ~{EXTRA_ORDERS_TARGET:,} orders")
                db, meta = ensure_db(out, customers, args.rebuild)
                builds.append(meta)
                row = measure_size(db, customers, with_pandas=False, changes=args.changes, rounds=args.rounds,
                                   repeat=args.repeat, **quiet)
                row["extra"] = True
                rows.append(row)
                if args.profile:
                    wait_for_quiet(**quiet)
                    profiles.append((customers, _spawn("profile", "--db", str(db))))
    except Exception as error:  # noqa: BLE001 - report what was measured before the failure
        failure = f"{type(error).__name__}: {error}"
        _log(f"FAILED: {failure}; the table below has only the rows measured before it")

    versions_after = code_versions()
    engine_shas = {run.get("engine_sha") for row in rows for run in row["engine"].get("runs", [row["engine"]])}
    changed = [name for name in (*MEASURED_FILES, "app") if versions_before[name] != versions_after[name]]
    if changed or len(engine_shas) > 1:
        _log(f"WARNING: {', '.join(changed) or 'engine.py'} changed during the run; the rows may measure "
             f"different code (engine.py hash per row: {sorted(engine_shas)})")
    load_at_end = os.getloadavg()
    print(f"Measured {started_at} to {time.strftime('%H:%M:%S %Z')}; load average (1, 5, 15 min) "
          f"{', '.join(f'{v:.2f}' for v in load_at_start)} at the start, "
          f"{', '.join(f'{v:.2f}' for v in load_at_end)} at the end.\n")
    print(format_table(rows))
    spread = format_spread(rows)
    if spread:
        print(spread)
    if profiles:
        print(format_profile(profiles))
    if imported:
        from bench.import_speed import format_report

        print("\nImport of an orders CSV (bench/import_speed.py):\n")
        print(format_report(imported, f"python -m bench import --rows {args.import_rows}"
                                      + (" --profile" if args.profile else "")))
    if pages or browser:
        from bench.app_latency import format_browser, format_pages

        if pages:
            print(format_pages(pages))
        if browser:
            print(format_browser(browser))
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "profiles": profiles, "builds": builds,
                                               "pages": pages, "browser": browser, "import": imported,
                                               "started_at": started_at, "load_at_start": load_at_start,
                                               "load_at_end": load_at_end,
                                               "versions_before": versions_before, "versions_after": versions_after,
                                               "failure": failure}, indent=2,
                                              default=str))
    if failure:
        print(f"\nThe benchmark stopped early: {failure}", file=sys.stderr)
        return 2
    mismatches = [row for row in rows if row.get("problems")]
    if mismatches:
        print("\nThe engine and the pandas baseline disagree; see the MISMATCH lines above.", file=sys.stderr)
        return 1
    if imported and imported["problems"]:
        print("\nThe import benchmark found problems: " + "; ".join(imported["problems"]), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
