"""The events' fixtures (an organizer, events, confirmed participants), for the surveys."""

from tests.events.conftest import make_event, organizer, participant

__all__ = ["make_event", "organizer", "participant"]
