"""The reader's words for the platform's codes (statuses, kinds, sources), in one place.

Exports and imports read these; a code without a label here is shown as it is, which the
tests of each export catch.
"""

from flask_babel import lazy_gettext as _l

LABELS = {
    "listing_kind": {"challenge": _l("发榜"), "capability": _l("能力")},
    "listing_status": {
        "draft": _l("草稿"),
        "published": _l("发布中"),
        "closed": _l("已关闭"),
        "expired": _l("已过期"),
        "awarded": _l("已揭榜"),
    },
    "registration_status": {
        "pending": _l("待审核"),
        "confirmed": _l("报名成功"),
        "waitlisted": _l("候补"),
        "cancelled": _l("已取消"),
        "rejected": _l("未通过"),
    },
    "meeting_source": {"request": _l("邀约"), "suggested": _l("推荐"), "manual": _l("手工")},
    "attendance": {"held": _l("已进行"), "no_show": _l("未到场")},
    "yes_no": {True: _l("是"), False: _l("否")},
    #: A match score's calibrated band (matching.Bands): how often such scores were relevant.
    "match_band": {"strong": _l("强"), "medium": _l("中"), "weak": _l("弱")},
}


def label(domain: str, code) -> str:
    """The label of ``code`` in ``domain`` in the current language; "" for no value."""
    if code is None or code == "":
        return ""
    found = LABELS[domain].get(code)
    return str(found) if found is not None else str(code)
