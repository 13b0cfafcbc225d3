"""Hostile uploads: the peak memory a live service spends on each bad input."""
