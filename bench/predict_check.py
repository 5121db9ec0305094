"""Check the chance-of-coming-back model the way its authors did (Fader, Hardie & Lee 2005):
fit on the history up to a date (the calibration period), predict each customer's orders over
the following weeks (the holdout), and compare with what happened: the total, the mean per
group of repeat-order counts in the calibration period, and the cumulative orders week by week.
Beside it, the naive forecast "each customer keeps ordering at their past rate".
Also times the fit and the predictions for everyone at the latest date.

    .venv/bin/python -m bench.predict_check --db bench/out/demo_1000000_seed42_20261120.duckdb \
        --weeks 26 --out /tmp/results_predict.md

Counts are order days (several orders on one day count once), as the model counts them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from segmentation import predict
from segmentation.analysis import Analysis


def holdout_orders(analysis: Analysis, cutoff: dt.date, end: dt.date) -> pd.DataFrame:
    """Order days per customer after `cutoff` up to `end` (cid, actual)."""
    return analysis.df("""
        SELECT cid, count(*) AS actual FROM state
        WHERE n_orders > 0 AND valid_from > $cutoff AND valid_from <= $end
        GROUP BY cid
    """, {"cutoff": cutoff, "end": end})


def check(analysis: Analysis, weeks: int, sample_size: int) -> tuple[str, dict]:
    latest = analysis.latest_order_date
    cutoff = latest - dt.timedelta(weeks=weeks)
    horizon = latest - cutoff
    started = time.perf_counter()
    calibration = predict.features(analysis, cutoff)
    fitted = predict.fit_frame(calibration, as_of=cutoff, sample_size=sample_size)
    fit_seconds = time.perf_counter() - started
    predicted = predict.predict_frame(fitted, calibration, horizon.days)
    actual = holdout_orders(analysis, cutoff, latest)
    frame = calibration.merge(predicted, on="cid").merge(actual, on="cid", how="left").fillna({"actual": 0})
    frame["naive"] = np.where(frame["t_days"] > 0, frame["frequency"] / frame["t_days"].clip(lower=1), 0) * horizon.days
    total_pred, total_actual, total_naive = frame["expected_orders"].sum(), frame["actual"].sum(), frame["naive"].sum()

    lines = [f"Calibration: orders up to {cutoff} ({len(frame):,} customers with orders, fit on {fitted.sample:,}; "
             f"fit {fit_seconds:.1f} s). Holdout: {cutoff + dt.timedelta(days=1)} to {latest} ({weeks} weeks).",
             "",
             f"Parameters: r = {fitted.params['r']:.4f}, alpha = {fitted.params['alpha']:.2f}, "
             f"a = {fitted.params['a']:.4f}, b = {fitted.params['b']:.2f}",
             "",
             "| | order days in the holdout | error |",
             "|---|---:|---:|",
             f"| what happened | {total_actual:,.0f} | |",
             f"| MBG/NBD forecast | {total_pred:,.0f} | {100 * (total_pred / total_actual - 1):+.1f}% |",
             f"| naive: past rate kept | {total_naive:,.0f} | {100 * (total_naive / total_actual - 1):+.1f}% |",
             "",
             "Mean order days in the holdout per group of repeat order days in the calibration period "
             "(the authors' conditional expectation check):",
             "",
             "| repeat order days before | customers | actual mean | MBG/NBD mean | naive mean |",
             "|---:|---:|---:|---:|---:|"]
    groups = frame.assign(group=frame["frequency"].clip(upper=7)).groupby("group")
    for group, rows in groups:
        label = f"{group}+" if group == 7 else str(group)
        lines.append(f"| {label} | {len(rows):,} | {rows['actual'].mean():.3f} | {rows['expected_orders'].mean():.3f} "
                     f"| {rows['naive'].mean():.3f} |")
    lines += ["", "Cumulative order days after the cutoff, week by week (every 4th week):", "",
              "| week | actual | MBG/NBD | error |", "|---:|---:|---:|---:|"]
    days = analysis.df("""
        SELECT CAST(valid_from - $cutoff AS INTEGER) AS day, count(*) AS n FROM state
        WHERE n_orders > 0 AND valid_from > $cutoff AND valid_from <= $end
          AND cid IN (SELECT cid FROM state WHERE n_orders > 0 AND valid_from <= $cutoff)
        GROUP BY 1
    """, {"cutoff": cutoff, "end": latest})
    for week in list(range(4, weeks + 1, 4)) + ([weeks] if weeks % 4 else []):
        happened = int(days.loc[days["day"] <= 7 * week, "n"].sum())
        forecast = float(predict.predict_frame(fitted, calibration, 7 * week)["expected_orders"].sum())
        lines.append(f"| {week} | {happened:,} | {forecast:,.0f} | {100 * (forecast / max(happened, 1) - 1):+.1f}% |")
    lines += ["", "Share who ordered again in the holdout, by the chance still a customer at the cutoff:", "",
              "| p_alive at the cutoff | customers | share who ordered |", "|---|---:|---:|"]
    bands = pd.cut(frame["p_alive"], [0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0], include_lowest=True)
    for band, rows in frame.groupby(bands, observed=True):
        lines.append(f"| {band} | {len(rows):,} | {(rows['actual'] > 0).mean():.1%} |")
    figures = {"total_pred": total_pred, "total_actual": total_actual, "total_naive": total_naive,
               "fit_seconds": fit_seconds}
    return "\n".join(lines), figures


def speed(analysis: Analysis, sample_size: int) -> str:
    started = time.perf_counter()
    frame = predict.features(analysis)
    features_seconds = time.perf_counter() - started
    started = time.perf_counter()
    fitted = predict.fit_frame(frame, as_of=analysis.default_as_of(), sample_size=sample_size)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    predicted = predict.predict_frame(fitted, frame, predict.DEFAULT_HORIZON_DAYS)
    predict_seconds = time.perf_counter() - started
    one_time = frame["frequency"] == 0
    return (f"At the latest date ({analysis.default_as_of()}): {len(frame):,} customers with orders; inputs in SQL "
            f"{features_seconds:.2f} s, fit on {fitted.sample:,} {fit_seconds:.1f} s (pytensor compiled in this "
            f"process), p_alive and 90-day expected orders for all {predict_seconds:.2f} s. One-time buyers: "
            f"{one_time.sum():,}, mean p_alive {predicted.loc[one_time.to_numpy(), 'p_alive'].mean():.3f} "
            f"(max {predicted.loc[one_time.to_numpy(), 'p_alive'].max():.3f}); repeat customers mean "
            f"{predicted.loc[~one_time.to_numpy(), 'p_alive'].mean():.3f}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--sample", type=int, default=predict.FIT_SAMPLE)
    parser.add_argument("--out", help="write the markdown section here (default: print it)")
    args = parser.parse_args()
    started = time.perf_counter()
    analysis = Analysis.open(args.db)
    open_seconds = time.perf_counter() - started
    body, _ = check(analysis, args.weeks, args.sample)
    section = "\n".join([
        f"## Chance of coming back: the model checked against what happened ({dt.date.today()})",
        "",
        f"`{' '.join(['.venv/bin/python -m bench.predict_check', '--db', args.db, '--weeks', str(args.weeks)])}` "
        f"on {Path(args.db).name} (opened in {open_seconds:.1f} s); load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end of the run, 2 cores shared.",
        "",
        body,
        "",
        speed(analysis, args.sample),
        "",
    ])
    analysis.close()
    if args.out:
        Path(args.out).write_text(section, encoding="utf-8")
    print(section)


if __name__ == "__main__":
    main()
