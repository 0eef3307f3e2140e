"""Benchmarks and the data generator behind them (not tests: they run only when asked).

``python -m bench --help`` or ``giamsat bench --help``; results in ``docs/benchmarks.md``.
"""
