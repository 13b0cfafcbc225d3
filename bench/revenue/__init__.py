"""The revenue suite: impression batches through Pulse, loading big ledger accounts, and
recomputing every balance from the revenue log (``python -m bench revenue``)."""
