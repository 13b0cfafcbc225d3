"""The anchors program: tests (e2e)."""
