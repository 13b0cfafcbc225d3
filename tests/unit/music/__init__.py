"""The music program: tests (unit)."""
