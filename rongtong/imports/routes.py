"""Import and export pages for organizers and admins."""

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..audit import services as audit
from ..core.auth import organizer_required
from ..extensions import db
from . import services
from .forms import ExportForm, ImportForm

bp = Blueprint("imports", __name__, template_folder="templates")

IMPORTERS = {
    "enterprises": services.import_enterprises,
    "listings": services.import_listings,
}


@bp.route("/imports", methods=["GET", "POST"])
@organizer_required
def upload():
    form = ImportForm()
    export_form = ExportForm(formdata=None)
    report = None
    status = 200
    if form.validate_on_submit():
        upload_file = form.file.data
        try:
            rows = services.read_rows(upload_file.stream, filename=upload_file.filename)
        except services.ImportFileError as exc:
            form.file.errors.append(str(exc))
            status = 422
        else:
            report = IMPORTERS[form.target.data](rows, actor=current_user)
            audit.record(
                current_user,
                "import.run",
                None,
                None,
                services.report_summary(report, IMPORTERS[form.target.data], upload_file.filename),
            )
            db.session.commit()
    elif form.is_submitted():
        status = 422
    return (
        render_template("imports/upload.html", form=form, export_form=export_form, report=report),
        status,
    )


@bp.get("/exports/listings")
@organizer_required
def export_listings():
    fmt = request.args.get("format", "csv")
    if fmt not in services.EXPORT_MIMETYPES:
        abort(400, _("导出格式只能是 csv 或 xlsx。"))
    data = services.export_listings(services.filters_from_args(request.args), fmt)
    response = Response(data, mimetype=services.EXPORT_MIMETYPES[fmt])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{services.export_filename(fmt)}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response
