"""The shop program: tests (unit)."""
