"""Synthetic worlds with known truth, for tests, benchmarks and demos.

Everything here is generated from a seed: no value belongs to a real person,
and the same seed always gives the same data, so accuracy figures can be
reproduced and compared across versions.
"""
