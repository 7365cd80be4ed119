"""The events' fixtures (an organizer, events, confirmed participants, and their clock: the
events lie ahead of it), for the notices."""

from tests.events.conftest import clock, make_event, organizer, participant

__all__ = ["clock", "make_event", "organizer", "participant"]
