"""Exports: iCalendar (RFC 5545, with VTIMEZONE), CSV and XLSX of registrations and meetings."""

from datetime import UTC
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Timezone
from icalendar import Event as VEvent

from ..core import sheets
from ..core.labels import label
from ..core.time import to_local, utcnow
from .models import Event, Meeting, Registration

PRODID = "-//Rongtong//Events//ZH"


def public_host() -> str:
    """The host of PUBLIC_URL, for calendar UIDs: the same for every download, whatever Host
    header the request came with."""
    return urlsplit(current_app.config["PUBLIC_URL"]).netloc


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

#: Headers in the reader's language; organizers (the only ones who export) see contacts.
REGISTRATION_HEADER = (
    _l("编号"), _l("单位名称"), _l("统一社会信用代码"), _l("报名状态"), _l("签到码"),
    _l("报名时间"), _l("签到时间"), _l("参会条目"), _l("联系人"), _l("联系电话"), _l("联系邮箱"),
)  # fmt: skip
MEETING_HEADER = (
    _l("编号"), _l("开始时间"), _l("结束时间"), _l("桌号"), _l("甲方"), _l("乙方"), _l("匹配度"),
    _l("来源"), _l("固定"), _l("出席"),
)  # fmt: skip


def _local_text(value, tz) -> str:
    return to_local(value, tz).strftime("%Y-%m-%d %H:%M") if value else ""


def registration_rows(event: Event, regs) -> list[list]:
    return [
        [
            r.id,
            r.enterprise.name,
            r.enterprise.credit_code,
            label("registration_status", r.status),
            r.code,
            _local_text(r.requested_at, event.timezone),
            _local_text(r.checked_in_at, event.timezone),
            "；".join(lst.title for lst in r.listings),
            r.enterprise.contact_name,
            r.enterprise.contact_mobile,
            r.enterprise.contact_email,
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
            label("meeting_source", m.source),
            label("yes_no", True) if m.pinned else "",
            label("attendance", m.attendance),
        ]
        for m in meetings
    ]


def export_filename(event: Event, what: str, fmt: str) -> str:
    """``event-7-meetings-2026-12-08.xlsx``, dated by the Asia/Shanghai day."""
    return sheets.dated_filename(f"event-{event.id}-{what}", fmt)


def to_csv(header, rows) -> bytes:
    return sheets.to_csv(header, rows)


def to_xlsx(title: str, header, rows) -> bytes:
    return sheets.to_xlsx(str(SHEET_TITLES.get(title, title)), header, rows)


SHEET_TITLES = {"registrations": _l("报名"), "meetings": _l("一对一洽谈")}
