"""Identity: people's built-in accounts, the roles they hold and their sessions."""
