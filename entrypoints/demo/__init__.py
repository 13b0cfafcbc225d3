"""`spotlight demo`: a realistic data set made on the spot, so every dashboard has something."""
