"""Tamper evidence: what the hash chain costs writers, and how fast (and in how little
memory) `spotlight audit verify` walks a big log."""
