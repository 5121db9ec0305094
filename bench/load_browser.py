"""One browser session of the load benchmark (`bench/load.py`): a scripted exploration of the
real app in a Playwright page (async API, so many sessions share one Chromium and one Python
thread), each interaction timed until the page has settled and each settled view read.

An interaction is a slider moved with the keyboard, a click on a page's link in the sidebar, a
ready-made view picked, "Prepare file" and the download, or a customer id typed. It has settled
when, after the action, the last `script_finished` message the server sent says the run
finished successfully (a run cut short by `st.rerun` is followed by another; decoded in Python
as `bench/app_latency.py` does), `stApp`'s `data-test-script-state` is `notRunning`, the status
widget is gone, no element is still loading its code (Streamlit's `stSkeleton` placeholders),
left stale from the run before or, for a table, still mounting its grid, and neither the main
area, the sidebar nor the websocket changed for `quiet_ms` (charts draw after the run ends).
The time recorded runs from the keydown or click in the page to the last of those changes, on
the page's own clock, so a busy Python driver does not inflate it; the wall-clock interval is kept too, to tell which
interactions overlapped the import.

After each settled interaction the view is read in one `evaluate`: the sidebar's data caption
(customers, orders, latest order), the page's title and as-of date, the threshold sliders,
the overview's tiles (exact figures), the "who to contact now" counts, the customer list's
match count and download label, the customer page's order count and order rows, every alert,
exception box and the connection state. `bench/load_check.py` compares them with the package.
"""

from __future__ import annotations

import csv
import io
import re
import time
from dataclasses import dataclass, field
from typing import Any

INIT_SCRIPT = r"""
(() => {
  const b = window.__load = {states: [], ws: 0, lastWs: 0, lastMutation: 0, inputs: 0, lastInput: 0};
  const Orig = window.WebSocket;
  class Counted extends Orig {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => { b.ws += 1; b.lastWs = performance.now(); });
    }
  }
  window.WebSocket = Counted;
  const mark = () => { b.inputs += 1; b.lastInput = performance.now(); };
  document.addEventListener('keydown', mark, true);
  document.addEventListener('click', mark, true);
  const watch = () => {
    new MutationObserver(records => {
      const now = performance.now();
      for (const r of records) {
        if (r.type === 'attributes' && r.attributeName === 'data-test-script-state') {
          b.states.push([now, r.target.getAttribute('data-test-script-state')]);
          if (b.states.length > 64) b.states.shift();
          continue;
        }
        const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
        if (el && el.closest && el.closest('[data-testid="stMain"], [data-testid="stSidebar"]')) b.lastMutation = now;
      }
    }).observe(document.documentElement, {childList: true, subtree: true, attributes: true, characterData: true});
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', watch); else watch();
})();
"""

POLL_SCRIPT = r"""
([t0, ws0]) => {
  const b = window.__load;
  const app = document.querySelector('[data-testid="stApp"]');
  let ran = false, doneAt = null;
  for (const [t, s] of b.states) {
    if (t < t0) continue;
    if (s === 'running') ran = true; else if (ran && s === 'notRunning') doneAt = t;
  }
  return {now: performance.now(), state: app ? app.getAttribute('data-test-script-state') : null,
          conn: app ? app.getAttribute('data-test-connection-state') : null, ran, doneAt,
          ws: b.ws - ws0, lastWs: b.lastWs, lastMutation: b.lastMutation,
          widget: document.querySelector('[data-testid="stStatusWidget"]') !== null,
          loading: document.querySelector('[data-testid="stSkeleton"], [data-testid="stSkeletonElement"], ' +
                                          '[data-testid="stAppSkeleton"], [data-stale="true"]') !== null ||
                   // a table still mounting: its grid (and the row count the view is read from) comes later
                   [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stDataFrame"]')]
                     .some(el => !el.querySelector('table[aria-rowcount], [role="grid"][aria-rowcount]'))};
}
"""

READ_SCRIPT = r"""
() => {
  const text = el => el ? el.innerText.trim() : null;
  const all = (sel, root) => [...(root || document).querySelectorAll(sel)];
  const main = document.querySelector('[data-testid="stMain"]');
  const sliders = {};
  for (const el of all('[data-testid="stSidebar"] [class*="st-key-sb_"] input[type="range"]')) {
    const key = (el.closest('[class*="st-key-"]').className.match(/st-key-sb_(\S+)/) || [])[1];
    if (key) sliders[key] = el.value;
  }
  const tiles = {};
  for (const el of all('[class*="st-key-ov_tile_"]')) {
    const code = (el.className.match(/st-key-ov_tile_(\S+)/) || [])[1];
    const figures = [];
    for (const node of all('[data-testid="stMetric"], [data-testid="stCaptionContainer"]', el)) {
      if (node.getAttribute('data-testid') === 'stMetric') {
        figures.push({label: text(node.querySelector('[data-testid="stMetricLabel"]')),
                      value: text(node.querySelector('[data-testid="stMetricValue"]'))});
      } else {
        const m = (text(node) || '').match(/^exactly ([\d,]+)$/);
        if (m && figures.length) figures[figures.length - 1].exact = m[1];
      }
    }
    tiles[code] = figures;
  }
  const metric = node => [text(node.querySelector('[data-testid="stMetricLabel"]')),
                          text(node.querySelector('[data-testid="stMetricValue"]'))];
  const metrics = main ? all('[data-testid="stMetric"]', main).map(metric) : [];
  let afterOrders = false, ordersRows = null;
  for (const el of main ? all('h3, [data-testid="stDataFrame"]', main) : []) {
    if (el.tagName === 'H3') { afterOrders = text(el) === 'Orders'; continue; }
    if (afterOrders && ordersRows === null) {
      const table = el.querySelector('table[aria-rowcount], [role="grid"][aria-rowcount]');
      ordersRows = table ? Number(table.getAttribute('aria-rowcount')) - 1 : -1;
      // An empty table is drawn with one row of empty cells.
      const cells = table ? all('tbody td', table) : [];
      if (ordersRows === 1 && cells.length && cells.every(td => !(td.innerText || '').trim())) ordersRows = 0;
      afterOrders = false;
    }
  }
  const alerts = kind => all(`[data-testid="stAlertContent${kind}"]`).map(text);
  const app = document.querySelector('[data-testid="stApp"]');
  return {
    path: location.pathname, query: location.search,
    sidebar_captions: all('[data-testid="stSidebar"] [data-testid="stCaptionContainer"]').map(text),
    title: main ? text(main.querySelector('h1')) : null,
    main_captions: main ? all('[data-testid="stCaptionContainer"]', main).map(text) : [],
    subheaders: main ? all('h3', main).map(text) : [],
    sliders, tiles, metrics, orders_rows: ordersRows,
    customer_today: all('.st-key-cs_today [data-testid="stMetric"]').map(metric),
    download_label: text(document.querySelector('.st-key-cu_download button')),
    prepare_button: document.querySelector('.st-key-cu_prepare button') !== null,
    ready_view: text(document.querySelector('.st-key-cu_view button[aria-checked="true"]')),
    errors: alerts('Error'), warnings: alerts('Warning'), infos: alerts('Info'),
    exceptions: all('[data-testid="stException"]').map(el => (text(el) || '').slice(0, 500)),
    connection: app ? app.getAttribute('data-test-connection-state') : null,
  };
}
"""

PAGE_LINKS = {"overview": "Overview", "trends": "Trends", "customers": "Customers", "customer": "Customer"}
SLIDER_INPUT = "[data-testid='stSidebar'] .st-key-sb_{field} [data-testid='stSlider'] input[type='range']"


@dataclass
class Interaction:
    """One timed action and the view it settled on."""

    session: int
    round: int
    page: str
    action: str
    issued_wall: float  # time.time() just before the action was sent
    seconds: float | None = None  # from the keydown or click to settled, on the page's clock
    started_wall: float | None = None  # the page's keydown or click, as time.time()
    settled_wall: float | None = None
    view: dict[str, Any] | None = None
    problem: str | None = None  # a timeout, a failed download, a lost connection
    download: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Session:
    """One browser page exploring the app: its own thresholds (so its slider moves miss the
    app's result cache, like a manager exploring new values), its own customer, its own log."""

    number: int
    page: Any
    customer_id: str
    ready_view_label: str
    quiet_ms: float = 1000
    timeout_s: float = 300
    interactions: list[Interaction] = field(default_factory=list)
    console_errors: list[dict[str, Any]] = field(default_factory=list)
    round: int = 0
    time_origin_ms: float = 0.0
    _directions: dict[str, int] = field(default_factory=lambda: {"min_orders": 1, "lapse_days": 1})
    _entered_customer: bool = False
    _recorder: Any = None

    def listen(self) -> None:
        """Decode the server's messages; record console errors and uncaught page errors (each one
        is a failure of the run)."""
        from bench.app_latency import _Recorder

        self._recorder = _Recorder()
        self.page.on("websocket", self._recorder.attach)

        def console(message) -> None:
            if message.type == "error":
                self.console_errors.append({"wall": time.time(), "kind": "console", "text": message.text[:500]})

        self.page.on("console", console)
        self.page.on("pageerror", lambda error: self.console_errors.append(
            {"wall": time.time(), "kind": "pageerror", "text": str(error)[:500]}))

    # -- waiting ----------------------------------------------------------------------------

    async def _input_time(self, inputs_before: int) -> float:
        """The page-clock time of the first keydown or click after `inputs_before`."""
        state = await self.page.evaluate("() => [window.__load.inputs, window.__load.lastInput, performance.now()]")
        return state[1] if state[0] > inputs_before else state[2]

    def _finished(self, since: int) -> bool:
        """Whether the last run whose end arrived after message `since` finished successfully."""
        ends = [kind for kind in self._recorder.kinds[since:] if kind.startswith("script_finished")]
        return bool(ends) and ends[-1] in ("script_finished:0", "script_finished:3")

    async def _settle(self, item: Interaction, t0: float, ws0: int, since: int) -> None:
        deadline = time.monotonic() + self.timeout_s
        connected = False
        while True:
            await self.page.wait_for_timeout(150)
            poll = await self.page.evaluate(POLL_SCRIPT, [t0, ws0])
            if poll["conn"] == "CONNECTED":
                connected = True
            elif connected:  # lost after it was up (before that, a first load is still connecting)
                item.problem = f"connection {poll['conn']}"
            if self._finished(since) and poll["state"] == "notRunning" and not poll["widget"] and not poll["loading"]:
                last = max(poll["doneAt"] or 0, poll["lastWs"], poll["lastMutation"], t0)
                if poll["now"] - last >= self.quiet_ms:
                    item.seconds = (last - t0) / 1000
                    item.started_wall = (self.time_origin_ms + t0) / 1000
                    item.settled_wall = (self.time_origin_ms + last) / 1000
                    break
            if time.monotonic() > deadline:
                item.problem = (f"not settled within {self.timeout_s:.0f} s (script state {poll['state']}, "
                                f"{poll['ws']} messages since the action, the last runs' ends "
                                f"{[k for k in self._recorder.kinds if k.startswith('script_finished')][-3:]}, "
                                f"{len(self._recorder.kinds) - since} decoded since; status widget {poll['widget']}, "
                                f"loading or stale elements {poll['loading']}, last change "
                                f"{(poll['now'] - max(poll['lastWs'], poll['lastMutation'])) / 1000:.1f} s ago)")
                item.started_wall = (self.time_origin_ms + t0) / 1000
                break
        item.view = await self.page.evaluate(READ_SCRIPT)

    async def _act(self, page_name: str, action: str, do) -> Interaction:
        """Run `do()` (which presses a key or clicks), then wait until the page settled."""
        item = Interaction(self.number, self.round, page_name, action, issued_wall=time.time())
        self.interactions.append(item)
        before = await self.page.evaluate("() => [window.__load.inputs, window.__load.ws]")
        since = len(self._recorder.kinds)
        try:
            await do()
        except Exception as error:  # noqa: BLE001 - a missing element is a result, not a crash of the run
            item.problem = f"{action}: {type(error).__name__}: {str(error).splitlines()[0][:300]}"
            item.view = await self.page.evaluate(READ_SCRIPT)
            return item
        t0 = await self._input_time(before[0])
        await self._settle(item, t0, before[1], since)
        return item

    # -- the interactions -------------------------------------------------------------------

    async def open(self, url: str) -> Interaction:
        """The first load: navigation to the overview with this session's thresholds."""
        item = Interaction(self.number, self.round, "overview", "first load", issued_wall=time.time())
        self.interactions.append(item)
        await self.page.goto(url, wait_until="domcontentloaded", timeout=self.timeout_s * 1000)
        self.time_origin_ms = await self.page.evaluate("performance.timeOrigin")
        await self._settle(item, 0.0, 0, 0)
        return item

    async def go(self, page_name: str) -> Interaction:
        link = self.page.locator("[data-testid='stSidebarNav']").get_by_role(
            "link", name=PAGE_LINKS[page_name], exact=True)
        return await self._act(page_name, "open", lambda: link.click(timeout=self.timeout_s * 1000))

    async def move_slider(self, page_name: str, field: str, low: int, high: int) -> Interaction:
        """One arrow key on `field`, bouncing between `low` and `high`."""
        slider = self.page.locator(SLIDER_INPUT.format(field=field)).first

        async def press() -> None:
            value = int(await slider.input_value(timeout=self.timeout_s * 1000))
            step = int(await slider.get_attribute("step") or 1)
            if value + step * self._directions[field] > high or value + step * self._directions[field] < low:
                self._directions[field] *= -1
            await slider.focus()
            await self.page.keyboard.press("ArrowRight" if self._directions[field] > 0 else "ArrowLeft")

        return await self._act(page_name, f"slider {field}", press)

    async def pick_ready_view(self) -> Interaction | None:
        button = self.page.locator(".st-key-cu_view button", has_text=self.ready_view_label)
        if await button.get_attribute("aria-checked", timeout=self.timeout_s * 1000) == "true":
            return None
        return await self._act("customers", "ready view", lambda: button.click(timeout=self.timeout_s * 1000))

    async def export(self, retries: int = 3) -> list[Interaction]:
        """"Prepare file" (retried when the app refuses it, as a person would), then the download."""
        done: list[Interaction] = []
        for _ in range(retries):
            view = await self.page.evaluate(READ_SCRIPT)
            if not view["prepare_button"]:
                return done  # the list is too large for the browser: the page says so
            prepare = self.page.locator(".st-key-cu_prepare button")
            item = await self._act("customers", "prepare export", lambda: prepare.click(timeout=self.timeout_s * 1000))
            done.append(item)
            if item.view and item.view["download_label"]:
                break
        else:
            return done
        button = self.page.locator(".st-key-cu_download button")
        item = Interaction(self.number, self.round, "customers", "download", issued_wall=time.time())
        self.interactions.append(item)
        done.append(item)
        label = await button.inner_text(timeout=self.timeout_s * 1000)
        before = await self.page.evaluate("() => [window.__load.inputs, window.__load.ws]")
        since = len(self._recorder.kinds)
        started = time.monotonic()
        try:
            async with self.page.expect_download(timeout=self.timeout_s * 1000) as info:
                await button.click(timeout=self.timeout_s * 1000)
            download = await info.value
            failure = await download.failure()
            with open(await download.path(), "rb") as saved:
                payload = b"" if failure else saved.read()
        except Exception as error:  # noqa: BLE001 - a failed download is a result
            item.problem = f"download: {type(error).__name__}: {str(error).splitlines()[0][:300]}"
            return done
        # Timed from the click (Python's clock) to the file saved by the browser.
        item.seconds = time.monotonic() - started
        item.started_wall, item.settled_wall = item.issued_wall, time.time()
        item.download = {"failure": failure, "bytes": len(payload), "rows": _csv_rows(payload), "label": label}
        if failure:
            item.problem = f"download failed: {failure}"
        # The click also reruns the page: let that run settle before the next action, and read its view.
        rerun = Interaction(self.number, self.round, "customers", "rerun after download", issued_wall=time.time())
        await self._settle(rerun, await self._input_time(before[0]), before[1], since)
        item.view = rerun.view
        if rerun.problem and not item.problem:
            item.problem = rerun.problem
        return done

    async def open_customer(self) -> list[Interaction]:
        done = [await self.go("customer")]
        if not self._entered_customer:
            field_input = self.page.locator("[class*='st-key-cs_pick_'] input").first

            async def enter() -> None:
                await field_input.fill(self.customer_id, timeout=self.timeout_s * 1000)
                await field_input.press("Enter")

            done.append(await self._act("customer", "enter id", enter))
            self._entered_customer = True
        return done

    async def one_round(self) -> None:
        """Overview slider, trends (open, slider), customers (open, ready view, export),
        customer, back to the overview."""
        await self.move_slider("overview", "min_orders", 3, 8)
        await self.go("trends")
        await self.move_slider("trends", "lapse_days", 90, 400)
        await self.go("customers")
        await self.pick_ready_view()
        await self.export()
        await self.open_customer()
        await self.go("overview")
        self.round += 1


def _csv_rows(payload: bytes) -> int | None:
    """Data rows of a downloaded CSV (UTF-8 with BOM), quoted newlines read as CSV does."""
    if not payload:
        return None
    try:
        return max(0, sum(1 for _ in csv.reader(io.StringIO(payload.decode("utf-8-sig")))) - 1)
    except UnicodeDecodeError:
        return None


def number(text: str | None) -> int | None:
    """12,345 -> 12345 (None for a compact 15.2k or anything else)."""
    match = re.fullmatch(r"-?[\d,]+", (text or "").strip())
    return int(match.group().replace(",", "")) if match else None
