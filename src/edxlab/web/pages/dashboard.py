"""``/``: the dashboard: cohort size, the study's measures with 95% CIs, the prevalence and
segment-map figures, and the cohort report with its downloads."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from edxlab.web.rendering import render

router = APIRouter()
NAV = ("/",)

DOWNLOADS = [("html", "/reports/cohort.html", "Cohort report (HTML)"),
             ("xlsx", "/reports/cohort_tables.xlsx", "Tables (XLSX)"),
             ("docx", "/reports/cohort_tables.docx", "Tables (DOCX)"),
             ("cohort_summary", "/reports/cohort_summary.csv", "Findings with CIs (CSV)"),
             ("patient_findings", "/reports/patient_findings.csv", "Patient findings (CSV)")]


@router.get("/")
def dashboard(request: Request) -> Response:
    from edxlab.report.cohort_report import findings_rows

    state = request.app.state
    project = state.project
    with state.db.reader() as con:
        n_patients, n_studies = project.counts(con)
        synthetic = project.synthetic(con)
    if n_patients == 0:
        return render(request, "dashboard.html", {"title": "Dashboard", "empty": True})
    settings = state.cohort_settings
    result = project.cohort(settings).result
    files = project.reports(settings, synthetic)
    context = {
        "title": "Dashboard", "empty": False, "settings": settings, "profile": project.profile,
        "n_patients": n_patients, "n_studies": n_studies, "synthetic": synthetic,
        "n_included": result.n_included, "warnings": result.warnings,
        "findings": findings_rows(result.summary, settings.ci_method),
        "figures": [(name, f"/reports/figures/{name}.svg") for name in ("prevalence", "segments")
                    if f"figure_{name}" in files],
        "downloads": [(href, label) for key, href, label in DOWNLOADS if key in files],
    }
    return render(request, "dashboard.html", context)
