"""The business program: aggregates and value objects."""
