"""Benchmark and evaluation helpers: data slices, long inputs, baselines."""
