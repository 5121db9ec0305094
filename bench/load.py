"""Load: many browser sessions exploring the dashboard while the nightly import runs from the CLI.

`python -m bench load` (options: `python -m bench load --help`):

1. Copies the database (default: the 1,000,000-customer demo, `bench/out/demo_1000000_...`)
   twice under `--work`: the copy the app serves and the import writes, and a copy kept as the
   "before" state. The original is never opened for writing. Writes the nightly orders file
   (`bench/load_orders.py`: `--rows` rows, for existing and new customers, seeded).
2. Starts the app on the copy (`scripts/appserver.running_app`) and one headless Chromium with
   `--sessions` pages (separate browser contexts, locale en-US, each with its own thresholds
   in the URL and its own customer), driven by `bench/load_browser.py`. A round of a session
   moves `min_orders` on the overview, opens trends and moves `lapse_days`, opens the customer
   list, picks a ready-made view, prepares the CSV and downloads it, opens its customer, and
   goes back to the overview; every interaction is timed until the page settled.
3. Phases: session 0 alone (a warm-up round, then `--alone-rounds` rounds: the times without
   load); then every other session opens the app and all explore; once each has done
   `--rounds-before` rounds, `segmentation import --db COPY --orders FILE` runs as a
   subprocess while they go on; after it finished, each session does `--rounds-after` more
   rounds, all of whose actions are sent after the import ended.
4. Checks every settled view against the package (`bench/load_check.py`: the before-state from
   the kept copy, the after-state from the imported copy) and reports p50/p95 per page and
   interaction for each phase, errors, refusals and consistency.

`tests/test_load.py` runs a small version (4 sessions, a 20,000-row import) in `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import math
import os
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.run import END, SEED, _log  # noqa: E402

DEFAULT_DB = ROOT / "bench" / "out" / f"demo_1000000_seed{SEED}_{END:%Y%m%d}.duckdb"
DEFAULT_WORK = ROOT / "bench" / "out" / "load"
PHASES = ("alone", "sessions", "import", "after_first", "after")
PHASE_NAMES = {"alone": "1 session alone", "sessions": "all sessions, no import",
               "import": "all sessions, import running", "after_first": "first interaction after the import",
               "after": "later interactions after the import"}
ACTION_ORDER = ("first load", "slider min_orders", "open", "slider lapse_days", "ready view", "prepare export",
                "download", "enter id")
PAGE_ORDER = ("overview", "trends", "customers", "customer")


def prepare(db: Path, work: Path, *, rows: int, seed: int, days: int, sessions: int) -> dict[str, Any]:
    """The two copies, the orders file and each session's customer (see the module docstring)."""
    from bench import load_orders

    if not db.exists():
        raise FileNotFoundError(f"no database at {db}")
    work.mkdir(parents=True, exist_ok=True)
    for stale in work.glob("*.duckdb*"):
        stale.unlink()
    app_db, before_db = work / "app.duckdb", work / "before.duckdb"
    for target in (app_db, before_db):
        shutil.copyfile(db, target)
        if Path(f"{db}.wal").exists():
            shutil.copyfile(f"{db}.wal", f"{target}.wal")
    facts = load_orders.database_facts(before_db)
    latest = facts["latest_order_date"]
    orders = work / f"orders_{rows}_seed{seed}.csv"
    started = time.perf_counter()
    summary = load_orders.write_orders_csv(orders, rows, facts["customer_ids"], seed=seed, days=days,
                                           first_day=latest + dt.timedelta(days=1))
    summary["write_s"] = time.perf_counter() - started
    return {"source": str(db), "app_db": app_db, "before_db": before_db, "orders": orders, "orders_file": summary,
            "customers": len(facts["customer_ids"]), "latest_before": str(latest),
            "session_customers": load_orders.customers_in_file(orders, sessions, seed)}


async def _import(app_db: Path, orders: Path, marks: dict[str, Any]) -> None:
    """The nightly import from the CLI, as cron would run it."""
    env = {k: v for k, v in os.environ.items() if k != "SEGMENTATION_DB"}
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    marks["import_start"] = time.time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "segmentation", "import", "--db", str(app_db), "--orders", str(orders), "--lang", "en",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await process.communicate()
    marks["import_end"] = time.time()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the import is the only child reaped meanwhile
    marks["import_cpu_s"] = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    marks["import_peak_rss_mb"] = after.ru_maxrss / 1024
    marks["import_exit"] = process.returncode
    marks["import_output"] = (stdout.decode(errors="replace") + stderr.decode(errors="replace"))[-3000:]


async def drive(url: str, plan: dict[str, Any], *, sessions: int, alone_rounds: int, rounds_before: int,
                rounds_after: int, ready_view_label: str, quiet_ms: float, timeout_s: float,
                nice_browser: bool = True) -> dict[str, Any]:
    """Run the phases (module docstring) and return every interaction, session and time mark."""
    from playwright.async_api import async_playwright

    from bench.load_browser import INIT_SCRIPT, Session
    from scripts.appserver import CHROMIUM, CHROMIUM_ARGS

    marks: dict[str, Any] = {"start": time.time()}
    loads: list[list[float]] = []
    customers = plan["session_customers"]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        made: list[Session] = []
        try:
            for number in range(sessions):
                context = await browser.new_context(locale="en-US", viewport={"width": 1400, "height": 1000},
                                                    accept_downloads=True)
                page = await context.new_page()
                await page.add_init_script(INIT_SCRIPT)
                session = Session(number, page, customers[number % len(customers)], ready_view_label,
                                  quiet_ms=quiet_ms, timeout_s=timeout_s)
                session.listen()
                made.append(session)
            sampler = asyncio.ensure_future(_sample_load(loads, nice_browser))

            def session_url(number: int) -> str:
                return f"{url}/?lang=en&t={session_tenure(number)}"

            first = made[0]
            if alone_rounds:
                await first.open(session_url(0))
                for _ in range(1 + alone_rounds):  # a warm-up round, then the rounds alone
                    await first.one_round()
                _log(f"load: 1 session alone done ({len(first.interactions)} interactions); {sessions} sessions now")
            marks["alone_end"] = marks["sessions_start"] = time.time()
            joined = asyncio.Event()
            ready = [asyncio.Event() for _ in made]
            import_done = asyncio.Event()
            opened = [0]

            async def explore(session: Session, needs_open: bool) -> None:
                try:
                    if needs_open:
                        await session.open(session_url(session.number))
                finally:
                    opened[0] += 1
                    if opened[0] == len(made):
                        marks["sessions_ready"] = time.time()
                        joined.set()
                await joined.wait()
                done_before, done_after = 0, 0
                if not rounds_before:
                    ready[session.number].set()
                try:
                    while True:
                        round_started = time.time()
                        await session.one_round()
                        _log(f"load: session {session.number} finished round {session.round} "
                             f"in {time.time() - round_started:.0f} s")
                        done_before += 1
                        if done_before >= rounds_before:
                            ready[session.number].set()
                        if import_done.is_set() and round_started > marks["import_end"]:
                            done_after += 1
                            if done_after >= rounds_after:
                                return
                except Exception as error:  # noqa: BLE001 - the driver failed (a crashed page): a result
                    session.console_errors.append({"wall": time.time(), "kind": "driver",
                                                   "text": f"{type(error).__name__}: {error}"[:500]})
                    ready[session.number].set()

            async def run_import() -> None:
                await asyncio.gather(*(event.wait() for event in ready))
                _log("load: every session has explored; the import starts")
                await _import(plan["app_db"], plan["orders"], marks)
                _log(f"load: import finished in {marks['import_end'] - marks['import_start']:.1f} s "
                     f"(exit {marks['import_exit']})")
                import_done.set()

            await asyncio.gather(run_import(), *(explore(s, s is not first or not alone_rounds) for s in made))
            marks["end"] = time.time()
            sampler.cancel()
            marks["browser_cpu_s"] = _descendants_cpu()  # Chromium and Playwright's driver, still running
        finally:
            await browser.close()
    return {"marks": marks, "loadavg_samples": loads,
            "interactions": [item.as_dict() for s in made for item in s.interactions],
            "sessions": [{"number": s.number, "customer_id": s.customer_id, "tenure": session_tenure(s.number),
                          "rounds": s.round,
                          "console_errors": s.console_errors} for s in made]}


def session_tenure(number: int) -> int:
    """Each session's own minimum tenure (never moved): its slider moves miss the app's result cache."""
    return 365 + 5 * number


async def _sample_load(into: list[list[float]], nice_browser: bool) -> None:
    """The load average every 5 s; and new browser processes sent to nice 19 if asked."""
    while True:
        into.append([time.time(), os.getloadavg()[0]])
        if nice_browser:
            _lower_browser_priority()
        await asyncio.sleep(5)


def phase_of(item: dict[str, Any], marks: dict[str, Any], first_after: set[tuple[int, int]]) -> str | None:
    """Which phase an interaction's times belong to (None: a warm-up or sessions joining)."""
    start, end = item.get("started_wall") or item["issued_wall"], item.get("settled_wall") or item["issued_wall"]
    if item["action"] == "first load":
        return None
    if end <= marks["alone_end"]:
        return "alone" if item["round"] >= 1 else None
    if "import_start" not in marks or start < marks.get("sessions_ready", math.inf):
        return None
    if item["issued_wall"] > marks["import_end"]:
        return "after_first" if (item["session"], id(item)) in first_after else "after"
    if end < marks["import_start"]:
        return "sessions"
    return "import"


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (p95 of 20 values is the 19th)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summarise(run: dict[str, Any]) -> dict[str, Any]:
    """p50/p95/max and counts per (page, action) and phase; first loads apart."""
    marks, items = run["marks"], run["interactions"]
    first_after: set[tuple[int, int]] = set()
    seen: set[int] = set()
    for item in sorted(items, key=lambda i: i["issued_wall"]):
        if "import_end" in marks and item["issued_wall"] > marks["import_end"] and item["session"] not in seen:
            seen.add(item["session"])
            first_after.add((item["session"], id(item)))
    table: dict[str, dict[str, list[float]]] = {}
    for item in items:
        if item.get("seconds") is None or item.get("problem"):
            continue
        phase = "first load" if item["action"] == "first load" else phase_of(item, marks, first_after)
        if phase is None:
            continue
        item["phase"] = phase
        table.setdefault(f"{item['page']} | {item['action']}", {}).setdefault(phase, []).append(item["seconds"])
        table.setdefault("every interaction", {}).setdefault(phase, []).append(item["seconds"])
    return {key: {phase: {"n": len(v), "p50": percentile(v, 0.5), "p95": percentile(v, 0.95), "max": max(v)}
                  for phase, v in phases.items()} for key, phases in table.items()}


def measure(db: Path, work: Path, *, sessions: int = 20, rows: int = 1_000_000, seed: int = SEED, days: int = 7,
            alone_rounds: int = 2, rounds_before: int = 1, rounds_after: int = 1, ready_view: str = "loyal_lapsing",
            quiet_ms: float = 1000, timeout_s: float = 300, server_timeout: float = 180,
            nice_browser: bool = True) -> dict[str, Any]:
    """Everything: prepare, serve, drive, then check. The browser part is kept in
    `work/run.json` before the checks start (`python -m bench load --check-only` redoes them)."""
    from bench import load_check
    from bench.app_latency import _server_memory
    from scripts.appserver import free_port, running_app

    plan = prepare(db, work, rows=rows, seed=seed, days=days, sessions=sessions)
    made = plan["orders_file"]
    _log(f"load: orders file {made['rows']:,} rows for {made['existing_customers']:,} existing and "
         f"{made['new_customers']:,} new customers ({made['write_s']:.1f} s)")
    labels = load_check.ready_view_labels()
    load_start = os.getloadavg()
    port = free_port()
    # An exception box then names the exception and where it happened (the report quotes it).
    # No file watcher: a source file saved during the run would make Streamlit reload modules
    # under the running sessions (and show "source file changed"), which no user sees.
    with _environment("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS", "full"), \
            _environment("STREAMLIT_SERVER_FILE_WATCHER_TYPE", "none"), \
            running_app(plan["app_db"], port=port, timeout=server_timeout) as url:
        server_pid = _server_memory(port).get("pid")
        cpu_before = _cpu_now(server_pid)
        run = asyncio.run(drive(url, plan, sessions=sessions, alone_rounds=alone_rounds, rounds_before=rounds_before,
                                rounds_after=rounds_after, ready_view_label=labels[ready_view], quiet_ms=quiet_ms,
                                timeout_s=timeout_s, nice_browser=nice_browser))
        cpu_after = _cpu_now(server_pid)
        run["server_memory"] = _server_memory(port)
    run["cpu_s"] = {key: cpu_after[key] - cpu_before[key] for key in cpu_before}
    run["loadavg_start"], run["loadavg_end"] = load_start, os.getloadavg()
    run["plan"] = {key: (str(value) if isinstance(value, Path) else value) for key, value in plan.items()}
    run["settings"] = {"sessions": sessions, "rows": rows, "seed": seed, "days": days, "alone_rounds": alone_rounds,
                       "rounds_before": rounds_before, "rounds_after": rounds_after, "ready_view": ready_view,
                       "quiet_ms": quiet_ms, "timeout_s": timeout_s, "nice_browser": nice_browser}
    saved = work / "run.json"
    saved.write_text(json.dumps(run, default=str))
    _log(f"load: browser part kept in {saved}; checking every view against the package")
    return check(run)


def check(run: dict[str, Any]) -> dict[str, Any]:
    """Compare every view with the package's before- and after-state and summarise the times."""
    from bench import load_check

    states = {"before": load_check.State("before", Path(run["plan"]["before_db"])),
              "after": load_check.State("after", Path(run["plan"]["app_db"]))}
    try:
        for state in states.values():
            state.open()
        run["check"] = load_check.check_run(run["interactions"], run["sessions"], states,
                                            load_check.ready_view_labels(), run["marks"].get("import_end"))
        run["states"] = {name: {"caption": list(state.caption), "all_customers": state.all_customers}
                         for name, state in states.items()}
    finally:
        for state in states.values():
            state.close()
    run["summary"] = summarise(run)
    return run


def _cpu_now(server_pid: int | None) -> dict[str, float]:
    """CPU seconds so far: the whole machine (busy time of every CPU, /proc/stat), the app server
    and this process (the Playwright driver's Python side)."""
    from bench.app_latency import _cpu_seconds

    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    busy = sum(fields) - fields[3] - fields[4]  # all but idle and iowait
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {"machine": busy / os.sysconf("SC_CLK_TCK"), "server": _cpu_seconds(server_pid) if server_pid else 0.0,
            "driver": own.ru_utime + own.ru_stime}


def _browser_processes() -> dict[int, float]:
    """This process's descendants but the app server and the import (Playwright's driver and
    Chromium): pid -> CPU seconds (with what their own ended children used)."""
    parents: dict[int, int] = {}
    spent: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        if b"streamlit" not in command and b"segmentation" not in command:
            spent[int(entry.name)] = sum(int(v) for v in fields[11:15]) / tick  # utime stime cutime cstime
    me, found = os.getpid(), {}
    for pid in spent:
        ancestor = parents.get(pid)
        while ancestor and ancestor != me:
            ancestor = parents.get(ancestor)
        if ancestor == me:
            found[pid] = spent[pid]
    return found


def _descendants_cpu() -> float:
    """CPU seconds of Playwright's driver and Chromium so far."""
    return sum(_browser_processes().values())


def _lower_browser_priority() -> None:
    """Chromium and Playwright's driver at the lowest CPU priority (nice 19): the 2 cores then go
    to the app server first, as they would with the browsers on the users' own machines."""
    for pid in _browser_processes():
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, pid, 19)


@contextlib.contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    """`name` set to `value` in this process's environment (which the app server inherits) for a while."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def failures(run: dict[str, Any]) -> list[str]:
    """What makes the run a failure: errors, inconsistencies, stale views, a failed import."""
    totals, out = run["check"]["totals"], []
    for key in ("exceptions", "errors", "problems", "console", "mix", "wrong", "stale"):
        if totals[key]:
            out.append(f"{totals[key]} {key}: " + "; ".join(run["check"]["examples"][key][:3]))
    if run["marks"].get("import_exit") != 0:
        out.append(f"the import exited with {run['marks'].get('import_exit')}: {run['marks'].get('import_output')}")
    if totals["downloads_ok"] < len(run["sessions"]):
        out.append(f"only {totals['downloads_ok']} downloads for {len(run['sessions'])} sessions")
    if run["check"]["sessions_first_after_showing_after"] != len(run["sessions"]):
        out.append("not every session showed the new data on its first interaction after the import")
    return out


def _cell(stats: dict[str, Any] | None) -> str:
    if not stats:
        return "—"
    return f"{stats['p50']:.2f} / {stats['p95']:.2f} ({stats['n']})"


def format_report(run: dict[str, Any]) -> str:
    """The markdown for bench/RESULTS.md: settings, the times table, the checks."""
    from bench.load_check import REFRESHING

    marks, totals, check = run["marks"], run["check"]["totals"], run["check"]
    loads = [v for _, v in run["loadavg_samples"]]
    cpu = run.get("cpu_s") or {}
    others = cpu.get("machine", 0) - cpu.get("server", 0) - cpu.get("driver", 0) - marks.get("import_cpu_s", 0) \
        - marks.get("browser_cpu_s", 0)
    settings = run["settings"]
    out = [f"{settings['sessions']} sessions, import of {run['plan']['orders_file']['rows']:,} order rows "
           f"({run['plan']['orders_file']['existing_customers']:,} existing and "
           f"{run['plan']['orders_file']['new_customers']:,} new customers) into a copy of "
           f"`{Path(run['plan']['source']).name}`; {os.cpu_count()} CPUs, Chromium "
           + ("at nice 19" if settings.get("nice_browser") else "at normal priority")
           + "; load average (1 min) "
           f"{run['loadavg_start'][0]:.2f} at the start, {run['loadavg_end'][0]:.2f} at the end, "
           + (f"median {statistics.median(loads):.1f}, highest {max(loads):.1f} during the run." if loads else "."),
           "",
           f"Import: {marks['import_end'] - marks['import_start']:.1f} s wall, "
           f"{marks.get('import_cpu_s', 0):.1f} s CPU, peak RSS {marks.get('import_peak_rss_mb', 0):,.0f} MB "
           f"(exit status {marks['import_exit']}). "
           + (f"CPU time over the run: {cpu['machine']:,.0f} s on the machine "
              f"({cpu['machine'] / (marks['end'] - marks['start']) / (os.cpu_count() or 1):.0%} of its "
              f"{os.cpu_count()} CPUs), of which the app server {cpu['server']:,.0f} s, Chromium and Playwright "
              f"{marks.get('browser_cpu_s', 0):,.0f} s, this driver {cpu['driver']:,.0f} s, the import "
              f"{marks.get('import_cpu_s', 0):,.0f} s, other processes {others:,.0f} s. "
              if (cpu := run.get("cpu_s")) else "")
           + f"Whole run {marks['end'] - marks['start']:.0f} s. App server RSS at the end "
           f"{run.get('server_memory', {}).get('rss_mb', 0):,.0f} MB (peak "
           f"{run.get('server_memory', {}).get('hwm_mb', 0):,.0f} MB).",
           "",
           "Seconds from the keydown or click to the page settled, p50 / p95 (interactions):",
           "",
           "| page | interaction | first load | " + " | ".join(PHASE_NAMES[p] for p in PHASES) + " |",
           "|:---|:---|" + "---:|" * (len(PHASES) + 1)]
    summary = run["summary"]

    def order(key: str) -> tuple:
        if key == "every interaction":
            return (99, 0)
        page, action = key.split(" | ")
        return (PAGE_ORDER.index(page) if page in PAGE_ORDER else 50,
                ACTION_ORDER.index(action) if action in ACTION_ORDER else 50)

    for key in sorted(summary, key=order):
        page, action = key.split(" | ") if " | " in key else ("**all**", "**every interaction**")
        out.append(f"| {page} | {action} | {_cell(summary[key].get('first load'))} | "
                   + " | ".join(_cell(summary[key].get(phase)) for phase in PHASES) + " |")
    out += ["",
            f"Checked: {totals['views']:,} settled views ({totals['before']:,} showing the before-state, "
            f"{totals['after']:,} the after-state), {totals['figures_checked']:,} groups of figures compared with "
            f"the package; mixed views {totals['mix']}, wrong figures {totals['wrong']}, views sent after the import "
            f"still showing the old data {totals['stale']}. Sessions whose first interaction after the import "
            f"showed the new data: {check['sessions_first_after_showing_after']} of {len(run['sessions'])}.",
            f"Errors: exception boxes {totals['exceptions']}, error messages {totals['errors']}, console/page "
            f"errors {totals['console']}, other problems (timeouts, failed downloads) {totals['problems']}; "
            f"downloads {totals['downloads_ok']} of {totals['downloads']} complete with the promised rows; "
            f"refusals while the file was busy {totals['refusals']}; views with the notice \"{REFRESHING}\" "
            f"{totals['notices']}."]
    for key, examples in check["examples"].items():
        if examples:
            out.append(f"\n{key}:\n" + "\n".join(f"- {text}" for text in examples[:10]))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    from bench.run import wait_for_quiet

    parser = argparse.ArgumentParser(prog="python -m bench load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=str(DEFAULT_DB), help="the database copied for the run (default: %(default)s)")
    parser.add_argument("--work", default=str(DEFAULT_WORK), help="where the copies and the orders file go")
    parser.add_argument("--sessions", type=int, default=20, help="browser sessions (default %(default)s)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="order rows the import adds (default %(default)s)")
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the orders file (default %(default)s)")
    parser.add_argument("--days", type=int, default=7, help="days after the latest order the new orders span")
    parser.add_argument("--alone-rounds", type=int, default=2, help="rounds of session 0 alone after its warm-up")
    parser.add_argument("--rounds-before", type=int, default=1, help="rounds of every session before the import")
    parser.add_argument("--rounds-after", type=int, default=1, help="rounds of every session after the import")
    parser.add_argument("--ready-view", default="loyal_lapsing",
                        help="the ready-made view exported (default %(default)s)")
    parser.add_argument("--quiet-ms", type=float, default=1000, help="quiet time that counts as settled")
    parser.add_argument("--timeout", type=float, default=300, help="longest wait for one interaction (s)")
    parser.add_argument("--no-nice-browser", action="store_true",
                        help="leave Chromium at normal CPU priority (by default it runs at nice 19, so that the "
                             "times measure the server rather than 20 browsers sharing its CPUs)")
    parser.add_argument("--max-load", type=float, default=None, help="wait for a 1-minute load average below this")
    parser.add_argument("--max-wait", type=float, default=900, help="longest wait for --max-load (s)")
    parser.add_argument("--json", help="also write every interaction and check to this JSON file")
    parser.add_argument("--check-only", metavar="RUN_JSON",
                        help="only redo the checks and the report of a run kept in RUN_JSON (its databases stay "
                             "under --work until the next run)")
    args = parser.parse_args(argv)
    if args.check_only:
        run = check(json.loads(Path(args.check_only).read_text()))
    else:
        wait_for_quiet(args.max_load, args.max_wait)
        run = measure(Path(args.db), Path(args.work), sessions=args.sessions, rows=args.rows, seed=args.seed,
                      days=args.days, alone_rounds=args.alone_rounds, rounds_before=args.rounds_before,
                      rounds_after=args.rounds_after, ready_view=args.ready_view, quiet_ms=args.quiet_ms,
                      timeout_s=args.timeout, nice_browser=not args.no_nice_browser)
    print(format_report(run))
    if args.json:
        Path(args.json).write_text(json.dumps(run, indent=1, default=str))
    problems = failures(run)
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
