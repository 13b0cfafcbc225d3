"""Matching engines: text, audio and visual evidence that a video is about a title."""
