"""A reviewer's pages: the anchor review queue, decided through forms."""
