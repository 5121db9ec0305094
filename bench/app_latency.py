"""What the dashboard pays after a slider moves, on one database (the 1M-customer demo by default).

Two measurements, each meant to run in its own process:

- `pages_measure` (no browser): the engine calls the overview and trends pages make, in the
  order and with the arguments the pages use (`pages/overview.py`, `pages/trends.py`,
  `dashboard/sidebar.py`), each timed. First the default thresholds (what a page shows after
  the app opened the database), then slider moves to values not seen before (the app caches
  results per thresholds, so a new value is a cache miss: the case measured here). The
  threshold-free calls (`suggest_thresholds`, `cohort_retention`) are cached by the app and do
  not run again after a slider move; they are timed once and kept out of the per-move sums.
  What the app builds in a background thread right after the open (`ensure("act_month")`
  and the customer-list tables) is timed apart, before the pages. Both pages also run
  `customers.ready_view_counts` (the "act now" row), cached per thresholds like the rest.
- `browser_measure`: the real app (`scripts/appserver.py`, `streamlit run`) in headless Chromium
  (Playwright). The `min_orders` slider in the sidebar is focused and moved with ArrowLeft /
  ArrowRight; for each move it records, from the keydown in the page:
  the rerun request leaving the browser (the slider's own debounce), the `script_finished`
  message arriving, the last DOM change in the main area, and when the status widget
  (`[data-testid='stStatusWidget']`) disappears. Streamlit shows that widget only after a run
  has lasted 500 ms and removes it with a 200 ms transition, so a faster rerun never shows it.

    .venv/bin/python -m bench.app_latency                     # both, on bench/out/demo_1000000_...
    .venv/bin/python -m bench.app_latency --no-browser --db path/to.duckdb --rounds 3
    .venv/bin/python -m bench.app_latency --json /tmp/app.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.run import END, SEED, _log, peak_rss_mb  # noqa: E402

ACTIVITY = 'ensure("act_month")'
DEFAULT_DB = ROOT / "bench" / "out" / f"demo_1000000_seed{SEED}_{END:%Y%m%d}.duckdb"


def slider_moves():
    """Slider moves on the orders axis (new values, so every page call is a cache miss in the
    app), then two on the amount axis (its trend cannot use the pre-grouped table)."""
    from segmentation.thresholds import Thresholds

    orders = [
        Thresholds(min_orders=4),
        Thresholds(min_orders=3),
        Thresholds(min_orders=2),
        Thresholds(min_orders=3, lapse_days=170),
        Thresholds(min_orders=3, lapse_days=170, min_tenure_days=350),
    ]
    amount = [
        Thresholds(value_axis="amount", min_amount=30_000),
        Thresholds(value_axis="amount", min_amount=20_000, min_tenure_days=270),
    ]
    return orders, amount


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def pages_measure(db: str | Path, rounds: int = 3) -> dict[str, Any]:
    """Time every engine call of the overview and trends pages (see the module docstring)."""
    from segmentation import engine as e
    from segmentation.customers import ensure_list_tables, ready_view_counts
    from segmentation.thresholds import Thresholds

    load_start = os.getloadavg()[0]
    started = time.perf_counter()
    a = e.Analysis.open(db, cache=False)  # built, as the figures before the kept copy were
    open_s = time.perf_counter() - started
    rss_open = peak_rss_mb()
    try:
        as_of = a.resolve_as_of(None)
        previous = e.previous_period_end(as_of, "month")
        last_end = e.period_range(a, "month", end=as_of).ends()[-1]
        year_before = e.same_day_a_year_before(last_end)
        earliest = a.earliest_order_date or as_of
        date_from, date_to = max(earliest, as_of - dt.timedelta(days=365)), as_of
        ranges = e.slider_ranges(a)

        overview = {
            "tier_counts (as of)": lambda t: e.tier_counts(a, t, as_of=as_of),
            "tier_counts (previous month end)": lambda t: e.tier_counts(a, t, as_of=previous),
            "tier_map": lambda t: e.tier_map(a, t, as_of=as_of, orders_cap=ranges["min_orders"][1]),
            "ready_view_counts (act now)": lambda t: ready_view_counts(a, t, as_of, None),
        }
        trends = {
            "tier_counts_over_time": lambda t: e.tier_counts_over_time(a, t, freq="month", end=as_of),
            "revenue_over_time": lambda t: e.revenue_over_time(a, t, freq="month", end=as_of),
            "movements_over_time": lambda t: e.movements_over_time(a, t, freq="month", end=as_of),
            "tier_counts (a year before)": lambda t: e.tier_counts(a, t, as_of=year_before),
            "transitions": lambda t: e.transitions(a, t, date_from=date_from, date_to=date_to),
            "channel_conversion": lambda t: e.channel_conversion(a, t, as_of=as_of),
            "ready_view_counts (act now)": lambda t: ready_view_counts(a, t, as_of, None),
        }
        once: dict[str, float] = {}
        # What the app's background warm-up builds right after the open (dashboard/data.py).
        once[ACTIVITY] = _timed(lambda: a.ensure("act_month"))
        once["ensure_list_tables"] = _timed(lambda: ensure_list_tables(a))
        rss_warm = peak_rss_mb()
        # Overview, first render after open: the sidebar's suggestions (cached per as-of) and the page.
        once["suggest_thresholds"] = _timed(lambda: e.suggest_thresholds(a, as_of=as_of))
        first = {"overview": {name: _timed(lambda f=f: f(Thresholds())) for name, f in overview.items()}}
        rss_overview = peak_rss_mb()
        orders_moves, amount_moves = slider_moves()
        samples: dict[str, dict[str, list[float]]] = {"overview": {}, "trends": {}}
        amount: dict[str, dict[str, list[float]]] = {"overview": {}, "trends": {}}

        def run(page: str, calls: dict, moves: list, into: dict) -> None:
            for _ in range(rounds):
                for thresholds in moves:
                    for name, f in calls.items():
                        into[page].setdefault(name, []).append(_timed(lambda f=f: f(thresholds)))

        run("overview", overview, orders_moves, samples)
        run("overview", overview, amount_moves, amount)
        rss_overview_moves = peak_rss_mb()
        # Trends, first visit: every call with the default thresholds.
        first["trends"] = {name: _timed(lambda f=f: f(Thresholds())) for name, f in trends.items()}
        once["cohort_retention"] = _timed(lambda: e.cohort_retention(a, as_of=as_of, cohorts=12))
        run("trends", trends, orders_moves, samples)
        run("trends", trends, amount_moves, amount)
        # cohort_retention is threshold-free (cached by the app): timed again only to show its cost.
        cohort_again = [_timed(lambda: e.cohort_retention(a, as_of=as_of, cohorts=12)) for _ in range(3)]
        rss_all = peak_rss_mb()
    finally:
        a.close()

    def sums(per_call: dict[str, list[float]]) -> list[float]:
        columns = list(per_call.values())
        return [sum(values) for values in zip(*columns)] if columns else []

    result: dict[str, Any] = {
        "db": str(db), "customers": a.customer_count, "orders": a.order_count, "as_of": str(as_of),
        "previous": str(previous), "year_before": str(year_before), "transitions": [str(date_from), str(date_to)],
        "rounds": rounds, "moves_orders_axis": len(orders_moves) * rounds,
        "moves_amount_axis": len(amount_moves) * rounds,
        "open_s": open_s, "once_s": once, "first_s": first, "cohort_again_s": cohort_again,
        "pages": {},
        "rss_after_open_mb": rss_open, "rss_after_warm_up_mb": rss_warm, "rss_after_overview_first_mb": rss_overview,
        "rss_after_overview_moves_mb": rss_overview_moves, "peak_rss_mb": rss_all,
    }
    for page in ("overview", "trends"):
        per_move = sums(samples[page])
        per_move_amount = sums(amount[page])
        result["pages"][page] = {
            "calls": {name: {"median_s": _median(v), "best_s": min(v), "worst_s": max(v),
                             "amount_median_s": _median(amount[page].get(name, []))}
                      for name, v in samples[page].items()},
            "sum_per_move_s": per_move,
            "sum_median_s": _median(per_move), "sum_best_s": min(per_move), "sum_worst_s": max(per_move),
            "sum_amount_median_s": _median(per_move_amount),
            "first_sum_s": sum(first[page].values()),
        }
    result["loadavg_1min"] = [load_start, os.getloadavg()[0]]
    return result


# ---------------------------------------------------------------------------------------------
# The real app in a browser

_INIT_SCRIPT = """
(() => {
  const b = window.__bench = {ws: [], sent: [], keydown: [], clicks: [], widget: [], lastMutation: 0};
  const Orig = window.WebSocket;
  class Timed extends Orig {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => b.ws.push(performance.now()));
    }
    send(data) { b.sent.push(performance.now()); return super.send(data); }
  }
  window.WebSocket = Timed;
  document.addEventListener('keydown', () => b.keydown.push(performance.now()), true);
  document.addEventListener('click', () => b.clicks.push(performance.now()), true);
  const watch = () => {
    new MutationObserver(records => {
      const now = performance.now();
      const shown = document.querySelector('[data-testid="stStatusWidget"]') !== null;
      if (b.widget.length === 0 ? shown : b.widget[b.widget.length - 1][1] !== shown) b.widget.push([now, shown]);
      for (const r of records) {
        const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
        if (el && el.closest && el.closest('[data-testid="stMain"]')) { b.lastMutation = now; break; }
      }
    }).observe(document.documentElement, {childList: true, subtree: true, attributes: true, characterData: true});
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', watch); else watch();
  // A chart drawn on a canvas changes no DOM node when it redraws: its drawing counts as a change too.
  const C = CanvasRenderingContext2D.prototype;
  for (const name of ['fill', 'fillRect', 'stroke', 'fillText', 'drawImage', 'clearRect']) {
    const original = C[name];
    C[name] = function (...args) {
      const canvas = this.canvas;
      if (canvas && canvas.closest && canvas.closest('[data-testid="stMain"]')) b.lastMutation = performance.now();
      return original.apply(this, args);
    };
  }
})();
"""

SLIDER = "[data-testid='stSidebar'] .st-key-sb_min_orders [data-testid='stSlider'] input[type='range']"


def _server_memory(port: int) -> dict[str, float]:
    """VmRSS and VmHWM (MB) of the `streamlit run` process listening on `port` (read from /proc)."""
    needle = f"--server.port\x00{port}\x00".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "cmdline").read_bytes():
                continue
            fields = dict(line.split(":", 1) for line in (entry / "status").read_text().splitlines() if ":" in line)
            return {"pid": int(entry.name), "rss_mb": int(fields["VmRSS"].split()[0]) / 1024,
                    "hwm_mb": int(fields["VmHWM"].split()[0]) / 1024}
        except (OSError, KeyError, ValueError):
            continue
    return {}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_server_idle(pid: int, idle_s: float = 1.5, busy_share: float = 0.05, timeout_s: float = 180) -> float:
    """Wait until the server process has used under `busy_share` of a CPU for `idle_s` (its
    background warm-up is over); return how long that took."""
    started = time.monotonic()
    last, quiet_since = _cpu_seconds(pid), time.monotonic()
    while time.monotonic() - started < timeout_s:
        time.sleep(0.25)
        now = _cpu_seconds(pid)
        if now - last > busy_share * 0.25:
            quiet_since = time.monotonic()
        last = now
        if time.monotonic() - quiet_since >= idle_s:
            return quiet_since - started
    return timeout_s


class _Recorder:
    """Streamlit's ForwardMsg types in arrival order, to match the page's message timestamps."""

    def __init__(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self._parse = ForwardMsg.FromString
        self.kinds: list[str] = []

    def attach(self, ws) -> None:
        if "_stcore/stream" in ws.url:
            ws.on("framereceived", self._frame)

    def _frame(self, payload) -> None:
        kind = "text"
        if isinstance(payload, (bytes, bytearray)):
            try:
                msg = self._parse(bytes(payload))
                kind = msg.WhichOneof("type") or "none"
                if kind == "script_finished":
                    kind = f"script_finished:{msg.script_finished}"
            except Exception:  # noqa: BLE001 - an unparsable frame is only not counted
                kind = "unparsed"
        self.kinds.append(kind)


def _state(page) -> dict[str, Any]:
    return page.evaluate("() => JSON.parse(JSON.stringify(window.__bench))")


def _wait_settled(page, recorder: _Recorder, since_ws: int, t0: float, quiet_ms: float = 1500,
                  timeout_s: float = 120) -> dict[str, Any]:
    """Wait until a run that started after message `since_ws` finished successfully, the main area
    has not changed for `quiet_ms`, and the status widget is gone; return the times from `t0`
    (page clock, ms)."""
    deadline = time.monotonic() + timeout_s
    done = "script_finished:0"  # FINISHED_SUCCESSFULLY
    while True:
        page.wait_for_timeout(50)
        state = _state(page)
        now = page.evaluate("performance.now()")
        n = min(len(state["ws"]), len(recorder.kinds))
        finished = [i for i in range(since_ws, n) if recorder.kinds[i] == done]
        widget_shown = bool(state["widget"]) and state["widget"][-1][1]
        if finished and not widget_shown:
            last_finished = state["ws"][finished[-1]]
            quiet_from = max(last_finished, state["lastMutation"])
            if now - quiet_from >= quiet_ms:
                break
        if time.monotonic() > deadline:
            return {"timeout_s": timeout_s, "script_finished_s": None, "last_script_finished_s": None,
                    "main_settled_s": None, "request_sent_s": None, "status_widget_shown": False,
                    "status_widget_gone_s": None, "runs_finished": len(finished)}
    shows = [(t, s) for t, s in state["widget"] if t >= t0]
    shown_at = next((t for t, s in shows if s), None)
    gone_at = next((t for t, s in shows if not s and shown_at is not None and t > shown_at), None)
    sent = [t for t in state["sent"] if t >= t0]
    return {
        "request_sent_s": (sent[0] - t0) / 1000 if sent else None,
        "script_finished_s": (state["ws"][finished[0]] - t0) / 1000,
        "last_script_finished_s": (state["ws"][finished[-1]] - t0) / 1000,
        "runs_finished": len(finished),
        "main_settled_s": (max(state["lastMutation"], t0) - t0) / 1000,
        "status_widget_shown": shown_at is not None,
        "status_widget_gone_s": (gone_at - t0) / 1000 if gone_at is not None else None,
        "kinds": [k for k in recorder.kinds[since_ws:n] if k.startswith("script_finished")],
    }


def _sidebar(page) -> dict[str, Any]:
    """The sidebar's slider values and the URL's query string (shows a reset of the sidebar)."""
    return page.evaluate("""() => ({
        sliders: Object.fromEntries([...document.querySelectorAll("[data-testid=stSidebar] input[type=range]")]
            .map(e => [(e.closest('[class*=st-key-]').className.match(/st-key-(\\S+)/) || [])[1], e.value])),
        query: location.search})""")


def _move_slider(page, recorder: _Recorder, key: str) -> dict[str, Any]:
    slider = page.locator(SLIDER).first
    slider.focus()
    before = slider.input_value()
    sidebar_before = _sidebar(page)
    since = len(_state(page)["ws"])
    n_keys = len(_state(page)["keydown"])
    page.keyboard.press(key)
    state = _state(page)
    t0 = state["keydown"][n_keys] if len(state["keydown"]) > n_keys else page.evaluate("performance.now()")
    result = _wait_settled(page, recorder, since, t0)
    result["value"] = [before, page.locator(SLIDER).first.input_value()]
    result["sidebar"] = [sidebar_before, _sidebar(page)]
    return result


def browser_measure(db: str | Path, moves: int = 3) -> dict[str, Any]:
    """Open the app on `db`, then move `min_orders` `moves` times on the overview and on the trends page."""
    from playwright.sync_api import sync_playwright

    from scripts.appserver import CHROMIUM, CHROMIUM_ARGS, free_port, running_app

    import tempfile

    load_start = os.getloadavg()[0]
    port = free_port()
    result: dict[str, Any] = {"db": str(db), "moves": moves}
    started = time.perf_counter()
    with running_app(Path(db), port=port, timeout=120) as url, sync_playwright() as playwright, \
            tempfile.TemporaryDirectory() as profile:
        result["server_start_s"] = time.perf_counter() - started
        browser = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1500, "height": 1100}, locale="en-US",
        )
        try:
            page = browser.new_page()
            page.add_init_script(_INIT_SCRIPT)
            recorder = _Recorder()
            page.on("websocket", recorder.attach)
            # First load: the app builds the analysis (Analysis.open) and renders the overview.
            page.goto(url, wait_until="domcontentloaded")
            result["first_load"] = _wait_settled(page, recorder, 0, 0.0)
            result["server_after_first_load"] = _server_memory(port)
            _log(f"app first load: {result['first_load']['script_finished_s']:.2f} s")
            # The app warms up (activity tables, customer-list tables) in a background thread after
            # the open; slider moves are measured once the server is idle again.
            pid = result["server_after_first_load"].get("pid")
            if pid:
                result["warm_up_after_first_load_s"] = _wait_server_idle(pid)
                result["server_after_warm_up"] = _server_memory(port)
                _log(f"server idle {result['warm_up_after_first_load_s']:.1f} s after the first load settled")
            # The first move of a session is kept apart: in this app it resets the whole sidebar
            # (see RESULTS.md); ArrowRight so that every later move reaches a new value either way.
            result["first_move"] = _move_slider(page, recorder, "ArrowRight")
            _log(f"first move: {result['first_move']['value']}, sidebar {result['first_move']['sidebar']}")
            result["overview"] = []
            for _ in range(moves):
                result["overview"].append(_move_slider(page, recorder, "ArrowRight"))
                _log(f"overview move: {result['overview'][-1]['value']} finished "
                     f"{_ms(result['overview'][-1]['script_finished_s'])} s")
            # The trends page, by its link in the sidebar (same session).
            since = len(_state(page)["ws"])
            n_clicks = len(_state(page)["clicks"])
            page.locator("[data-testid='stSidebarNav'] a[href*='trends']").first.click()
            state = _state(page)
            t0 = state["clicks"][n_clicks] if len(state["clicks"]) > n_clicks else page.evaluate("performance.now()")
            result["trends_first_visit"] = _wait_settled(page, recorder, since, t0)
            _log(f"trends first visit: {result['trends_first_visit']['script_finished_s']:.2f} s")
            result["trends"] = []
            for _ in range(moves):  # further right: values the trends page's calls have not seen
                result["trends"].append(_move_slider(page, recorder, "ArrowRight"))
                _log(f"trends move: {result['trends'][-1]['value']} finished "
                     f"{_ms(result['trends'][-1]['script_finished_s'])} s")
            result["server_end"] = _server_memory(port)
        finally:
            browser.close()
    result["loadavg_1min"] = [load_start, os.getloadavg()[0]]
    for page_name in ("overview", "trends"):
        for metric in ("script_finished_s", "main_settled_s", "request_sent_s"):
            values = [m[metric] for m in result[page_name] if m.get(metric) is not None]
            result.setdefault("summary", {}).setdefault(page_name, {})[metric] = {
                "median": _median(values), "best": min(values) if values else None,
                "worst": max(values) if values else None}
        result["summary"][page_name]["status_widget_shown"] = sum(m["status_widget_shown"] for m in result[page_name])
    return result


# ---------------------------------------------------------------------------------------------
# Report


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def format_pages(results: list[dict[str, Any]]) -> str:
    """One table per page: each call's median over the runs' medians, and the page sums."""
    if not results:
        return ""
    r0 = results[0]
    out = [f"\nDashboard slider path without a browser: {r0['customers']:,} customers, {r0['orders']:,} orders, "
           f"as of {r0['as_of']} ({len(results)} run(s); per run {r0['moves_orders_axis']} orders-axis and "
           f"{r0['moves_amount_axis']} amount-axis moves; load average "
           + ", ".join(f"{r['loadavg_1min'][0]:.1f}→{r['loadavg_1min'][1]:.1f}" for r in results) + ")\n"]
    out.append("| page | call | default thresholds, first (s) | slider move, median (s) | best (s) | "
               "amount axis, median (s) |\n|:---|:---|---:|---:|---:|---:|")

    def med(values: list[float | None]) -> float | None:
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else None

    for page in ("overview", "trends"):
        for name in r0["pages"][page]["calls"]:
            out.append(f"| {page} | `{name}` | {_ms(med([r['first_s'][page][name] for r in results]))} | "
                       f"{_ms(med([r['pages'][page]['calls'][name]['median_s'] for r in results]))} | "
                       f"{_ms(min(r['pages'][page]['calls'][name]['best_s'] for r in results))} | "
                       f"{_ms(med([r['pages'][page]['calls'][name]['amount_median_s'] for r in results]))} |")
        p = [r["pages"][page] for r in results]
        out.append(f"| **{page}** | **sum per slider move** | {_ms(med([x['first_sum_s'] for x in p]))} | "
                   f"**{_ms(med([x['sum_median_s'] for x in p]))}** | {_ms(min(x['sum_best_s'] for x in p))} | "
                   f"{_ms(med([x['sum_amount_median_s'] for x in p]))} |")
    out.append("| once | `suggest_thresholds` (cached per as-of) | "
               f"{_ms(med([r['once_s']['suggest_thresholds'] for r in results]))} | | | |")
    out.append("| once | first `ensure(\"act_month\")` (the app's warm-up after open) | "
               f"{_ms(med([r['once_s'][ACTIVITY] for r in results]))} | | | |")
    if "ensure_list_tables" in r0["once_s"]:
        out.append("| once | `customers.ensure_list_tables` (the app's warm-up after open) | "
                   f"{_ms(med([r['once_s']['ensure_list_tables'] for r in results]))} | | | |")
    out.append("| once | `cohort_retention` (threshold-free, cached) | "
               f"{_ms(med([r['once_s']['cohort_retention'] for r in results]))} | "
               f"{_ms(med([statistics.median(r['cohort_again_s']) for r in results]))} (if rerun) | | |")
    out.append(f"\nPeak RSS of this process: {max(r['peak_rss_mb'] for r in results):,.0f} MB "
               f"(after open {r0['rss_after_open_mb']:,.0f} MB"
               + (f", after the warm-up {r0['rss_after_warm_up_mb']:,.0f} MB" if "rss_after_warm_up_mb" in r0 else "")
               + ").")
    return "\n".join(out)


def format_browser(result: dict[str, Any]) -> str:
    if not result or "error" in result:
        return f"\nBrowser measurement failed: {result.get('error') if result else 'not run'}"
    out = [f"\nReal app in headless Chromium ({result['moves']} moves of `min_orders` per page after the first; "
           f"load average {result['loadavg_1min'][0]:.1f}→{result['loadavg_1min'][1]:.1f}):\n",
           "| step | min_orders | rerun request sent (s) | script finished (s) | main area settled (s) | "
           "status widget gone (s) |\n|:---|:---|---:|---:|---:|---:|"]

    def line(label: str, m: dict[str, Any], value: str = "") -> str:
        if m.get("timeout_s"):
            return f"| {label} | {value} | no rerun finished within {m['timeout_s']:.0f} s | | | |"
        gone = _ms(m["status_widget_gone_s"]) if m["status_widget_shown"] else "not shown (run < 0.5 s)"
        return (f"| {label} | {value} | {_ms(m['request_sent_s'])} | {_ms(m['last_script_finished_s'])} | "
                f"{_ms(m['main_settled_s'])} | {gone} |")

    out.append(line("first load (navigation → overview drawn; includes Analysis.open)", result["first_load"]))
    first = result["first_move"]
    out.append(line("overview: first move of the session (ArrowRight)", first, " → ".join(first["value"])))
    for m in result["overview"]:
        out.append(line("overview: ArrowRight", m, " → ".join(m["value"])))
    out.append(line("trends page, first visit (click on its link → drawn)", result["trends_first_visit"]))
    for m in result["trends"]:
        out.append(line("trends: ArrowRight", m, " → ".join(m["value"])))
    before, after = first["sidebar"]
    if before["sliders"] != after["sliders"] and first["value"][1] != str(int(first["value"][0]) + 1):
        out.append(f"\nThe first move of the session reset the sidebar: sliders {before['sliders']} → "
                   f"{after['sliders']}, "
                   f"URL `{before['query']}` → `{after['query']}`.")
    if "warm_up_after_first_load_s" in result:
        busy = result["warm_up_after_first_load_s"]
        out.append("\nThe slider moves start once the server process is idle after the first load (its "
                   "background warm-up done): " + (f"it stayed busy another {busy:.1f} s." if busy >= 0.25
                                                   else "it already was."))
    end = result.get("server_end", {})
    if end:
        out.append(f"\nApp server process (`streamlit run`): RSS {end['rss_mb']:,.0f} MB at the end, "
                   f"peak {end['hwm_mb']:,.0f} MB.")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.app_latency", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=str(DEFAULT_DB), help="the database (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the slider moves (default 3)")
    parser.add_argument("--moves", type=int, default=3, help="slider moves per page in the browser (default 3)")
    parser.add_argument("--no-engine", action="store_true", help="skip the engine calls")
    parser.add_argument("--no-browser", action="store_true", help="skip the real app")
    parser.add_argument("--json", help="also write the measurements to this JSON file")
    parser.add_argument("--worker", choices=("pages", "browser"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker == "pages":
        print(json.dumps(pages_measure(args.db, rounds=args.rounds)))
        return 0
    if args.worker == "browser":
        print(json.dumps(browser_measure(args.db, moves=args.moves)))
        return 0
    if not Path(args.db).exists():
        parser.error(f"no database at {args.db}: run `python -m bench` first (it builds bench/out/*.duckdb)")
    from bench.run import _spawn_module

    report: dict[str, Any] = {}
    if not args.no_engine:
        report["pages"] = _spawn_module("bench.app_latency", "pages", "--db", args.db, "--rounds", str(args.rounds))
        print(format_pages([report["pages"]]))
    if not args.no_browser:
        report["browser"] = _spawn_module("bench.app_latency", "browser", "--db", args.db, "--moves", str(args.moves))
        print(format_browser(report["browser"]))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
