"""Cold start: from starting the server to the overview drawn in a browser, on a fresh server.

Chromium (headless, Playwright) is started first, so its own start is not counted. Then, for
each round: the server as `make run` starts it (`python -m dashboard.serve`, i.e. `streamlit run
app.py` opening the data while it starts; `scripts/appserver.running_app`) on the database, the
overview opened as soon as the server answers its health check, and the time taken from the
moment the server process was started to the overview settled (the first successful
`script_finished` and 1.5 s without a change in the main area; see `bench/app_latency.py`).
The server is stopped after each round, so every round is a fresh server.

By default what a restart finds next to the database is used: the analysis cache
(`<db>.analysis.duckdb`, `segmentation/analysis_store.py`) and the first page's answers
(`<db>.answers.json`, `segmentation/kept_answers.py`); `--no-cache` removes both before every
round (the cost of a first start on new data), `--both` measures the two alternately. They are
made once before the rounds (when missing), and each round starts when the
machine has been nearly idle for half a second, so that a round measures one server's start and
not the tail of the round before or of the cache being made.

Each round opens a fresh browser profile by default (nothing in the browser's cache: every
script of the page is fetched and compiled); `--browser warm` keeps one profile that showed the
app once before the rounds, as a manager's browser is when the server restarts, at the same
address (`--browser both` alternates the two).

    .venv/bin/python -m bench cold --rounds 3 --both
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.app_latency import DEFAULT_DB, _INIT_SCRIPT, _cpu_seconds, _Recorder, _server_memory, _wait_settled  # noqa: E402
from bench.run import _log  # noqa: E402


def _cache_file(db: Path) -> Path | None:
    """The analysis cache of `db`, or None for code that keeps none (a checkout from before it)."""
    try:
        from segmentation.analysis_store import cache_path
    except ImportError:
        return None
    return cache_path(db)


def _answers_file(db: Path) -> Path | None:
    """The first page's answers kept beside `db`, or None for code that keeps none."""
    try:
        from segmentation.kept_answers import answers_path
    except ImportError:
        return None
    return answers_path(db)


def _kept_in_place(db: Path) -> bool:
    """Whether what a restart finds beside `db` is there: the analysis cache and the answers."""
    return all(path is None or path.exists() for path in (_cache_file(db), _answers_file(db)))


def _remove_cache(db: Path) -> None:
    cache, answers = _cache_file(db), _answers_file(db)
    if cache is not None:
        for candidate in (cache, cache.with_name(cache.name + ".wal")):
            candidate.unlink(missing_ok=True)
    if answers is not None:
        answers.unlink(missing_ok=True)


_MAKE_CACHE = """
import sys
from pathlib import Path
from segmentation.analysis import Analysis
Analysis.open(sys.argv[1]).close()
try:
    from segmentation import kept_answers
except ImportError:  # code from before the answers were kept
    kept_answers = None
if kept_answers is not None:
    from dashboard import serve
    serve.prepare(Path(sys.argv[1]))
"""


def _make_cache(db: Path) -> None:
    """Write the analysis cache of `db` and the first page's answers as a running server leaves
    them for its next start (`Analysis.open` builds and saves the cache, `dashboard.serve.prepare`
    computes and keeps the answers), in a process of its own so this one stays small."""
    import subprocess

    subprocess.run([sys.executable, "-c", _MAKE_CACHE, str(db)], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _cpu_busy_share(seconds: float) -> float:
    """The share of this machine's CPU time spent busy over the next `seconds` (Linux)."""
    def sample() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle and iowait
        return sum(fields), idle

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def _wait_quiet(limit_s: float = 30.0) -> None:
    """Until the machine has been nearly idle for half a second (at most `limit_s`): the last
    round's server and browser, and the cache made before, are gone, so a round measures one
    server's start and not the end of the one before."""
    if not Path("/proc/stat").exists():
        time.sleep(2.0)
        return
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and _cpu_busy_share(0.5) > 0.10:
        pass


def _browser(playwright, profile: str):
    from scripts.appserver import CHROMIUM, CHROMIUM_ARGS

    return playwright.chromium.launch_persistent_context(
        profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
        viewport={"width": 1500, "height": 1100}, locale="en-US",
    )


def _visit_once(playwright, db: Path, profile: str, port: int) -> None:
    """Show the app once in `profile`, as a manager's browser has before a restart: its cache then
    holds the page's scripts (Streamlit serves them under names that change only with its
    version)."""
    from scripts.appserver import running_app

    browser = _browser(playwright, profile)
    try:
        page = browser.new_page()
        recorder = _Recorder()
        page.on("websocket", recorder.attach)
        page.add_init_script(_INIT_SCRIPT)
        with running_app(db, port=port, timeout=180) as url:
            page.goto(url, wait_until="domcontentloaded")
            _wait_settled(page, recorder, 0, 0.0)
    finally:
        browser.close()


def _one_round(playwright, db: Path, *, use_cache: bool, browser_profile: str | None = None,
               port: int | None = None) -> dict[str, Any]:
    """One fresh server to the overview drawn; in a fresh browser profile, or in `browser_profile`
    (a browser that has shown the app before, at `port`: its cache is kept per address)."""
    from scripts.appserver import free_port, running_app

    if not use_cache:
        _remove_cache(db)
    cache = _cache_file(db)
    cache_state = "no such thing" if cache is None else ("present" if cache.exists() else "absent")
    if use_cache and cache is not None and not _kept_in_place(db):  # made once, as a restart finds it
        _make_cache(db)
        cache_state = "made before the round" if _kept_in_place(db) else "absent (could not be made)"
    _wait_quiet()
    with tempfile.TemporaryDirectory() as fresh_profile:
        browser = _browser(playwright, browser_profile or fresh_profile)
        try:
            page = browser.new_page()
            page.add_init_script(_INIT_SCRIPT)
            recorder = _Recorder()
            page.on("websocket", recorder.attach)
            load = os.getloadavg()[0]
            port = port or free_port()
            started_wall = time.time()
            started = time.perf_counter()
            with running_app(db, port=port, timeout=180) as url:
                answered = time.perf_counter() - started
                page.goto(url, wait_until="domcontentloaded")
                loaded = time.perf_counter() - started
                # The page's times count from its navigation's start (performance.timeOrigin, on
                # the same wall clock as the server's start), not from when the page had loaded:
                # adding them to `loaded` would count the page's own loading twice.
                navigated = page.evaluate("performance.timeOrigin") / 1000 - started_wall
                settled = _wait_settled(page, recorder, 0, 0.0)
                server = _server_memory(port)
                cpu = _cpu_seconds(server["pid"]) if server else None
            return {
                "cache": use_cache, "cache_at_start": cache_state, "browser": "warm" if browser_profile else "fresh",
                "loadavg_1min": load, "server_cpu_s": cpu,
                "server_answered_s": answered, "navigation_started_s": navigated, "page_loaded_s": loaded,
                "overview_finished_s": None if settled["script_finished_s"] is None
                else navigated + settled["last_script_finished_s"],
                "overview_settled_s": None if settled["main_settled_s"] is None
                else navigated + settled["main_settled_s"],
                "page": settled,
            }
        finally:
            browser.close()


def measure(db: Path, rounds: int, modes: list[bool], browsers: tuple[str, ...] = ("fresh",)) -> dict[str, Any]:
    """`rounds` fresh servers per mode and browser, alternating: a fresh browser profile (nothing
    cached: the worst case), or a "warm" one that showed the app once before the rounds."""
    from playwright.sync_api import sync_playwright

    from scripts.appserver import free_port

    results: list[dict[str, Any]] = []
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as warm_profile:
        warm_port = free_port()
        if "warm" in browsers:
            _visit_once(playwright, db, warm_profile, warm_port)
        for _ in range(rounds):
            for use_cache in modes:
                for kind in browsers:
                    warm = kind == "warm"
                    result = _one_round(playwright, db, use_cache=use_cache, browser_profile=warm_profile if warm else None,
                                        port=warm_port if warm else None)
                    results.append(result)
                    _log(f"cold start ({'cache' if use_cache else 'no cache'}, {kind} browser): overview settled "
                         f"{result['overview_settled_s']:.2f} s after the server started (load {result['loadavg_1min']:.2f})")
    return {"db": str(db), "rounds": results}


def format_report(report: dict[str, Any]) -> str:
    out = ["| round | analysis cache at start | browser | load average (1 min) | server answers (s) | "
           "overview finished (s) | overview settled (s) | server CPU until then (s) |",
           "|---:|:---|:---|---:|---:|---:|---:|---:|"]
    for number, r in enumerate(report["rounds"], 1):
        finished = "—" if r["overview_finished_s"] is None else f"{r['overview_finished_s']:.2f}"
        settled = "—" if r["overview_settled_s"] is None else f"{r['overview_settled_s']:.2f}"
        cpu = "—" if r.get("server_cpu_s") is None else f"{r['server_cpu_s']:.2f}"
        out.append(f"| {number} | {r.get('cache_at_start', '')} | {r.get('browser', 'fresh')} | {r['loadavg_1min']:.2f} | "
                   f"{r['server_answered_s']:.2f} | {finished} | {settled} | {cpu} |")
    for mode in (True, False):
        for kind in ("fresh", "warm"):
            values = [r["overview_settled_s"] for r in report["rounds"]
                      if r["cache"] is mode and r.get("browser", "fresh") == kind and r["overview_settled_s"]]
            if values:
                out.append(f"\n{'With the cache' if mode else 'Without the cache'}, {kind} browser: overview settled, "
                           f"median {statistics.median(values):.2f} s (best {min(values):.2f}, worst {max(values):.2f}).")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench cold", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=str(DEFAULT_DB), help="the database (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=3, help="fresh servers per mode (default 3)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--no-cache", action="store_true", help="remove the analysis cache before every round")
    group.add_argument("--both", action="store_true", help="alternate: without the cache, then with it")
    parser.add_argument("--browser", choices=("fresh", "warm", "both"), default="fresh",
                        help="a fresh browser profile every round (default), one that showed the app once "
                             "before the rounds (as a manager's browser after a server restart), or both alternately")
    parser.add_argument("--json", help="also write the measurements to this JSON file")
    args = parser.parse_args(argv)
    db = Path(args.db)
    if not db.exists():
        parser.error(f"no database at {db}: run `python -m bench` first (it builds bench/out/*.duckdb)")
    modes = [False, True] if args.both else [not args.no_cache]
    if True in modes:  # the cache as a restart finds it: made now when missing or stale
        _make_cache(db)
    browsers = ("fresh", "warm") if args.browser == "both" else (args.browser,)
    report = measure(db, args.rounds, modes, browsers)
    print(format_report(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
