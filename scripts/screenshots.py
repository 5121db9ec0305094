"""Save a PNG of every page in both languages with headless Chromium (Debian's package).

    python scripts/screenshots.py --db data/demo.duckdb [--out docs/screenshots]
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
         "data": "data"}
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


#: What to do on a page before its picture is taken.
PREPARE = {"data": check_an_example_file}


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
    parser.add_argument("--pages", default=",".join(PAGES), help="which pages (default: all)")
    parser.add_argument("--width", type=int, default=1500, help="browser width in px (default 1500)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with running_app(Path(args.db)) as url, sync_playwright() as playwright, \
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
