"""The business program: use cases and read models."""
