"""The trust program: tests (e2e)."""
