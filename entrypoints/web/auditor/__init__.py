"""An auditor's pages: each log's head, and its records with their hash-chain links."""
