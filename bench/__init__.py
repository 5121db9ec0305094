"""Benchmarks of the tier engine (`python -m bench`, see `bench/run.py`) and of the importer
(`python -m bench import`, see `bench/import_speed.py`); figures in `bench/RESULTS.md`."""
