"""The anchors program: tests (unit)."""
