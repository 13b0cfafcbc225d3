"""Tamper evidence in the stores: recorders that write a hash-chain link beside every event
record, in the same transaction, and the Ed25519 keys that sign checkpoints.

``adapters.storage.Store.env_for`` selects the chained factory of each store through
``PERSISTENCE_MODULE``; the link function and verification live in ``application.audit.audit``.
"""
