"""The load benchmark's checks (`bench/load.py`): every settled view a browser session read is
compared with what the package computes for the database before and after the import.

A view names its database state in the sidebar's caption ("N customers, M orders (latest order
D)"): it must be exactly the before-state's or the after-state's caption. Every other figure
read in that view must then come from that same state, for the thresholds the sliders show:
the overview's tiles (each tier and status, exact figures) and their sum, the "who to contact
now" counts (overview and trends), the page's as-of date, the customer list's match count
(all customers, or the ready-made view), the download label and the rows of the file, the
customer page's order count (from the in-memory copy) and its order rows (read from the file).
A figure that fits only the other state is a **mix**; one that fits neither is **wrong**. A
view read after an action sent once the import had finished must show the after-state.

Errors: exception boxes, error alerts (those saying the file is busy or the export could not be
recorded are counted apart, as refusals), console errors and uncaught page errors, failed
downloads, a lost connection, and interactions that never settled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.load_browser import number

CAPTION = re.compile(r"^([\d,]+) customers, ([\d,]+) orders \(latest order (\S+)\)$")
STATUS_LABELS = {False: "Active", True: "Lapsed", None: "Customers"}
DOWNLOAD_LABEL = re.compile(r"Download ([\d,]+) customers$")  # after the button's icon name
REFRESHING = "New data is being imported"  # the app's notice while a writer holds the file
BUSY_PATTERNS = ("is in use by another program", "could not be recorded", "try again in a moment")


@dataclass
class State:
    """One database state as the package reads it, with the figures computed on demand."""

    name: str
    path: Path
    analysis: Any = None
    caption: tuple[int, int, str] | None = None
    all_customers: int | None = None
    _tiers: dict = field(default_factory=dict)
    _ready: dict = field(default_factory=dict)
    _customer: dict = field(default_factory=dict)

    def open(self) -> "State":
        from segmentation import customers
        from segmentation.analysis import Analysis
        from segmentation.filters import CustomerFilters
        from segmentation.thresholds import Thresholds

        self.analysis = Analysis.open(self.path)
        customers.ensure_list_tables(self.analysis)
        latest = self.analysis.latest_order_date
        self.caption = (self.analysis.customer_count, self.analysis.order_count, str(latest) if latest else "—")
        self.all_customers = customers.customer_list(self.analysis, Thresholds(), None, None, CustomerFilters(),
                                                     "amount", 0)[0]
        return self

    def close(self) -> None:
        if self.analysis is not None:
            self.analysis.close()
            self.analysis = None

    def tiers(self, thresholds) -> dict[tuple[str, str], int]:
        from segmentation.engine import tier_counts

        if thresholds not in self._tiers:
            frame = tier_counts(self.analysis, thresholds)
            self._tiers[thresholds] = {(row.tier, STATUS_LABELS[None if row.lapsed is None else bool(row.lapsed)]):
                                       int(row.customers) for row in frame.itertuples()}
        return self._tiers[thresholds]

    def ready(self, thresholds) -> dict[str, int]:
        from segmentation.customers import ready_view_counts

        if thresholds not in self._ready:
            self._ready[thresholds] = ready_view_counts(self.analysis, thresholds, None, None)
        return self._ready[thresholds]

    def customer(self, customer_id: str) -> tuple[int | None, int | None]:
        """(orders as the tier row counts them, order rows in the file) of one customer."""
        from segmentation import customers
        from segmentation.filters import CustomerFilters
        from segmentation.thresholds import Thresholds

        if customer_id not in self._customer:
            _, rows = customers.customer_list(self.analysis, Thresholds(), None, None,
                                              CustomerFilters(customer_ids=(customer_id,)), "customer_id", 1)
            record = customers.customer_record(self.path, customer_id)
            self._customer[customer_id] = (int(rows["orders"].iloc[0]) if len(rows) else None,
                                           None if record is None else len(record.orders))
        return self._customer[customer_id]


def view_thresholds(view: dict[str, Any]):
    """The thresholds the session's sliders show (the value axis is never changed by the script)."""
    from segmentation.thresholds import Thresholds

    sliders = view.get("sliders") or {}
    return Thresholds(min_orders=int(sliders["min_orders"]), min_tenure_days=int(sliders["min_tenure_days"]),
                      lapse_days=int(sliders["lapse_days"]))


def figures(view: dict[str, Any], labels: dict[str, str], customer_id: str) -> dict[str, Any]:
    """What the view shows, by name: each a value to compare with a state's (None: not shown)."""
    shown: dict[str, Any] = {}
    tiles = view.get("tiles") or {}
    if tiles:
        shown["tiles"] = {(code, figure["label"]): number(figure.get("exact") or figure["value"])
                          for code, tile in tiles.items() for figure in tile}
    short = tile_labels()  # the tiles show a view's short name (its full name is `labels`)
    acts = {key: number(value) for label, value in view.get("metrics") or [] for key, name in labels.items()
            if label in (name, short.get(key))}
    if acts:
        shown["act_now"] = acts
    title = re.search(r"as of (\d{4}-\d{2}-\d{2})$", view.get("title") or "")
    dated = [re.search(r"As of (\d{4}-\d{2}-\d{2})$", caption or "") for caption in view.get("main_captions") or []]
    as_of = title.group(1) if title else next((m.group(1) for m in dated if m), None)
    if as_of:
        shown["as_of"] = as_of
    matches = next((number(m.group(1)) for h in view.get("subheaders") or []
                    if (m := re.fullmatch(r"([\d,]+) customers match", h or ""))), None)
    if matches is not None:
        picked = next((key for key, name in labels.items() if name == view.get("ready_view")), None)
        shown["matches"] = (picked, matches)
    label = DOWNLOAD_LABEL.search(view.get("download_label") or "")
    if label:
        shown["download_label"] = number(label.group(1))
    today = dict(view.get("customer_today") or [])
    if "Orders" in today and view.get("path", "").rstrip("/").endswith("/customer"):
        shown["customer_orders"] = (customer_id, number(today["Orders"]))  # from the in-memory copy
        shown["customer_order_rows"] = (customer_id, view.get("orders_rows"))  # read from the file
    return shown


def expected(state: State, name: str, value: Any, thresholds) -> Any:
    """What `state` says for the figure `name` shown as `value` (same shape)."""
    if name == "tiles":
        return state.tiers(thresholds)
    if name == "act_now":
        counts = state.ready(thresholds)
        return {key: counts[key] for key in value}
    if name == "as_of":
        return state.caption[2]
    if name == "matches":
        view_key, _ = value
        return (view_key, state.all_customers if view_key is None else state.ready(thresholds)[view_key])
    if name == "download_label":
        return None  # compared with the match count of the same view, below
    if name in ("customer_orders", "customer_order_rows"):
        customer_id = value[0]
        return (customer_id, state.customer(customer_id)[name == "customer_order_rows"])
    raise KeyError(name)


def check_view(item: dict[str, Any], states: dict[str, State], labels: dict[str, str], session: dict[str, Any],
               import_end: float | None) -> dict[str, Any]:
    """The findings for one settled view: its state, and every figure that does not fit it. The
    sidebar must also keep the session's own tenure and English (a reset sidebar loses both)."""
    view = item.get("view") or {}
    found: dict[str, Any] = {"state": None, "mix": [], "wrong": [], "stale": False, "checked": []}
    captions = [m for c in view.get("sidebar_captions") or [] if (m := CAPTION.match(c or ""))]
    if not captions:
        if not item.get("problem") and not view.get("exceptions"):
            found["wrong"].append("no data caption in the sidebar")
        return found
    shown_caption = (number(captions[0].group(1)), number(captions[0].group(2)), captions[0].group(3))
    state_name = next((name for name, state in states.items() if state.caption == shown_caption), None)
    if state_name is None:
        found["wrong"].append(f"caption {shown_caption} is neither state's")
        return found
    found["state"] = state_name
    other = next(state for name, state in states.items() if name != state_name)
    if import_end is not None and item["issued_wall"] > import_end and state_name != "after":
        found["stale"] = True
    try:
        thresholds = view_thresholds(view)
    except (KeyError, TypeError, ValueError):
        found["wrong"].append(f"sliders not readable: {view.get('sliders')}")
        return found
    if thresholds.min_tenure_days != session["tenure"] or "lang=en" not in (view.get("query") or ""):
        found["wrong"].append(f"the sidebar was reset: tenure {thresholds.min_tenure_days} (the session's "
                              f"{session['tenure']}), URL {view.get('query')}")
    shown = figures(view, labels, session["customer_id"])
    for name, value in shown.items():
        if name == "download_label":
            match = shown.get("matches")
            if match is None or match[1] != value:
                found["wrong"].append(f"download label {value} but the page says {match}")
            continue
        mine = expected(states[state_name], name, value, thresholds)
        found["checked"].append(name)
        if name == "tiles" and sum(v for v in value.values() if v is not None) != states[state_name].caption[0]:
            found["wrong"].append(f"tiles sum to {sum(v for v in value.values() if v is not None)}, "
                                  f"caption says {states[state_name].caption[0]}")
        if value == mine:
            continue
        theirs = expected(other, name, value, thresholds)
        (found["mix"] if value == theirs else found["wrong"]).append(
            f"{name}: shown {value}, {state_name} {mine}, {other.name} {theirs}")
    return found


def errors_of(item: dict[str, Any]) -> dict[str, list[str]]:
    """The view's errors, and the refusals (busy file, export not recorded) counted apart."""
    view = item.get("view") or {}
    out: dict[str, list[str]] = {"exceptions": list(view.get("exceptions") or []), "errors": [], "refusals": [],
                                 "problems": [item["problem"]] if item.get("problem") else []}
    for text in view.get("errors") or []:
        (out["refusals"] if any(p in (text or "") for p in BUSY_PATTERNS) else out["errors"]).append(text)
    download = item.get("download")
    if download and not download.get("failure"):
        label = DOWNLOAD_LABEL.search(download.get("label") or "")
        if label is None or download.get("rows") != number(label.group(1)):
            out["problems"].append(f"downloaded {download.get('rows')} rows for {download.get('label')!r}")
    return out


def check_run(interactions: list[dict[str, Any]], sessions: list[dict[str, Any]], states: dict[str, State],
              labels: dict[str, str], import_end: float | None) -> dict[str, Any]:
    """Every view checked; the totals and up to 20 examples of each kind of finding."""
    session_of = {s["number"]: s for s in sessions}
    totals = {"views": 0, "before": 0, "after": 0, "mix": 0, "wrong": 0, "stale": 0, "exceptions": 0, "errors": 0,
              "refusals": 0, "problems": 0, "console": sum(len(s["console_errors"]) for s in sessions),
              "downloads": 0, "downloads_ok": 0, "figures_checked": 0, "notices": 0}
    examples: dict[str, list[str]] = {key: [] for key in ("mix", "wrong", "stale", "exceptions", "errors",
                                                          "refusals", "problems", "console")}
    first_after: dict[int, dict[str, Any]] = {}
    for item in interactions:
        where = f"session {item['session']} round {item['round']} {item['page']}/{item['action']}"
        found = check_view(item, states, labels, session_of[item["session"]], import_end)
        item["check"] = found
        if item.get("view"):
            totals["views"] += 1
        if found["state"]:
            totals[found["state"]] += 1
        totals["notices"] += any(REFRESHING in (text or "") for text in (item.get("view") or {}).get("infos") or [])
        totals["figures_checked"] += len(found["checked"])
        for key in ("mix", "wrong"):
            totals[key] += len(found[key])
            examples[key] += [f"{where}: {text}" for text in found[key]]
        if found["stale"]:
            totals["stale"] += 1
            examples["stale"].append(f"{where}: sent after the import finished, shows the {found['state']} state")
        for key, texts in errors_of(item).items():
            totals[key] += len(texts)
            examples[key] += [f"{where}: {text}" for text in texts]
        if item["action"] == "download":
            totals["downloads"] += 1
            totals["downloads_ok"] += not item.get("problem") and bool(item.get("download"))
        if import_end is not None and item["issued_wall"] > import_end and item["session"] not in first_after:
            first_after[item["session"]] = {"state": found["state"], "page": item["page"], "action": item["action"],
                                            "seconds": item.get("seconds")}
    for session in sessions:
        examples["console"] += [f"session {session['number']}: {e['kind']}: {e['text']}"
                                for e in session["console_errors"]]
    return {"totals": totals, "examples": {key: value[:20] for key, value in examples.items()},
            "first_after_import": first_after,
            "sessions_with_after_interaction": len(first_after),
            "sessions_first_after_showing_after": sum(1 for f in first_after.values() if f["state"] == "after")}


def ready_view_labels() -> dict[str, str]:
    """Ready-made view key -> its English name (the labels of the "who to contact now" figures)."""
    from segmentation.filters import READY_VIEWS
    from segmentation.texts import text

    return {key: text(f"view_{key}", "en") for key in READY_VIEWS}


def tile_labels() -> dict[str, str]:
    """Ready-made view key -> its short English name on the "who to contact now" tiles."""
    from segmentation.filters import READY_VIEWS
    from segmentation.texts import text

    return {key: text(f"view_tile_{key}", "en") for key in READY_VIEWS}

