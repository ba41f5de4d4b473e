"""Points, and the leaderboard they make, derived from the call event log."""
