"""Digests: the weekly or monthly mail of new matches and what changed for a member."""
