"""The trust program: aggregates and value objects."""
