"""A creator's pages: their videos, their invitations from brands, their notices."""
