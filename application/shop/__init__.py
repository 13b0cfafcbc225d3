"""The shop program: use cases and read models."""
