"""Import and export pages for organizers and admins."""

import io
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..audit import services as audit
from ..core.auth import organizer_required
from ..core.sheets import MIMETYPES
from ..core.web import commit_batch
from . import exports, report_files, services, staff
from .forms import ExportForm, ImportForm
from .headers import KINDS
from .template import build_template, template_filename

bp = Blueprint("imports", __name__, template_folder="templates")


@bp.route("/imports", methods=["GET", "POST"])
@organizer_required
def upload():
    form = ImportForm()
    export_form = ExportForm(formdata=None)
    report = error_url = None
    status = 200
    if form.validate_on_submit():
        upload_file = form.file.data
        raw = upload_file.stream.read()
        try:
            rows = services.read_rows(io.BytesIO(raw), filename=upload_file.filename)
        except services.ImportFileError as exc:
            form.file.errors.append(str(exc))
            status = 422
        else:
            report = staff.run_import(
                form.target.data,
                rows,
                actor=current_user,
                dry_run=bool(form.check.data),
                checkpoint=commit_batch,
                batch_rows=int(current_app.config["IMPORT_BATCH_ROWS"]),
            )
            if not report.dry_run:
                audit.record(
                    current_user,
                    "import.run",
                    None,
                    None,
                    services.report_summary(report, form.target.data, upload_file.filename),
                )
            token = report_files.keep_errors(current_user.id, raw, upload_file.filename, report)
            if token:
                error_url = url_for("imports.error_report", token=token)
    elif form.is_submitted():
        status = 422
    return (
        render_template(
            "imports/upload.html",
            form=form,
            export_form=export_form,
            report=report,
            error_url=error_url,
        ),
        status,
    )


@bp.get("/imports/template/<kind>.xlsx")
@organizer_required
def template(kind: str):
    if kind not in KINDS:
        abort(404)
    return _download(build_template(kind), MIMETYPES["xlsx"], template_filename(kind))


@bp.get("/imports/reports/<token>")
@organizer_required
def error_report(token: str):
    found = report_files.find(current_user.id, token)
    if found is None:
        abort(404)
    path, filename = found
    fmt = path.suffix.lstrip(".")
    return _download(path.read_bytes(), MIMETYPES.get(fmt, "application/x-ndjson"), filename)


@bp.get("/exports/listings")
@organizer_required
def export_listings():
    fmt = request.args.get("format", "csv")
    if fmt not in MIMETYPES:
        abort(400, _("导出格式只能是 csv 或 xlsx。"))
    data = exports.export_listings(
        exports.filters_from_args(request.args), fmt, viewer=current_user
    )
    return _download(data, MIMETYPES[fmt], exports.export_filename(fmt))


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    # An ASCII name for old clients, the real one (it may be Chinese) per RFC 6266.
    fallback = filename.encode("ascii", "ignore").decode() or "download"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response
