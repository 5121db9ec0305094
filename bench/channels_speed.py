"""What a loyal customer costs per channel, and prospects like loyal customers, at 1,000,000
customers: each call three times in one process (the first, and the best of the next two), with
hypothetical costs passed in memory (the file is not written).

    .venv/bin/python -m bench.channels_speed
"""
import datetime as dt
import os
import time
from decimal import Decimal
import pandas as pd
from segmentation.analysis import Analysis
from segmentation.channel_cost import channel_economics, read_costs
from segmentation.prospects import prospect_scores, attribute_lifts
from segmentation.customers import customer_list, ready_view_counts
from segmentation.filters import READY_VIEWS
DB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench", "out", "demo_1000000_seed42_20261120.duckdb")
pd.set_option("display.width", 250); pd.set_option("display.max_columns", 30)
def timed(label, f, n=3):
    times = []
    for _ in range(n):
        t = time.perf_counter(); r = f(); times.append(time.perf_counter() - t)
    print(f"| {label} | {times[0]:.2f} | {min(times[1:]):.2f} |")
    return r
print("load", os.getloadavg())
t = time.perf_counter(); a = Analysis.open(DB); print("open", round(time.perf_counter() - t, 2))
t = time.perf_counter(); costs_file = read_costs(DB); print("read_costs", round(time.perf_counter() - t, 3), costs_file)
# Hypothetical costs (the demo file is never written), per month over 2024-01..2024-12.
months = [dt.date(2024, m, 1) for m in range(1, 13)]
costs = tuple((ch, m, Decimal(amount)) for ch, amount in [("Web広告", 900000), ("SNS", 500000), ("店頭", 200000),
              ("ダイレクトメール", 600000), ("紹介", 300000), ("展示会", 800000)] for m in months)
print("| call | first (s) | repeated, best (s) |\n| --- | ---: | ---: |")
e0 = timed("channel_economics, no costs", lambda: channel_economics(a))
e = timed("channel_economics, 72 cost rows", lambda: channel_economics(a, costs=costs))
top = timed("prospect_scores, top 20 (ja)", lambda: prospect_scores(a, lang="ja", limit=20))
allp = timed("prospect_scores, every prospect and first-time customer", lambda: prospect_scores(a, lang="ja"), n=2)
lifts = timed("attribute_lifts", lambda: attribute_lifts(a))
v = READY_VIEWS["prospects_to_approach"]
a.ensure("profile"); a.ensure("contact_summary")
lst = timed("customer_list, ready view, first 100 rows", lambda: customer_list(a, filters=v.filters, sort=v.sort, limit=100))
timed("customer_list, all customers, first 100 rows (no score)", lambda: customer_list(a, limit=100))
timed("ready_view_counts (5 views)", lambda: ready_view_counts(a))
print("load", os.getloadavg())
print(e.to_string())
print(top[["customer_id", "tier", "channel", "region", "staff", "loyal_score", "reason"]].head(5).to_string())
print(len(allp), allp["tier"].value_counts().to_dict())
print(lifts.to_string())
print("ready view total", lst[0])
