"""Benchmarks for dataset-kit and the synthetic corpus generator they run on.

Run them from the repository root, either as scripts (``python bench/bench_validate.py``)
or as modules (``python -m bench.bench_validate``); results go to ``bench/results/``.
"""
