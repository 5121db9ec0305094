"""Two threshold settings compared, at 1,000,000 customers: `compare.compare` (the A x B matrix)
next to `tier_counts`, each repeated with another setting B as slider moves would give it.

    .venv/bin/python -m bench.compare_speed 9
"""
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from segmentation.analysis import Analysis
from segmentation import compare, customers, engine
from segmentation.thresholds import Thresholds

DB = str(ROOT / "bench" / "out" / "demo_1000000_seed42_20261120.duckdb")
REPEATS = int(sys.argv[1]) if len(sys.argv) > 1 else 7
load_before = os.getloadavg()
started = time.perf_counter()
an = Analysis.open(DB, save_now=False)
opened = time.perf_counter() - started
customers.ensure_list_tables(an)
as_of = an.default_as_of()
A = Thresholds()
# B moves like a slider does: a different value every repeat
settings = [Thresholds(min_orders=4 + (i % 5), min_tenure_days=300 + 10 * i, lapse_days=120 + 10 * i) for i in range(REPEATS)]
matrix = compare.compare(an, A, settings[0], as_of)
move = compare.moves(matrix)[0][0]

def time_it(fn):
    times = []
    for b in settings:
        t = time.perf_counter(); fn(b); times.append(time.perf_counter() - t)
    return times

rows = [
    ("`engine.tier_counts` (B)", lambda b: engine.tier_counts(an, b, as_of)),
    ("`compare.compare` (A × B matrix)", lambda b: compare.compare(an, A, b, as_of)),
    ("`compare.compare` + `compare_counts`", lambda b: compare.compare_counts(compare.compare(an, A, b, as_of))),
    ("`compare.changers` (first 1,000 of one move, with its count)", lambda b: compare.changers(an, A, b, move, as_of)),
    ("`customers.customer_list` (first 1,000, no filter: the customers page)",
     lambda b: customers.customer_list(an, b, as_of)),
]
time_it(rows[0][1])  # warm
print(f"customers {an.customer_count:,}, as of {as_of}, open {opened:.1f}s, repeats {REPEATS}, load before {load_before[0]:.2f}")
print("| call | median (s) | best (s) | worst (s) |")
print("| --- | --- | --- | --- |")
for name, fn in rows:
    times = time_it(fn)
    print(f"| {name} | {statistics.median(times):.3f} | {min(times):.3f} | {max(times):.3f} |")
print("load after", f"{os.getloadavg()[0]:.2f}")
