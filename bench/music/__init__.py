"""The music discovery benchmark: ballots through the competition, and closing a big round."""
