"""The shop program: tests (integration)."""
