"""The revenue program: tests (unit)."""
