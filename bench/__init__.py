"""Benchmarks, run one by one as `python -m bench.<name>`."""
