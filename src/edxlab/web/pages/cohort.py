"""``/cohort``: the cohort builder: date window, required tests, MOGAD, CI method, reference
profile; recompute and show the attrition flow (``edxlab.cohort``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from edxlab.web.rendering import render

router = APIRouter()
NAV = ("/cohort",)
TESTS = [("emg", "needle EMG"), ("ncs", "nerve conduction"), ("fwaves", "F-waves"),
         ("blink", "blink reflex")]
CI_METHODS = [("wilson", "Wilson"), ("clopper-pearson", "Clopper-Pearson (exact)")]


@router.get("/cohort")
def cohort_page(request: Request) -> Response:
    from edxlab.reference.profiles import profile_names
    from edxlab.report.figures import attrition_svg

    state = request.app.state
    project = state.project
    with state.db.reader() as con:
        empty = project.empty(con)
        synthetic = project.synthetic(con)
    context = {"title": "Cohort", "settings": state.cohort_settings, "tests": TESTS,
               "ci_methods": CI_METHODS, "profiles": profile_names(), "profile": project.profile,
               "empty": empty, "synthetic": synthetic}
    if not empty:
        result = project.cohort(state.cohort_settings).result
        context |= {"attrition": result.attrition.to_dicts(), "n_included": result.n_included,
                    # built by the report code, which escapes every text it draws
                    "flow": Markup(attrition_svg(result.attrition))}
    return render(request, "cohort.html", context)


@router.post("/cohort")
async def cohort_update(request: Request) -> Response:
    from edxlab.cohort.command import settings_from_options
    from edxlab.reference.profiles import get_profile

    form = await request.form()
    settings = settings_from_options(
        _text(form, "date_from"), _text(form, "date_to"),
        ",".join(t for t, _ in TESTS if form.get(f"require_{t}")),
        bool(form.get("exclude_mogad")), _text(form, "ci") or "wilson", 0)
    profile = _text(form, "profile") or None
    if profile is not None:
        get_profile(profile)  # an unknown name is a ConfigError naming the profiles
    state = request.app.state
    state.cohort_settings = settings
    if profile == state.project.profile:
        return RedirectResponse("/cohort", status_code=303)
    job = state.jobs.submit("re-interpretation", reinterpret(state.project, profile))
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


def _text(form, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def reinterpret(project, profile: str | None):
    """Job: interpret every study again with ``profile`` imposed (in memory, a chunk of
    patients at a time; no write)."""

    def work(progress) -> dict:
        progress("Interpreting the studies with the chosen reference profile", 0.2)
        project.refresh(profile)
        return {"messages": [f"Reference limits: {profile or 'each study’s own profile'}."],
                "next": [("/cohort", "Back to the cohort"), ("/", "Dashboard")]}

    return work
