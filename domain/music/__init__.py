"""The music program: aggregates and value objects."""
