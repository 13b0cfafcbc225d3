"""Benchmarks of the Spotlight core against the bare eventsourcing library.

Run ``python -m bench --help`` from the repository root.
"""
