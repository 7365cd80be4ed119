"""A second step before an irreversible action, that works with and without JavaScript.

A form whose action cannot be undone carries ``data-confirm`` (the question) and
``data-confirm-label`` (the button's words); static/js/confirm.js asks the question in a
native <dialog> and, on yes, submits the form with ``confirm=1``. Without JavaScript the
form arrives without it, and the route answers with a page asking the same question, whose
button posts the same fields again with ``confirm=1``.

The route checks first, by running the action in a savepoint that is rolled back, so that a
refusal (not yours to do, already decided) comes out exactly as it would on the real post
and nobody is asked to confirm something they cannot do. Only actions whose every effect is
in the database (mail is queued there and sent after the commit) may be checked this way.
"""

from collections.abc import Callable

from flask import render_template, request

from ..extensions import db


class _DryRun(Exception):
    """Raised to leave the savepoint of a dry run."""


def confirmed() -> bool:
    """The post carries the second step's ``confirm=1``."""
    return request.form.get("confirm") == "1"


def confirm_first(
    check: Callable[[], object] | None,
    *,
    title: str,
    question: str,
    button: str,
    back: str,
    danger: bool = True,
):
    """None when the post is confirmed; else the confirmation page (after ``check`` ran in a
    rolled-back savepoint, so that its ServiceError propagates as on the real post)."""
    if confirmed():
        return None
    if check is not None:
        try:
            with db.session.begin_nested():
                check()
                raise _DryRun
        except _DryRun:
            pass
    fields = [(k, v) for k, v in request.form.items(multi=True) if k not in ("confirm",)]
    return render_template(
        "confirm.html",
        title=title,
        question=question,
        button=button,
        back=back,
        action=request.path,
        fields=fields,
        danger=danger,
    )
