"""The programme report (organizers): a printable page and its workbook, by year or quarter."""

from flask import Response, abort, render_template, request

from ..core.auth import organizer_required
from ..core.params import YEARS
from ..core.sheets import MIMETYPES
from . import charts, programme, report
from .routes import bp


def _report(year: int) -> programme.ProgrammeReport:
    quarter = request.args.get("quarter", type=int)
    if year not in YEARS or (quarter is not None and quarter not in programme.QUARTERS):
        abort(404)
    return programme.programme_report(year, quarter)


@bp.get("/report/<int:year>")
@organizer_required
def programme_report(year: int):
    r = _report(year)
    return render_template(
        "events/report.html",
        r=r,
        period=report.period_name(r),
        summary=report.summary_rows(r),
        by_chain=report.outcomes_by_chain(r),
        stage_names=charts.stage_names(),
        **charts.report_charts(r),
    )


@bp.get("/report/<int:year>.xlsx")
@organizer_required
def programme_report_xlsx(year: int):
    r = _report(year)
    return Response(
        report.workbook(r),
        mimetype=MIMETYPES["xlsx"],
        headers={"Content-Disposition": f'attachment; filename="{report.filename(r, "xlsx")}"'},
    )
