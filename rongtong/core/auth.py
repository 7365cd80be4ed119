"""Route guards for roles and enterprise membership."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def organizer_required(view):
    """Organizers and admins only; others get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_organizer:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def member_required(view):
    """Logged-in users who belong to an enterprise."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.enterprise_id is None:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
