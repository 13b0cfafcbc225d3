"""The music program: use cases and read models."""
