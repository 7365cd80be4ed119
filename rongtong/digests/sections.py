"""The parts of a digest, and where they come from. Imports no feature.

A section builder takes (run, member) and returns a ``Section`` or None. Builders run inside
the member's locale. A section with no items is left out, and a digest whose sections are all
empty is not sent. Each feature keeps its builder beside itself (``<feature>/digest.py``) and
adds it with one line below, rendering with its own partial templates and recording what it
told with ``Section.announce`` so that it is not told twice. ``digests.services`` loads the
builders by these names when a run starts, so nothing here imports a feature.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..accounts.models import User
    from .models import DigestPreference

SECTIONS = [
    "rongtong.matches.digest:new_matches",
    "rongtong.events.digest:upcoming_events",
    "rongtong.listings.digest:own_listing_changes",
    "rongtong.proposals.digest:proposal_changes",
    "rongtong.favourites.digest:followed_changes",
]


@dataclass
class Section:
    """One part of a digest, contributed by a builder listed in ``SECTIONS``."""

    key: str
    title: str
    items: list
    #: A few words for the subject line ("3 个新匹配：…", "本月路演：生物医药与健康").
    subject: str
    #: Partial templates ``<template>.html`` and ``<template>.txt``; they get ``section``.
    template: str
    #: (kind, ref) pairs recorded once the digest is queued, so they are not told again.
    announce: list[tuple[str, str]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Member:
    """A recipient as the section builders see it."""

    user: User
    preference: DigestPreference | None
    #: Kind → refs already announced to this member.
    announced: dict[str, set[str]]

    @property
    def enterprise_id(self) -> int:
        return self.user.enterprise_id

    @cached_property
    def chain_ids(self) -> set[int]:
        return {c.id for c in self.preference.chains} if self.preference else set()

    @property
    def min_score(self) -> float:
        return self.preference.min_score if self.preference else 0.0


def shorten(text: str, width: int = 24) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"
