"""Backups of a store: the directory of files and the copiers of each kind of store."""
