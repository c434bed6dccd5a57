"""Benchmarks run by `nox -s bench`: each module times against a baseline in the same run."""
