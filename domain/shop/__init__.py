"""The shop program: aggregates and value objects."""
