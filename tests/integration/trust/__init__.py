"""The trust program: tests (integration)."""
