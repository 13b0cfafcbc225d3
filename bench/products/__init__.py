"""Product recognition in videos: tagging time per minute of video against 1,000 and 10,000
listings (``python -m bench products``)."""
