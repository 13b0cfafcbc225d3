"""The music program: tests (integration)."""
