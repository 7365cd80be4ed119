"""Organizers' bulk mail to an event's registrants: write, preview, send."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.auth import organizer_required
from ..core.web import service_errors
from ..extensions import db
from . import messages
from .forms import MessageForm
from .models import Event
from .routes import bp


@bp.route("/<int:event_id>/message", methods=["GET", "POST"])
@organizer_required
def message(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = MessageForm()
    form.audience.choices = [(code, str(label)) for code, label in messages.AUDIENCES.items()]
    preview = None
    if form.validate_on_submit():
        people = messages.recipients(event, form.audience.data, promotional=form.promotional.data)
        if request.form.get("send") and people:
            with service_errors(form):
                sent = messages.send_message(
                    event,
                    audience=form.audience.data,
                    subject=form.subject.data,
                    body=form.body.data,
                    promotional=form.promotional.data,
                    sender=current_user,
                )
                flash(_("已向 %(n)d 位收件人发出邮件。", n=sent), "success")
                return redirect(url_for("events.message", event_id=event.id))
        preview = _preview(event, people, form)
    return render_template("events/message.html", event=event, form=form, preview=preview)


def _preview(event, people, form) -> dict:
    """The count, the enterprises, and the mail as one reader of each language sees it."""
    by_language = {}
    for person in people:
        by_language.setdefault(person.user.locale or "zh", person.user)
    samples = [
        (locale, *messages.render_message(event, user, form.subject.data, form.body.data))
        for locale, user in sorted(by_language.items())
    ]
    return {
        "count": len(people),
        "enterprises": sorted({p.registration.enterprise.name for p in people}),
        "samples": samples,
    }
