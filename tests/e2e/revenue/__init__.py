"""The revenue program: tests (e2e)."""
