"""A studio's pages: its titles with their portals, and each title's analytics."""
