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
    "enterprise_rejected": _l("%(enterprise)s 未通过平台审核"),
    "enterprise_needs_info": _l("请补充 %(enterprise)s 的单位资料"),
    "enterprise_merged": _l(
        "平台已将“%(duplicate)s”并入“%(name)s”：您现在是“%(name)s”的成员，原有的需求与能力也已转入。"
    ),
    "enterprise_merged_in": _l(
        "平台已将“%(duplicate)s”并入本单位“%(name)s”：其成员、需求与能力已转入本单位。"
    ),
    # The proposals' own mail subjects, as entries (the mails are sent by proposals).
    "proposal_submitted": _l("收到新的揭榜方案：%(title)s"),
    "proposal_withdrawn": _l("揭榜方案已撤回：%(title)s"),
    "proposal_shortlisted": _l("您的揭榜方案已入围：%(title)s"),
    "proposal_accepted": _l("您的揭榜方案已被接受：%(title)s"),
    "proposal_declined": _l("您的揭榜方案未被采纳：%(title)s"),
    "proposal_question": _l("发榜方对您的揭榜方案提出了问题：%(title)s"),
    "proposal_answer": _l("揭榜方回复了您的问题：%(title)s"),
    "proposal_reminder": _l("请尽快答复揭榜方案：%(title)s"),
    "event_reminder": _l("活动“%(event)s”将于 %(when)s 开始，请查看您的议程。"),
    "challenge_deadline": _l("您关注的需求“%(title)s”将于 %(deadline)s 截止揭榜。"),
    "listing_expiring": _l("您发布的“%(title)s”将于 %(deadline)s 到期。"),
    "meeting_survey": _l("请告诉我们您在活动“%(event)s”中与 %(name)s 的洽谈情况。"),
    "saved_search_results": _l("您保存的搜索“%(name)s”有 %(count)s 条新结果。"),
    "favourite_changed": _l("您收藏的“%(title)s”有更新。"),
}

#: What the person wrote (a meeting request's message), quoted after the sentence.
QUOTED_PARAM = "message"


def sentence(kind: str, params: dict, *, quote: bool = True) -> str:
    """The notice in the current language; an unknown kind shows as a generic line.
    ``quote``: with what the person wrote (not in a subject line, which stays short)."""
    template = NOTICES.get(kind)
    if template is None:
        return str(_l("您有一条新通知。"))
    try:
        text = str(template) % params
    except (KeyError, TypeError, ValueError):
        text = str(template)
    quoted = (params.get(QUOTED_PARAM) or "").strip()
    return f"{text} {_l('留言：')}{quoted}" if quoted and quote else text
