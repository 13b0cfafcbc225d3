"""The revenue program: use cases and read models."""
