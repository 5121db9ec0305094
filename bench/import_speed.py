"""How fast `segmentation.importer.import_files` reads a large orders CSV, next to DuckDB's bare
`read_csv` of the same file in the same run: `python -m bench import --rows 10000000`.

The files (under `--out`, default `bench/out/import/`, gitignored) are made by DuckDB's COPY
and reused while the generator and the row count are the same:

- `orders_<rows>_utf8.csv`: UTF-8 without a byte-order mark, headers 顧客ID,受注日,金額,受注番号;
  `customer_id` is 8 digits with leading zeros over about 1,000,000 customers; `order_date`
  runs over five years (2021-11-21 to 2026-11-20) in file order, 70% written `2024/3/5`, 30% ISO;
  `amount` is an integer from 300 to 60,000 yen, every fifth one written `"1,234"`; `order_id`
  is unique (`ORD0000000001`, ...).
- `orders_<rows>_cp932.csv`: the same text in CP932 (Shift_JIS), transcoded in a stream with
  Python's codecs.

Each measurement runs in a fresh subprocess (so its peak RSS is its own: the process's
`ru_maxrss`, read at the end), with every DuckDB connection limited to `--threads` (default 2)
by wrapping `duckdb.connect` in that process; the importer opens its own connection with
`duckdb.connect()` and has no setting for threads, so this is the only way in. When the
machine has more CPUs than `--threads`, the process is also pinned to that many
(`os.sched_setaffinity`), so Python's share runs on the same cores.

1. bare: `CREATE TABLE t AS SELECT * FROM read_csv(file, all_varchar = true)` into a new
   database file (the UTF-8 file; DuckDB cannot read CP932 without the `encodings` extension);
2. import: `import_files(new_db, orders=file)` for the UTF-8 file, then the same again into the
   filled database (a re-import: nothing new);
3. the same for the CP932 file.

The imported databases are compared (rows, amounts, dates, customers): both encodings must give
the same orders. `--profile` adds instrumented runs, each in its own process (a first import of
each file, and a re-import of the UTF-8 file): the importer's Python steps and every SQL
statement timed, with RSS after each (the timings of the headline rows come from uninstrumented
runs). `--max-load` waits for a quiet machine before each measurement.
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.run import _fingerprint, _log, _rss_now_mb, _statement_label, peak_rss_mb, wait_for_quiet  # noqa: E402

HEADERS = ("顧客ID", "受注日", "金額", "受注番号")
CUSTOMERS = 1_000_000
FIRST_DAY, DAYS = "2021-11-21", 1826  # five years up to 2026-11-20
TARGET_ROWS_PER_S = 500_000
TARGET_PEAK_BYTES = 2_000_000_000
GENERATOR_VERSION = 1  # bump when the files' content changes, so old files are remade
#: The package files an import runs.
IMPORT_FILES = ("importer.py", "sources.py", "import_read.py", "import_write.py", "values.py", "mapping.py",
                "import_report.py", "schema.py", "shop_orders.py", "platform_spec.py", "platforms.py")


# ---------------------------------------------------------------------------------------------
# The files


def generate_utf8(path: Path, rows: int) -> None:
    """The UTF-8 orders file, written by DuckDB's COPY (see the module docstring)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"""
        COPY (
            SELECT lpad(CAST(1 + hash(i, 1) % {CUSTOMERS} AS VARCHAR), 8, '0') AS "{HEADERS[0]}",
                   CASE WHEN i % 10 < 7 THEN strftime(d, '%Y/%-m/%-d') ELSE strftime(d, '%Y-%m-%d') END
                       AS "{HEADERS[1]}",
                   CASE WHEN i % 5 = 0 THEN format('{{:,}}', amount) ELSE CAST(amount AS VARCHAR) END
                       AS "{HEADERS[2]}",
                   'ORD' || lpad(CAST(i AS VARCHAR), 10, '0') AS "{HEADERS[3]}"
            FROM (
                SELECT i,
                       DATE '{FIRST_DAY}' + CAST((i - 1) * {DAYS} // {rows} AS INTEGER) AS d,
                       CAST(round(300 * exp(ln(200) * (hash(i, 2) % 1000000) / 1000000.0), -1) AS BIGINT) AS amount
                FROM range(1, {rows} + 1) AS r(i)
            )
            ORDER BY i
        ) TO '{path}' (HEADER true, DELIMITER ',')
        """)
    finally:
        con.close()


def transcode(source: Path, target: Path, encoding: str, chunk: int = 4 * 1024 * 1024) -> None:
    """`source` (UTF-8) rewritten in `encoding`, a few MB at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    encoder = codecs.getincrementalencoder(encoding)()
    with source.open("rb") as raw, target.open("wb") as out:
        while block := raw.read(chunk):
            out.write(encoder.encode(decoder.decode(block)))
        out.write(encoder.encode(decoder.decode(b"", final=True), final=True))


def ensure_files(out: Path, rows: int, rebuild: bool = False) -> dict[str, Any]:
    """The two orders files of `rows` rows under `out`, made unless matching ones exist."""
    out.mkdir(parents=True, exist_ok=True)
    utf8, cp932 = out / f"orders_{rows}_utf8.csv", out / f"orders_{rows}_cp932.csv"
    meta_path = out / f"orders_{rows}.json"
    if not rebuild and utf8.exists() and cp932.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("generator") == GENERATOR_VERSION and meta.get("utf8_bytes") == utf8.stat().st_size:
            _log(f"reusing {utf8.name} and {cp932.name}")
            return {**meta, "reused": True}
    started = time.perf_counter()
    _log(f"writing {rows:,} orders -> {utf8.name}")
    generate_utf8(utf8, rows)
    made_utf8 = time.perf_counter() - started
    _log(f"transcoding -> {cp932.name}")
    transcode(utf8, cp932, "cp932")
    meta = {"generator": GENERATOR_VERSION, "rows": rows, "utf8": str(utf8), "cp932": str(cp932),
            "utf8_bytes": utf8.stat().st_size, "cp932_bytes": cp932.stat().st_size,
            "generate_s": made_utf8, "transcode_s": time.perf_counter() - started - made_utf8}
    meta_path.write_text(json.dumps(meta, indent=2))
    _log(f"made in {made_utf8:.1f} s + {meta['transcode_s']:.1f} s: "
         f"{meta['utf8_bytes'] / 1e6:,.0f} MB and {meta['cp932_bytes'] / 1e6:,.0f} MB")
    return {**meta, "reused": False}


# ---------------------------------------------------------------------------------------------
# Worker side: DuckDB limited to the cores measured


def limit_duckdb(threads: int, memory_limit: str | None = None) -> list[dict[str, str]]:
    """Make every `duckdb.connect` of this process use `threads` threads (and `memory_limit`);
    pin the process to `threads` CPUs when it may use more. Returns the settings each new
    connection reported (filled as connections are made)."""
    import duckdb

    if hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) > threads:
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:threads])
    seen: list[dict[str, str]] = []
    real = getattr(duckdb.connect, "__wrapped__", duckdb.connect)

    def connect(*args, **kwargs):
        con = real(*args, **kwargs)
        con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            con.execute("SET memory_limit = $m", {"m": memory_limit})
        if len(seen) < 20:
            row = con.execute("SELECT current_setting('threads'), current_setting('memory_limit')").fetchall()[0]
            seen.append({"threads": str(row[0]), "memory_limit": str(row[1])})
        return con

    connect.__wrapped__ = real  # type: ignore[attr-defined]
    duckdb.connect = connect
    return seen


def bare_measure(csv_path: str, db_path: str, threads: int, memory_limit: str | None = None) -> dict[str, Any]:
    """DuckDB alone: the file into a table of text columns in a new database file."""
    import duckdb

    seen = limit_duckdb(threads, memory_limit)
    rss_ready = peak_rss_mb()
    con = duckdb.connect(db_path)
    try:
        started = time.perf_counter()
        con.execute("CREATE TABLE t AS SELECT * FROM read_csv($p, all_varchar = true)", {"p": csv_path})
        seconds = time.perf_counter() - started
        rows = con.execute("SELECT count(*) FROM t").fetchall()[0][0]
    finally:
        con.close()
    return {"seconds": seconds, "rows": rows, "peak_rss_mb": peak_rss_mb(), "rss_ready_mb": rss_ready,
            "settings": seen[:1], "db_bytes": Path(db_path).stat().st_size}


def import_measure(csv_path: str, db_path: str, threads: int, memory_limit: str | None = None) -> dict[str, Any]:
    """`import_files(db_path, orders=csv_path)`, timed, with what the report says."""
    seen = limit_duckdb(threads, memory_limit)
    from segmentation.importer import import_files

    rss_ready = peak_rss_mb()
    started = time.perf_counter()
    try:
        report = import_files(db_path, orders=csv_path)
    except Exception as error:  # noqa: BLE001 - a failed import is a result, reported as such
        return {"error": f"{type(error).__name__}: {str(error)[:500]}", "seconds": time.perf_counter() - started,
                "peak_rss_mb": peak_rss_mb(), "rss_ready_mb": rss_ready, "settings": seen[:1]}
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": report.rows_read, "orders_added": report.orders_added,
            "orders_present": report.orders_present, "orders_updated": report.orders_updated,
            "customers_created": report.customers_created, "problems": report.problem_count,
            "files": list(getattr(report, "files", ())), "peak_rss_mb": peak_rss_mb(), "rss_ready_mb": rss_ready,
            "settings": seen[:1], "db_bytes": Path(db_path).stat().st_size}


def contents(db_path: str) -> dict[str, Any]:
    """What an imported database holds, to compare the two encodings' imports."""
    import duckdb

    con = duckdb.connect(db_path, read_only=True)
    try:
        orders = con.execute(
            "SELECT count(*), count(DISTINCT order_id), count(DISTINCT customer_id), CAST(sum(amount) AS VARCHAR), "
            "CAST(min(order_date) AS VARCHAR), CAST(max(order_date) AS VARCHAR), "
            "min(customer_id), max(customer_id), "
            "CAST(sum(hash(order_id, customer_id, order_date, amount)) AS VARCHAR) FROM orders").fetchall()[0]
        customers = con.execute("SELECT count(*) FROM customers").fetchall()[0][0]
    finally:
        con.close()
    keys = ("orders", "order_ids", "order_customers", "amount_sum", "first_date", "last_date", "min_customer",
            "max_customer", "rows_checksum")
    return {**dict(zip(keys, orders)), "customers": customers}


# ---------------------------------------------------------------------------------------------
# Worker side: where an import spends its time (--profile)


class _Steps:
    """Nested timings: Python functions wrapped by name, and every SQL statement."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.depth = 0
        self.origin = time.perf_counter()

    def timed(self, label: str, fn: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            index = len(self.events)
            self.events.append({"label": label, "depth": self.depth, "kind": "python",
                                "start": time.perf_counter() - self.origin})
            self.depth += 1
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.depth -= 1
                rss, hwm = _rss_now_mb()
                self.events[index].update(seconds=time.perf_counter() - started, rss_mb=rss, hwm_mb=hwm)

        wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
        return wrapper

    def statement(self, sql: str, seconds: float) -> None:
        rss, hwm = _rss_now_mb()
        self.events.append({"label": _statement_label(sql), "depth": self.depth, "kind": "sql", "seconds": seconds,
                            "start": time.perf_counter() - self.origin - seconds, "rss_mb": rss, "hwm_mb": hwm})


class _TimedCon:
    """A DuckDB connection whose `execute` is recorded in `_Steps`."""

    def __init__(self, con, steps: _Steps):
        self._con, self._steps = con, steps

    def execute(self, sql, *args, **kwargs):
        started = time.perf_counter()
        result = self._con.execute(sql, *args, **kwargs)
        self._steps.statement(str(sql), time.perf_counter() - started)
        return result

    def cursor(self):
        return _TimedCon(self._con.cursor(), self._steps)

    def __getattr__(self, name):
        return getattr(self._con, name)


def instrument(steps: _Steps) -> None:
    """Wrap the importer's steps (module attributes, looked up at call time) and `duckdb.connect`."""
    import duckdb

    from segmentation import import_read, import_write, importer, sources

    wrapped = {
        sources: ("inspect", "detect_encoding", "stage", "_transcoded"),
        import_read: ("raw_table", "typed_table", "no_customer_problems", "parse_dates", "parse_amounts"),
        importer: ("_has_problems", "_plan", "_attach", "_report"),
        import_write: ("key_customers", "consistency_problems", "reject_rows", "plan_orders", "plan_customers",
                       "write_customers", "write_orders"),
    }
    for module, names in wrapped.items():
        for name in names:
            setattr(module, name, steps.timed(f"{module.__name__.split('.')[-1]}.{name}", getattr(module, name)))
    for field, reader in list(import_read.TYPED_READERS.items()):
        import_read.TYPED_READERS[field] = steps.timed(f"import_read.{reader.__name__} ({field})", reader)
    inner = duckdb.connect

    def connect(*args, **kwargs):
        return _TimedCon(inner(*args, **kwargs), steps)

    connect.__wrapped__ = getattr(inner, "__wrapped__", inner)  # type: ignore[attr-defined]
    duckdb.connect = connect


def profile_measure(csv_path: str, db_path: str, threads: int, memory_limit: str | None = None) -> dict[str, Any]:
    """One instrumented import into `db_path`, new or already filled (see `instrument`)."""
    limit_duckdb(threads, memory_limit)
    from segmentation import importer

    steps = _Steps()
    instrument(steps)
    steps.origin = time.perf_counter()
    started = time.perf_counter()
    report = steps.timed("importer.import_files", importer.import_files)(db_path, orders=csv_path)
    return {"seconds": time.perf_counter() - started, "rows": report.rows_read, "events": steps.events,
            "peak_rss_mb": peak_rss_mb()}


def transcode_measure(csv_path: str, encoding: str) -> dict[str, Any]:
    """The CP932 file to UTF-8 by Python's codecs (as `sources` transcodes: 4 MB at a time), by
    iconv, and the bare read of the file's bytes, each into a scratch file."""
    out: dict[str, Any] = {"bytes": Path(csv_path).stat().st_size}
    with tempfile.TemporaryDirectory(prefix="bench-transcode-") as folder:
        target = Path(folder) / "out.csv"
        started = time.perf_counter()
        with open(csv_path, "rb") as raw:
            while raw.read(4 * 1024 * 1024):
                pass
        out["read_s"] = time.perf_counter() - started
        started = time.perf_counter()
        decoder = codecs.getincrementaldecoder(encoding)()
        with open(csv_path, "rb") as raw, target.open("w", encoding="utf-8", newline="") as handle:
            while block := raw.read(4 * 1024 * 1024):
                handle.write(decoder.decode(block))
        out["python_s"] = time.perf_counter() - started
        target.unlink()
        if Path("/usr/bin/iconv").exists():
            started = time.perf_counter()
            with target.open("wb") as handle:
                done = subprocess.run(["/usr/bin/iconv", "-f", encoding.upper(), "-t", "UTF-8", csv_path],
                                      stdout=handle)
            out["iconv_s"] = time.perf_counter() - started if done.returncode == 0 else None
    return out


def _worker(args: argparse.Namespace) -> int:
    if args.worker == "bare":
        result = bare_measure(args.csv, args.db, args.threads, args.memory_limit)
    elif args.worker == "import":
        result = import_measure(args.csv, args.db, args.threads, args.memory_limit)
    elif args.worker == "profile":
        result = profile_measure(args.csv, args.db, args.threads, args.memory_limit)
    elif args.worker == "contents":
        result = contents(args.db)
    elif args.worker == "transcode":
        result = transcode_measure(args.csv, args.encoding)
    else:
        raise SystemExit(f"unknown worker {args.worker!r}")
    result["import_files_sha"] = _fingerprint(*IMPORT_FILES)
    result["loadavg_1min"] = os.getloadavg()[0]
    print(json.dumps(result, default=str))
    return 0


def _spawn(*worker_args: str) -> dict[str, Any]:
    """`python -m bench.import_speed --worker ...` in a fresh process; its last stdout line is JSON."""
    command = [sys.executable, "-m", "bench.import_speed", "--worker", *worker_args]
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        return {"error": f"worker {worker_args[0]} exited with {done.returncode}",
                "process_s": time.perf_counter() - started}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_s"] = time.perf_counter() - started
    return result


# ---------------------------------------------------------------------------------------------
# The parent: runs, comparison and the report


def machine() -> dict[str, Any]:
    """CPUs, memory and versions of what is measured."""
    import duckdb
    import pandas

    info: dict[str, Any] = {"nproc": os.cpu_count(), "python": platform.python_version(),
                            "duckdb": duckdb.__version__, "pandas": pandas.__version__}
    try:
        info["affinity"] = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    try:
        meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
        info["ram_gib"] = int(meminfo["MemTotal"].split()[0]) / 1024 / 1024
        cpu = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
               if line.startswith("model name")]
        info["cpu"] = cpu[0] if cpu else platform.processor()
    except (OSError, KeyError, ValueError):
        pass
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "segmentation"], cwd=ROOT, capture_output=True,
                               text=True)
        info["git_head"] = head.stdout.strip()
        info["segmentation_changes"] = dirty.stdout.strip().splitlines()
    except OSError:
        pass
    info["import_files_sha"] = _fingerprint(*IMPORT_FILES)
    return info


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    good = [run for run in runs if "error" not in run]
    if not good:
        return runs[0] if runs else {"error": "not run"}
    ordered = sorted(good, key=lambda run: run["seconds"])
    median = dict(ordered[len(ordered) // 2])
    median["every_s"] = [run["seconds"] for run in good]
    median["seconds"] = statistics.median(median["every_s"])
    median["every_peak_mb"] = [run["peak_rss_mb"] for run in good]
    median["peak_rss_mb"] = statistics.median(median["every_peak_mb"])
    return median


def run_all(rows: int, out: Path, threads: int = 2, memory_limit: str | None = None, repeat: int = 1,
            profile: bool = False, rebuild: bool = False, keep: bool = False, max_load: float | None = None,
            max_wait: float = 0) -> dict[str, Any]:
    """Every measurement (see the module docstring), each in a fresh process; with `max_load`,
    each starts once the 1-minute load average is below it (waiting up to `max_wait` s)."""
    sha_start = _fingerprint(*IMPORT_FILES)
    files = ensure_files(out, rows, rebuild)
    work = out / "dbs"
    work.mkdir(parents=True, exist_ok=True)
    limits = ["--threads", str(threads)] + (["--memory-limit", memory_limit] if memory_limit else [])
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in ("bare", "utf8", "utf8_again", "cp932", "cp932_again")}
    held: dict[str, Any] = {}
    load_start = os.getloadavg()

    def spawn(*worker_args: str) -> dict[str, Any]:
        wait_for_quiet(max_load, max_wait)
        return _spawn(*worker_args)

    def fresh(name: str) -> Path:
        path = work / name
        for stale in (path, path.with_name(path.name + ".wal")):
            stale.unlink(missing_ok=True)
        return path

    for run in range(repeat):
        db = fresh(f"bare_{run}.duckdb")
        _log(f"bare read_csv of {Path(files['utf8']).name} (run {run + 1}/{repeat})")
        runs["bare"].append(spawn("bare", "--csv", files["utf8"], "--db", str(db), *limits))
        _log(_line(runs["bare"][-1], rows))
        fresh(db.name)
        for encoding in ("utf8", "cp932"):
            db = fresh(f"import_{encoding}_{run}.duckdb")
            _log(f"import_files, new database, {encoding} (run {run + 1}/{repeat})")
            runs[encoding].append(spawn("import", "--csv", files[encoding], "--db", str(db), *limits))
            _log(_line(runs[encoding][-1], rows))
            _log(f"import_files again into the filled database, {encoding}")
            runs[f"{encoding}_again"].append(spawn("import", "--csv", files[encoding], "--db", str(db), *limits))
            _log(_line(runs[f"{encoding}_again"][-1], rows))
            if run == repeat - 1 and db.exists():
                held[encoding] = _spawn("contents", "--db", str(db))
            if not keep:
                fresh(db.name)
    result: dict[str, Any] = {"rows": rows, "files": files, "threads": threads, "memory_limit": memory_limit,
                              "repeat": repeat, "runs": runs, "median": {k: _median_run(v) for k, v in runs.items()},
                              "contents": held, "machine": machine(), "load_start": load_start}
    if profile:
        result["profiles"] = {}
        for encoding in ("utf8", "cp932"):
            db = fresh(f"profile_{encoding}.duckdb")
            _log(f"profiled import, {encoding}")
            result["profiles"][encoding] = spawn("profile", "--csv", files[encoding], "--db", str(db), *limits)
            if encoding == "utf8":
                _log("profiled re-import, utf8")
                result["profiles"]["utf8_again"] = spawn("profile", "--csv", files[encoding], "--db", str(db),
                                                         *limits)
            fresh(db.name)
        _log("transcoding CP932 -> UTF-8: Python codecs and iconv")
        result["transcode"] = spawn("transcode", "--csv", files["cp932"], "--encoding", "cp932")
    result["load_end"] = os.getloadavg()
    result["import_files_sha"] = sorted({sha_start, _fingerprint(*IMPORT_FILES)}
                                        | {run.get("import_files_sha", sha_start) for v in runs.values() for run in v})
    result["problems"] = check(result)
    return result


def _line(run: dict[str, Any], rows: int) -> str:
    if "error" in run:
        return f"FAILED: {run['error']}"
    return f"{run['seconds']:.2f} s, {rows / run['seconds']:,.0f} rows/s, peak {run['peak_rss_mb']:,.0f} MB"


def check(result: dict[str, Any]) -> list[str]:
    """What must hold whatever the speed: every row read and imported once, nothing new the
    second time, and the same orders from both encodings."""
    rows, problems = result["rows"], []
    for name, runs in result["runs"].items():
        for run in runs:
            if "error" in run:
                problems.append(f"{name}: {run['error']}")
            elif run.get("rows") != rows:
                problems.append(f"{name}: {run.get('rows')} rows read, not {rows}")
            elif name in ("utf8", "cp932") and run.get("orders_added") != rows:
                problems.append(f"{name}: {run.get('orders_added')} orders added, not {rows}")
            elif name.endswith("_again") and (run.get("orders_added") or run.get("orders_updated")
                                              or run.get("orders_present") != rows):
                problems.append(f"{name}: the re-import changed something ({run.get('orders_added')} added, "
                                f"{run.get('orders_updated')} updated, {run.get('orders_present')} present)")
    if len(result.get("import_files_sha", [])) > 1:
        problems.append(f"the import code changed during the run (sha {', '.join(result['import_files_sha'])}): "
                        "the runs may measure different code")
    held = result.get("contents", {})
    same = [{k: v for k, v in held[e].items() if k not in ("process_s", "loadavg_1min", "import_files_sha")}
            for e in held]
    if len(same) == 2 and same[0] != same[1]:
        problems.append(f"the two encodings imported different data: {held['utf8']} vs {held['cp932']}")
    return problems


def _loads(result: dict[str, Any]) -> str:
    values = [run["loadavg_1min"] for v in result["runs"].values() for run in v if "loadavg_1min" in run]
    return f"{min(values):.1f}–{max(values):.1f}" if values else ""


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:,.0f} MB" if n_bytes >= 10e6 else f"{n_bytes / 1e6:.2f} MB"


def _mb(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def format_report(result: dict[str, Any], command: str) -> str:
    """The markdown that goes to bench/RESULTS.md."""
    rows, m, median = result["rows"], result["machine"], result["median"]
    files = result["files"]
    out = [
        f"Machine: {m.get('nproc')} CPUs ({m.get('cpu', '?')}), {m.get('ram_gib', 0):.1f} GiB RAM; "
        f"Python {m['python']}, DuckDB {m['duckdb']}, pandas {m['pandas']}; commit {m.get('git_head', '?')}"
        + (f" with uncommitted changes in segmentation/ ({len(m['segmentation_changes'])} files)"
           if m.get("segmentation_changes") else "")
        + f"; import code sha {m['import_files_sha']}. DuckDB threads {result['threads']} in every process"
        + (f", memory_limit {result['memory_limit']}" if result["memory_limit"] else
           " (memory_limit left at DuckDB's default, 80% of RAM)")
        + f"; load average {result['load_start'][0]:.2f} at the start, {result['load_end'][0]:.2f} at the end"
        + (f" (1-minute load when each process ended: {_loads(result)})." if _loads(result) else "."),
        "",
        f"Files: {rows:,} rows; UTF-8 {_size(files['utf8_bytes'])}, CP932 {_size(files['cp932_bytes'])}"
        f" (headers {','.join(HEADERS)}).",
        "",
        "```sh",
        command,
        "```",
        "",
        "| run | file | wall (s) | rows/s | × bare read_csv | peak RSS (MB) | what it did |",
        "|:---|:---|---:|---:|---:|---:|:---|",
    ]
    bare = median["bare"].get("seconds")
    labels = [("bare", "DuckDB bare `CREATE TABLE t AS SELECT * FROM read_csv(f, all_varchar = true)`", "UTF-8"),
              ("utf8", "`import_files(new_db, orders=f)`", "UTF-8"),
              ("utf8_again", "… again into the filled database (nothing new)", "UTF-8"),
              ("cp932", "`import_files(new_db, orders=f)`", "CP932"),
              ("cp932_again", "… again into the filled database (nothing new)", "CP932")]
    for key, label, encoding in labels:
        run = median[key]
        if "error" in run:
            out.append(f"| {label} | {encoding} | — | — | — | {_mb(run.get('peak_rss_mb'))} | "
                       f"**failed**: {run['error']} |")
            continue
        every = "" if len(run.get("every_s", [])) < 2 else \
            " (runs " + ", ".join(f"{s:.1f}" for s in run["every_s"]) + " s)"
        if key == "bare":
            what = f"{run['rows']:,} rows"
        elif key.endswith("_again"):
            what = (f"{run['orders_present']:,} present, {run['orders_added']:,} added, "
                    f"{run['orders_updated']:,} updated")
        else:
            what = f"{run['orders_added']:,} orders added, {run['customers_created']:,} customers created"
        ratio = "1.0" if key == "bare" else (f"{run['seconds'] / bare:.1f}" if bare else "—")
        out.append(f"| {label} | {encoding} | {run['seconds']:.2f}{every} | {rows / run['seconds']:,.0f} | {ratio} | "
                   f"{_mb(run['peak_rss_mb'])} | {what} |")
    out += ["", "| target (issue) | UTF-8 | CP932 | met? |", "|:---|---:|---:|:---|"]
    first = [median[k] for k in ("utf8", "cp932")]
    speeds = [rows / r["seconds"] if "error" not in r else 0 for r in first]
    peaks = [max(median[k].get("peak_rss_mb") or 0, median[f"{k}_again"].get("peak_rss_mb") or 0)
             for k in ("utf8", "cp932")]
    out.append(f"| ≥ {TARGET_ROWS_PER_S:,} rows/s on {result['threads']} cores | {speeds[0]:,.0f} | "
               f"{speeds[1]:,.0f} | {'**met**' if min(speeds) >= TARGET_ROWS_PER_S else '**not met**'} |")
    limit_mib = TARGET_PEAK_BYTES / 2**20
    out.append(f"| peak RSS < 2 GB ({limit_mib:,.0f} MiB), first import and re-import | {_mb(peaks[0])} | "
               f"{_mb(peaks[1])} | {'**met**' if max(peaks) < limit_mib else '**not met**'} |")
    if result.get("problems"):
        out += ["", "**Problems:** " + "; ".join(result["problems"])]
    else:
        held = result.get("contents", {}).get("utf8", {})
        out += ["", f"Checked: every run read {rows:,} rows; the first imports added {rows:,} orders, the re-imports "
                    f"found all {rows:,} present and changed nothing; the UTF-8 and CP932 databases hold the same "
                    f"orders ({held.get('orders', 0):,} orders of {held.get('customers', 0):,} customers, "
                    f"amounts summing to {held.get('amount_sum')}, {held.get('first_date')} to "
                    f"{held.get('last_date')})."]
    if result.get("profiles"):
        out.append(format_profiles(result))
    return "\n".join(out)


def format_profiles(result: dict[str, Any], min_seconds: float = 0.05) -> str:
    """The instrumented imports: each Python step and each SQL statement over `min_seconds`."""
    out = []
    for encoding, profile in result["profiles"].items():
        if "error" in profile:
            out.append(f"\nProfile of the {encoding} import failed: {profile['error']}")
            continue
        total = profile["seconds"]
        what = {"utf8": "a first import of the UTF-8 file", "cp932": "a first import of the CP932 file",
                "utf8_again": "a re-import of the UTF-8 file into the filled database"}.get(encoding, encoding)
        out += [f"\nWhere {what} spends its time "
                f"(instrumented run: {total:.2f} s, peak {profile['peak_rss_mb']:,.0f} MB; Python steps in "
                f"**bold** contain the indented steps below them; SQL statements under {min_seconds} s left out):\n",
                "| step | seconds | share | RSS after (MB) | peak so far (MB) |", "|:---|---:|---:|---:|---:|"]
        for event in sorted(profile["events"], key=lambda e: e["start"]):
            if event["depth"] == 0 or (event["kind"] == "sql" and event["seconds"] < min_seconds):
                continue
            indent = "&nbsp;&nbsp;" * (event["depth"] - 1)
            label = f"**{event['label']}**" if event["kind"] == "python" else f"`{event['label']}`"
            out.append(f"| {indent}{label} | {event['seconds']:.2f} | {event['seconds'] / total:.0%} | "
                       f"{_mb(event['rss_mb'])} | {_mb(event['hwm_mb'])} |")
    tc = result.get("transcode")
    if tc and "error" not in tc:
        mb = tc["bytes"] / 1e6
        out.append(f"\nTranscoding the CP932 file ({mb:,.0f} MB) to UTF-8 on its own: reading its bytes "
                   f"{tc['read_s']:.2f} s; Python's codecs as `sources` does it {tc['python_s']:.2f} s "
                   f"({mb / tc['python_s']:,.0f} MB/s)"
                   + (f"; iconv {tc['iconv_s']:.2f} s ({mb / tc['iconv_s']:,.0f} MB/s)." if tc.get("iconv_s") else "."))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench import", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows of the orders file (default %(default)s)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "import"),
                        help="where the files and databases go (default %(default)s)")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads in every process (default 2)")
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory_limit in every process, e.g. 1.5GB")
    parser.add_argument("--repeat", type=int, default=1, help="runs of every measurement (the table shows the median)")
    parser.add_argument("--profile", action="store_true",
                        help="also time each step of a first import per encoding and of a UTF-8 re-import")
    parser.add_argument("--rebuild", action="store_true", help="make the files even when they exist")
    parser.add_argument("--keep", action="store_true", help="keep the imported databases under OUT/dbs")
    parser.add_argument("--max-load", type=float, default=None,
                        help="before each measurement wait until the 1-minute load average is below this")
    parser.add_argument("--max-wait", type=float, default=300,
                        help="longest wait for --max-load, in seconds (default %(default)s); then measure anyway")
    parser.add_argument("--json", help="also write every measurement to this JSON file")
    parser.add_argument("--worker", choices=("bare", "import", "profile", "contents", "transcode"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--encoding", default="cp932", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return _worker(args)
    if args.rows < 1 or args.threads < 1 or args.repeat < 1:
        parser.error("--rows, --threads and --repeat must be at least 1")
    command = ("python -m bench import --rows " + str(args.rows)
               + (f" --threads {args.threads}" if args.threads != 2 else "")
               + (f" --memory-limit {args.memory_limit}" if args.memory_limit else "")
               + (f" --repeat {args.repeat}" if args.repeat > 1 else "") + (" --profile" if args.profile else ""))
    started_at = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    result = run_all(args.rows, Path(args.out), threads=args.threads, memory_limit=args.memory_limit,
                     repeat=args.repeat, profile=args.profile, rebuild=args.rebuild, keep=args.keep,
                     max_load=args.max_load, max_wait=args.max_wait)
    print(f"Measured {started_at} to {time.strftime('%H:%M:%S %Z')}.\n")
    print(format_report(result, command))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, default=str))
    for problem in result["problems"]:
        _log(f"PROBLEM {problem}")
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
