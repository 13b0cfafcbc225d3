"""The trust program: tests (unit)."""
