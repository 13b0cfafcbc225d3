"""An admin's pages: the Pulse applications queue, and an account's roles."""
