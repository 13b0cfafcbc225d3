"""The business program: tests (unit)."""
