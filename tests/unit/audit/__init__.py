"""The audit program: tests (unit)."""
