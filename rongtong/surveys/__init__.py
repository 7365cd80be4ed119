"""Follow-up surveys after an event's meetings: one page per meeting and side, answered
through a signed link, feeding the outcome ledger."""
