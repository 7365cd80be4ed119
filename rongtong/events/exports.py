"""Exports: iCalendar (RFC 5545, with VTIMEZONE), CSV and XLSX of registrations and meetings."""

import csv
import io
from datetime import UTC
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone
from icalendar import Event as VEvent
from openpyxl import Workbook

from ..core.time import to_local, utcnow
from .models import Event, Meeting, Registration

PRODID = "-//Rongtong//Events//ZH"


def _calendar(event: Event, name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", event.timezone)
    cal.add_component(Timezone.from_tzid(event.timezone))
    return cal


def _vevent(uid: str, summary: str, starts_utc, ends_utc, tz: str, **extra) -> VEvent:
    vevent = VEvent()
    vevent.add("uid", uid)
    vevent.add("dtstamp", utcnow().replace(tzinfo=UTC))
    vevent.add("dtstart", to_local(starts_utc, tz).replace(tzinfo=ZoneInfo(tz)))
    vevent.add("dtend", to_local(ends_utc, tz).replace(tzinfo=ZoneInfo(tz)))
    vevent.add("summary", summary)
    for key, value in extra.items():
        if value:
            vevent.add(key.replace("_", "-"), value)
    return vevent


def _event_vevent(event: Event, host: str) -> VEvent:
    status = {"cancelled": "CANCELLED", "planned": "TENTATIVE"}.get(event.status, "CONFIRMED")
    return _vevent(
        f"event-{event.id}@{host}",
        event.title,
        event.starts_at,
        event.ends_at,
        event.timezone,
        location=event.venue or event.online_url,
        description=event.description,
        url=event.online_url,
        status=status,
    )


def _meeting_vevent(meeting: Meeting, event: Event, host: str, viewer_reg_id=None) -> VEvent:
    a, b = meeting.a, meeting.b
    if viewer_reg_id == b.id:
        a, b = b, a
    summary = (
        f"一对一洽谈：{b.enterprise.name}"
        if viewer_reg_id is not None
        else f"一对一洽谈：{a.enterprise.name} × {b.enterprise.name}"
    )
    return _vevent(
        f"meeting-{meeting.id}@{host}",
        summary,
        meeting.slot.starts_at,
        meeting.slot.ends_at,
        event.timezone,
        location=f"{event.venue} · {meeting.table.name}号桌".strip(" ·"),
        description=f"{event.title}",
    )


def event_calendar(event: Event, host: str, meetings=()) -> bytes:
    """The event, plus the meetings given (organizers get all of them)."""
    cal = _calendar(event, event.title)
    cal.add_component(_event_vevent(event, host))
    for m in meetings:
        cal.add_component(_meeting_vevent(m, event, host))
    return cal.to_ical()


def personal_agenda(event: Event, reg: Registration, meetings, host: str) -> bytes:
    """One participant's agenda: the event and their own meetings."""
    cal = _calendar(event, f"{event.title} · {reg.enterprise.name}")
    cal.add_component(_event_vevent(event, host))
    for m in meetings:
        cal.add_component(_meeting_vevent(m, event, host, viewer_reg_id=reg.id))
    return cal.to_ical()


# --- tables -------------------------------------------------------------------------------

REGISTRATION_HEADER = (
    "id", "enterprise", "credit_code", "status", "code", "requested_at", "checked_in_at",
    "listings",
)  # fmt: skip
MEETING_HEADER = (
    "id", "slot_start", "slot_end", "table", "side_a", "side_b", "score", "source", "pinned",
    "attendance",
)  # fmt: skip


def _local_text(value, tz) -> str:
    return to_local(value, tz).strftime("%Y-%m-%d %H:%M") if value else ""


def registration_rows(event: Event, regs) -> list[list]:
    return [
        [
            r.id,
            r.enterprise.name,
            r.enterprise.credit_code,
            r.status,
            r.code,
            _local_text(r.requested_at, event.timezone),
            _local_text(r.checked_in_at, event.timezone),
            "; ".join(lst.title for lst in r.listings),
        ]
        for r in regs
    ]


def meeting_rows(event: Event, meetings) -> list[list]:
    return [
        [
            m.id,
            _local_text(m.slot.starts_at, event.timezone),
            _local_text(m.slot.ends_at, event.timezone),
            m.table.name,
            m.a.enterprise.name,
            m.b.enterprise.name,
            round(m.score, 4),
            m.source,
            "yes" if m.pinned else "",
            m.attendance or "",
        ]
        for m in meetings
    ]


def _cell(value):
    """Spreadsheet programs run cells that start with = + - @ as formulas; defuse them."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(header, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel reads it as UTF-8


def to_xlsx(title: str, header, rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(list(header))
    for row in rows:
        ws.append([_cell(v) for v in row])
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
