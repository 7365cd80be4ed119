"""揭榜: proposals on challenges, from submission to award."""
