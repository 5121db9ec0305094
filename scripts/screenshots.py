"""Save a PNG of every page in both languages with headless Chromium (Debian's package).

    python scripts/screenshots.py --db data/demo.duckdb [--out docs/screenshots]

With `--team`, the pictures are taken on a copy of the database given users (an admin, a
manager, a staff user) and a few audited exports: the sign-in page, then every page signed in as
`--as NAME` (default: the admin), the Admin page included.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from scripts.appserver import CHROMIUM, CHROMIUM_ARGS, ROOT, running_app  # noqa: E402

PAGES = {"overview": "", "trends": "trends", "customers": "customers", "customer": "customer?id=0000015",
         "data": "data", "admin": "admin", "signin": "",
         # The look-ahead views, each opened by what a manager would click (see PREPARE).
         "compare": "", "forecast": "trends", "channels": "trends", "chance": "customer?id=0000015"}
#: Taken by default (the sign-in page only with --team).
DEFAULT_PAGES = ("overview", "trends", "customers", "customer", "data", "admin", "compare", "forecast", "channels",
                 "chance")
TEAM_PASSWORD = "screenshots only 1"
EXAMPLE_SHOP_FILE = ROOT / "docs" / "examples" / "shop_orders_sjis.csv"


def check_an_example_file(page) -> None:
    """The Data page with the example Shift_JIS shop file uploaded and checked (a check writes nothing)."""
    page.locator(".st-key-da_upload_orders_0 input[type=file]").set_input_files(str(EXAMPLE_SHOP_FILE))
    check = page.locator(".st-key-da_check button")
    expect(check).to_be_enabled(timeout=60_000)
    check.click()
    expect(page.locator(".st-key-da_check_figures")).to_be_visible(timeout=60_000)
    expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=60_000)
    page.wait_for_timeout(1500)


def settle(page) -> None:
    """Until the rerun a click or key started has finished and the charts have drawn."""
    page.wait_for_timeout(800)
    expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=180_000)
    page.wait_for_timeout(2500)


def compare_after_a_slider_move(page) -> None:
    """The overview's comparison: "buys often" moved up one step, then the toggle switched on."""
    slider = page.locator("[data-testid='stSidebar'] .st-key-sb_min_orders [data-testid='stSlider'] input[type='range']")
    slider.first.focus()
    page.keyboard.press("ArrowRight")
    settle(page)
    page.locator(".st-key-ov_compare label").click()
    settle(page)


def forecast_six_periods(page) -> None:
    """The 推移グラフ with six months of forecast."""
    page.locator(".st-key-tr_forecast input").first.click()
    page.get_by_role("option", name="6", exact=True).click()
    settle(page)


def channels_view(page) -> None:
    """The trends page's channels view: funnel, costs, lifts, prospects to approach."""
    page.locator(".st-key-tr_section button").nth(5).click()
    settle(page)


def chance_of_coming_back(page) -> None:
    """The customer page with the model's chance of coming back switched on (fits once)."""
    page.locator(".st-key-cs_predict label").click()
    page.wait_for_selector(".st-key-cs_predict_figures", timeout=300_000)
    settle(page)


#: What to do on a page before its picture is taken.
PREPARE = {"data": check_an_example_file, "compare": compare_after_a_slider_move, "forecast": forecast_six_periods,
           "channels": channels_view, "chance": chance_of_coming_back}


def wait_for_app(page) -> None:
    """Until the script has finished running and the charts have drawn."""
    page.wait_for_selector("[data-testid='stAppViewContainer']", timeout=60_000)
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=180_000)  # every page has a title
    page.wait_for_timeout(1500)
    expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=120_000)
    page.wait_for_timeout(2500)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default=str(ROOT / "data" / "demo.duckdb"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--langs", default="ja,en")
    parser.add_argument("--pages", help="which pages (default: all; the sign-in page only with --team)")
    parser.add_argument("--width", type=int, default=1500, help="browser width in px (default 1500)")
    parser.add_argument("--team", action="store_true", help="on a copy with users: sign-in page, then signed in")
    parser.add_argument("--as", dest="as_user", default="yamada", help="with --team: who signs in")
    args = parser.parse_args()
    args.pages = args.pages or ",".join(("signin",) * args.team + DEFAULT_PAGES)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        db = team_copy(Path(args.db), Path(scratch)) if args.team else Path(args.db)
        return take(args, db, out)


def team_copy(db: Path, scratch: Path) -> Path:
    """A copy of `db` with three users and what they did in the audit."""
    import shutil

    from segmentation import audit, users
    from segmentation.access import Viewer, restricted_analysis
    from segmentation.analysis import Analysis
    from segmentation.thresholds import Thresholds

    copy = Path(shutil.copy(db, scratch / db.name))
    owner = Viewer("os:owner", "admin", None, "cli owner@shop-pc")
    analysis = Analysis.open(copy)
    staff = analysis.fetchall("SELECT staff FROM cust WHERE staff IS NOT NULL GROUP BY staff "
                              "ORDER BY count(*) DESC, staff LIMIT 1")[0][0]
    users.add_user(copy, "yamada", "admin", TEAM_PASSWORD, by=owner)
    users.add_user(copy, "sato", "manager", TEAM_PASSWORD, by=owner)
    users.add_user(copy, "hanako", "staff", TEAM_PASSWORD, staff=staff, by=owner)
    mine = restricted_analysis(analysis, staff)
    audit.log(copy, Viewer("hanako", "staff", staff, "page 192.168.10.24"), "export",
              audit.conditions(thresholds=Thresholds(), as_of=mine.default_as_of(), format="csv_utf8"),
              customers=mine.customer_count)
    audit.log(copy, Viewer("sato", "manager", None, "page 192.168.10.31"), "export",
              audit.conditions(thresholds=Thresholds(min_orders=4), as_of=analysis.default_as_of(), format="xlsx"),
              customers=analysis.customer_count)
    mine.close()
    analysis.close()
    return copy


def sign_in(page, name: str) -> None:
    """Fill the sign-in form when the page shows it, and wait for the signed-in page."""
    field = page.locator(".st-key-auth_name input")
    if not field.count():
        return
    field.fill(name)
    page.locator(".st-key-auth_password input").fill(TEAM_PASSWORD)
    page.locator("[data-testid='stFormSubmitButton'] button").click()
    expect(page.locator(".st-key-auth_sign_out")).to_be_visible(timeout=120_000)


def take(args, db: Path, out: Path) -> int:
    with running_app(db) as url, sync_playwright() as playwright, \
            tempfile.TemporaryDirectory() as profile:
        browser = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": args.width, "height": 1100}, locale="ja-JP",
        )
        try:
            page = browser.new_page()
            for lang in args.langs.split(","):
                for name in args.pages.split(","):
                    path = PAGES[name]
                    page.goto(f"{url}/{path}{'&' if '?' in path else '?'}lang={lang}")
                    if args.team and name != "signin":
                        page.wait_for_selector("[data-testid='stMain'] h1", timeout=180_000)
                        sign_in(page, args.as_user)
                    wait_for_app(page)
                    if name in PREPARE:
                        PREPARE[name](page)
                    target = out / f"{name}-{lang}.png"
                    height = page.evaluate(
                        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], section.main, "
                        "[data-testid=stMainBlockContainer]')].map(e => e.scrollHeight), 1100)")
                    page.set_viewport_size({"width": args.width, "height": min(int(height) + 80, 6000)})
                    page.wait_for_timeout(1500)
                    page.screenshot(path=str(target), full_page=True)
                    page.set_viewport_size({"width": args.width, "height": 1100})
                    print(target)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
