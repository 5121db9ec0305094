"""Benchmarks of the tier engine: `python -m bench` (see `bench/run.py` and `bench/RESULTS.md`)."""
