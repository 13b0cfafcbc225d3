"""An artist's pages: its tracks and their review, the seasons it entered, a round's standings."""
