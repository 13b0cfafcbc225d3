"""The audit program: tests (e2e)."""
