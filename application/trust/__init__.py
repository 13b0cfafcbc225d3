"""The trust program: use cases and read models."""
