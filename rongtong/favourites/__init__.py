"""Favourites and saved searches: a member stars listings and keeps searches; changes and
new results reach the digest and the notification centre."""
