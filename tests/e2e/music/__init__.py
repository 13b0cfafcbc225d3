"""The music program: tests (e2e)."""
