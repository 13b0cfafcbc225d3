"""The anchors benchmark: matching quality, fingerprinting cost, lookup latency as the
catalogue grows, and retroactive matching. ``python -m bench anchors [--quick]``."""
