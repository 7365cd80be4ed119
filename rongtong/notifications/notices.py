"""The sentences of every notice, in one place and both catalogs.

A notice names what happened and to what; ``%(title)s`` and the like come from the
notification's stored ``params``.
"""

from flask_babel import lazy_gettext as _l

NOTICES = {
    "enterprise_verified": _l("您的单位“%(name)s”已通过平台审核，现在可以发布和揭榜。"),
    "listing_taken_down": _l("您发布的“%(title)s”已被平台下架，原因：%(reason)s"),
    "registration_cancelled": _l("您在活动“%(event)s”的报名已被主办方取消。"),
    "registration_confirmed": _l("您已确认参加活动“%(event)s”。"),
    "meeting_request_received": _l("%(name)s 请求在活动“%(event)s”中与您洽谈。"),
    "meeting_request_accepted": _l("%(name)s 接受了您在活动“%(event)s”中的洽谈请求。"),
    "meeting_request_declined": _l("%(name)s 婉拒了您在活动“%(event)s”中的洽谈请求。"),
    "schedule_published": _l("活动“%(event)s”的洽谈日程已发布，请查看您的议程。"),
    "meeting_moved": _l("您在活动“%(event)s”中与 %(name)s 的洽谈已调整到 %(when)s。"),
    "event_message": _l("活动“%(event)s”主办方来信：%(subject)s"),
    "proposal_status": _l("揭榜方案“%(title)s”有新进展：%(status)s"),
}


def sentence(kind: str, params: dict) -> str:
    """The notice in the current language; an unknown kind shows as a generic line."""
    template = NOTICES.get(kind)
    if template is None:
        return str(_l("您有一条新通知。"))
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)
