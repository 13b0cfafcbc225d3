"""The anchors program: aggregates and value objects."""
