"""The pure domain of Spotlight Core: aggregates, their events and the rules they enforce.

Nothing here reads a clock, touches a file or a network, or knows about a framework:
every command receives the time and the acting party from the application layer.
"""
