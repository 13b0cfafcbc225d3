"""The anchors program: use cases and read models."""
