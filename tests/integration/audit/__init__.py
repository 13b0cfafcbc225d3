"""The audit program: tests (integration)."""
