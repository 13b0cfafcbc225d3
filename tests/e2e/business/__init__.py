"""The business program: tests (e2e)."""
