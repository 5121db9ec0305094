"""Backtest of the forecast of the 推移グラフ: `python -m bench.forecast_backtest --db PATH [--db PATH ...]`.

For each database (default thresholds, all customers, monthly periods) the forecast is made at
`--origins` past month ends, each with only the history known then, and compared for 1 to 12
months ahead with the counts that followed, beside the naive forecast "the counts stay as they
are" (`segmentation.forecast.backtest_from_history`). Prints markdown: per horizon, the mean
absolute percentage error of the counts per tier and status (counts of 10 customers or more),
the absolute errors summed over all counts per customer (WAPE), and how often the 80% band held
what happened, out of sample: the band of each forecast checked is the 80th percentile of the
relative errors of the forecasts made before it whose outcome was known then (never its own);
beside it, the half-width of the band the forecast made at the last month end gets. Then the
same errors at 3, 6 and 12 months for other history windows, which is how the default window was
chosen. The databases are opened read-only through `Analysis.open`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

from segmentation.analysis import Analysis
from segmentation.forecast import DEFAULT_HISTORY, MAX_PERIODS, backtest_from_history, observed_history

WINDOWS = (1, 3, 6, 12, 24)


def percent(value: float) -> str:
    return "–" if value != value else f"{value:.1%}"


def one_database(path: Path, origins: int, horizons: int) -> list[str]:
    started = time.perf_counter()
    analysis = Analysis.open(path)
    observed = observed_history(analysis, freq="month")
    read_s = time.perf_counter() - started
    out = [f"### {path.name}: {analysis.customer_count:,} customers, month ends "
           f"{observed.ends[0]} to {observed.ends[-1]} ({len(observed)} moves read in {read_s:.1f} s)", ""]
    started = time.perf_counter()
    result = backtest_from_history(observed, horizons, DEFAULT_HISTORY, origins)
    out += [f"History window {DEFAULT_HISTORY} months (the default), {int(result['origins'].iloc[0])} forecast origins "
            f"(backtest {time.perf_counter() - started:.2f} s):", "",
            "| months ahead | MAPE forecast | MAPE naive | WAPE forecast | WAPE naive "
            "| inside the 80% band (counts checked) | band now: forecast × (1 ∓ …) |",
            "|---:|---:|---:|---:|---:|---:|---:|"]
    for row in result.itertuples():
        carried = f" (from {row.band_source} ahead)" if row.band_source not in (0, row.horizon) else ""
        out.append(f"| {row.horizon} | {percent(row.forecast_mape)} | {percent(row.naive_mape)} | "
                   f"{percent(row.forecast_wape)} | {percent(row.naive_wape)} | "
                   f"{percent(row.coverage)} ({row.checked}) | {percent(row.band)}{carried} |")
    out += ["", "Other history windows (MAPE forecast / naive, WAPE forecast / naive):", "",
            "| window | 3 months ahead | 6 months ahead | 12 months ahead |", "|---:|---|---|---|"]
    for window in WINDOWS:
        shown = backtest_from_history(observed, horizons, window, origins).set_index("horizon")
        cells = []
        for horizon in (3, 6, 12):
            if horizon > horizons:
                cells.append("–")
                continue
            row = shown.loc[horizon]
            cells.append(f"{percent(row.forecast_mape)} / {percent(row.naive_mape)}, "
                         f"{percent(row.forecast_wape)} / {percent(row.naive_wape)}")
        out.append(f"| {window} | " + " | ".join(cells) + " |")
    analysis.close()
    return out + [""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.forecast_backtest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", action="append", required=True, metavar="PATH", help="a database (repeatable)")
    parser.add_argument("--origins", type=int, default=12, help="past month ends to forecast from (default 12)")
    parser.add_argument("--horizons", type=int, default=MAX_PERIODS, help="months ahead, 3 to 12 (default 12)")
    parser.add_argument("--out", metavar="FILE.md", help="also write the markdown here")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    lines = [f"## Forecast backtest ({dt.date.today():%Y-%m-%d})", "",
             f"`.venv/bin/python -m bench.forecast_backtest {' '.join('--db ' + d for d in args.db)}` "
             f"(load average {load:.2f} at the start, {os.cpu_count()} cores)", ""]
    for db in args.db:
        lines += one_database(Path(db), args.origins, args.horizons)
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
