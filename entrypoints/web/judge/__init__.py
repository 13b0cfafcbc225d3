"""A judge's pages: the seasons it judges and a round's score sheet, with playback."""
