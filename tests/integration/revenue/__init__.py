"""The revenue program: tests (integration)."""
