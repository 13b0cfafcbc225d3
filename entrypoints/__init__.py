"""Spotlight Core's entrypoints: the HTTP service, the web pages and the ``spotlight`` CLI."""

from adapters.installation import refuse_rivals

refuse_rivals(__name__, __file__)
