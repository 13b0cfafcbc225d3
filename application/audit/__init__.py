"""The audit program: use cases and read models."""
