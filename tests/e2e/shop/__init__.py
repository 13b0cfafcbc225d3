"""The shop program: tests (e2e)."""
