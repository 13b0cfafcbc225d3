"""The revenue program: aggregates and value objects."""
