"""What a proposal's two sides see once it is decided: the steps so far, what comes next,
and, after acceptance, each other's contacts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from ..accounts.models import User
from ..extensions import db
from ..outcomes.models import Outcome
from .models import Proposal

__all__ = ["Contact", "Step", "contacts", "next_steps", "timeline"]


@dataclass
class Step:
    label: str
    #: UTC; None for a step not reached yet.
    at: datetime | None
    done: bool
    detail: str = ""


@dataclass
class Contact:
    enterprise: str
    name: str
    email: str
    mobile: str


def _outcome(proposal: Proposal) -> Outcome | None:
    if proposal.outcome_id is None:
        return None
    return db.session.get(Outcome, proposal.outcome_id)


def timeline(proposal: Proposal) -> list[Step]:
    """submitted → shortlisted → questions → accepted → awarded → outcome, as far as reached
    (a declined or withdrawn proposal ends there)."""
    steps = [Step(_("提交方案"), proposal.submitted_at, proposal.submitted_at is not None)]
    decided = proposal.status in ("accepted", "declined")
    steps.append(
        Step(
            _("列入入围"),
            proposal.shortlisted_at,
            proposal.shortlisted_at is not None,
            "" if proposal.shortlisted_at or decided else _("未入围也可直接接受"),
        )
    )
    messages = list(proposal.messages)
    steps.append(
        Step(
            _("问答"),
            messages[0].created_at if messages else None,
            bool(messages),
            _("%(n)d 条留言", n=len(messages)) if messages else "",
        )
    )
    if proposal.status == "declined":
        steps.append(Step(_("未采纳"), proposal.decided_at, True))
        return steps
    if proposal.status == "withdrawn":
        steps.append(Step(_("已撤回"), proposal.withdrawn_at, True))
        return steps
    accepted = proposal.status == "accepted"
    steps.append(Step(_("接受方案"), proposal.decided_at if accepted else None, accepted))
    outcome = _outcome(proposal)
    awarded = accepted and proposal.listing.status == "awarded"
    steps.append(
        Step(_("揭榜定标"), outcome.recorded_at if outcome else None, awarded and bool(outcome))
    )
    amount = outcome.amount if outcome else proposal.accepted_amount
    steps.append(
        Step(
            _("成交计入对接成效"),
            outcome.recorded_at if outcome else None,
            outcome is not None,
            _("成交金额 %(amount)s 元", amount=f"{amount:,}") if outcome and amount else "",
        )
    )
    return steps


def next_steps(proposal: Proposal, *, owner: bool) -> list[str]:
    """What the owner (``owner``) or the proposer does next, in words."""
    status = proposal.status
    awarded = proposal.listing.status == "awarded"
    if status in ("submitted", "shortlisted"):
        if owner:
            return [
                _("在问答中提问，或把方案列入入围。"),
                _("接受方案（可同时定标），或说明原因不予采纳。"),
            ]
        return [
            _("等待发榜单位答复；可在问答中补充说明。"),
            _("在答复前仍可撤回方案。"),
        ]
    if status == "accepted" and not awarded:
        if owner:
            return [
                _("按下方联系方式与揭榜方确认合同细节。"),
                _("在方案评审列表中揭榜定标，成交计入对接成效。"),
            ]
        return [
            _("按下方联系方式与发榜单位确认合同细节。"),
            _("发榜单位定标后，成交计入对接成效。"),
        ]
    if status == "accepted":
        return [
            _("按下方联系方式约定签约、启动与验收时间。"),
            _("实施中的进展与问题，可在问答中记录，主办方会跟进。"),
        ]
    if status == "declined" and not owner:
        return [_("可参考未采纳原因，关注其他发榜需求。")]
    return []


def _person(user_id: int | None) -> User | None:
    return db.session.get(User, user_id) if user_id else None


def contacts(proposal: Proposal, *, owner: bool) -> list[Contact]:
    """The other side's contacts, once the proposal is accepted: the enterprise's contact and
    the person who submitted (for the owner) or decided (for the proposer)."""
    if proposal.status != "accepted":
        return []
    enterprise = proposal.enterprise if owner else proposal.owner_enterprise
    found = [
        Contact(
            enterprise.name,
            enterprise.contact_name,
            enterprise.contact_email,
            enterprise.contact_mobile,
        )
    ]
    person = _person(proposal.created_by_id if owner else proposal.decided_by_id)
    if person is not None and person.email != enterprise.contact_email:
        found.append(Contact(enterprise.name, person.name or "", person.email, ""))
    return found
