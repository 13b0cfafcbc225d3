"""Identity over HTTP: who the caller is, their accounts and their roles."""
