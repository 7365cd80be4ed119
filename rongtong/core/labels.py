"""The reader's words for the platform's codes (statuses, kinds, sources), in one place.

Pages (the ``label`` template global), mail and exports read these, as do the imports (which
accept a label for its code); a code without a label here is shown as it is, which
tests/core/test_no_raw_codes.py catches on every page and export of the seeded city.
"""

from flask_babel import lazy_gettext as _l

_NOTICE_MAIL = _l("站内通知")

LABELS = {
    "role": {"member": _l("单位成员"), "organizer": _l("组织方"), "admin": _l("管理员")},
    "listing_kind": {"challenge": _l("发榜"), "capability": _l("能力")},
    "listing_status": {
        "draft": _l("草稿"),
        "published": _l("发布中"),
        "closed": _l("已关闭"),
        "expired": _l("已过期"),
        "awarded": _l("已揭榜"),
    },
    "event_kind": {"roadshow": _l("一月一链路演"), "matchmaking": _l("专项供需对接")},
    "event_status": {
        "planned": _l("计划中"),
        "open": _l("报名中"),
        "closed": _l("报名截止"),
        "held": _l("已举办"),
        "cancelled": _l("已取消"),
    },
    "registration_status": {
        "pending": _l("待审核"),
        "confirmed": _l("报名成功"),
        "waitlisted": _l("候补"),
        "cancelled": _l("已取消"),
        "rejected": _l("未通过"),
    },
    "request_status": {
        "pending": _l("待回复"),
        "accepted": _l("已接受"),
        "declined": _l("已婉拒"),
        "expired": _l("已过期"),
        "withdrawn": _l("已撤回"),
    },
    "meeting_source": {"request": _l("邀约"), "suggested": _l("推荐"), "manual": _l("手工")},
    "attendance": {"held": _l("已进行"), "no_show": _l("未到场")},
    "stage": {
        "none": _l("暂无"),
        "contact": _l("对接"),
        "intent": _l("意向"),
        "contract": _l("合同"),
    },
    "deal_type": {
        "order": _l("订单"),
        "contract": _l("合同"),
        "investment": _l("投资"),
        "award": _l("揭榜"),
        "other": _l("其他"),
    },
    "outcome_source": {"proposal": _l("揭榜方案"), "meeting": _l("洽谈"), "manual": _l("手工登记")},
    "proposal_status": {
        "draft": _l("草稿"),
        "submitted": _l("已提交"),
        "shortlisted": _l("入围"),
        "accepted": _l("已接受"),
        "declined": _l("未采纳"),
        "withdrawn": _l("已撤回"),
    },
    "decline_reason": {
        "out_of_scope": _l("不符合需求范围"),
        "technical": _l("技术方案不满足要求"),
        "price": _l("报价超出预算"),
        "timeline": _l("周期不满足要求"),
        "capability": _l("团队或资质不足"),
        "selected_other": _l("已选择其他方案"),
        "cancelled": _l("需求取消或暂停"),
        "other": _l("其他原因"),
    },
    "review_status": {
        "pending": _l("待审核"),
        "approved": _l("已通过"),
        "rejected": _l("已驳回"),
        "needs_info": _l("待补充资料"),
    },
    "join_status": {
        "pending": _l("待处理"),
        "approved": _l("已通过"),
        "declined": _l("未通过"),
        "cancelled": _l("已取消"),
    },
    "mail_status": {
        "queued": _l("排队中"),
        "sending": _l("发送中"),
        "sent": _l("已发送"),
        "failed": _l("失败"),
    },
    "mail_purpose": {
        "registration_attempt": _l("注册提醒"),
        "password_reset": _l("重设密码"),
        "event_registration": _l("活动报名"),
        "event_invitation": _l("活动邀请"),
        "meeting_request": _l("洽谈邀约"),
        "digest": _l("订阅摘要"),
        "deadline_reminder": _l("截止提醒"),
        "proposal_submitted": _l("揭榜方案：已提交"),
        "proposal_withdrawn": _l("揭榜方案：已撤回"),
        "proposal_shortlisted": _l("揭榜方案：入围"),
        "proposal_accepted": _l("揭榜方案：已接受"),
        "proposal_declined": _l("揭榜方案：未采纳"),
        "proposal_question": _l("揭榜方案：提问"),
        "proposal_answer": _l("揭榜方案：回复"),
        "proposal_reminder": _l("揭榜方案：催办"),
        "enterprise_approved": _l("单位审核：已通过"),
        "enterprise_rejected": _l("单位审核：已驳回"),
        "enterprise_needs_info": _l("单位审核：待补充资料"),
        "join_request_requested": _l("加入申请"),
        "join_request_approved": _l("加入申请：已通过"),
        "join_request_declined": _l("加入申请：未通过"),
        "test": _l("测试邮件"),
    },
    "yes_no": {True: _l("是"), False: _l("否")},
    #: A match score's calibrated band (matching.Bands): how often such scores were relevant.
    "match_band": {"strong": _l("强"), "medium": _l("中"), "weak": _l("弱")},
}


def label(domain: str, code) -> str:
    """The label of ``code`` in ``domain`` in the current language; "" for no value."""
    if code is None or code == "":
        return ""
    found = LABELS[domain].get(code)
    if found is None and domain == "mail_purpose" and str(code).startswith("notice_"):
        # One mail per in-app notice kind (notifications/notices.py): named as a notice.
        found = _NOTICE_MAIL
    return str(found) if found is not None else str(code)
