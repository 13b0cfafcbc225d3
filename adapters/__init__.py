"""Spotlight Core's adapters: stores, matching engines, media, notifications."""

from adapters.installation import refuse_rivals

refuse_rivals(__name__, __file__)
