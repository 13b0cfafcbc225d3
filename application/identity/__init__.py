"""Identity: built-in accounts and sessions, and who the caller is across the programs."""
