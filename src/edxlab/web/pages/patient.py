"""``/patients/{patient_id}``: timeline, the cord drawing, clinical signs and the studies."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from edxlab.errors import NotFoundError
from edxlab.web import figures
from edxlab.web.project import SYNTHETIC_PREFIX
from edxlab.web.rendering import render

router = APIRouter()

LANES = {"attack": 0, "mri": 1, "study": 2}


@router.get("/patients/{patient_id}")
def patient_page(request: Request, patient_id: str) -> Response:
    state = request.app.state
    project = state.project
    with state.db.reader() as con:
        patient = project.patient(con, patient_id)
        if patient is None:
            raise NotFoundError("There is no patient with this identifier in the database.")
        studies = project.patient_studies(con, patient_id)
        attacks = project.patient_rows(con, "attacks", patient_id)
        mri = project.patient_rows(con, "mri", patient_id)
        signs = project.patient_rows(con, "signs", patient_id)
        cord = project.cord_lesions(con, patient_id, state.cohort_settings)
        cohort = project.cohort_row(con, patient_id, state.cohort_settings)
    context = {
        "title": f"Patient {patient_id}", "patient": patient, "cohort": cohort,
        "studies": studies, "attacks": _by(attacks, "onset_date"), "mri": _by(mri, "mri_date"),
        "signs": _by(signs, "exam_date"), "timeline": figures.timeline(events(attacks, mri, studies)),
        "cord": cord_drawing(cord, studies),
        "synthetic": patient_id.startswith(SYNTHETIC_PREFIX),
    }
    return render(request, "patient.html", context)


def _by(rows: list[dict], key: str) -> list[dict]:
    return sorted(rows, key=lambda r: (r[key] is None, r[key] or 0))


def events(attacks: list[dict], mri: list[dict], studies: list[dict]) -> list[dict]:
    out = [{"date": r["onset_date"], "lane": LANES["attack"], "kind": "attack",
            "label": (r["core_feature"] or "attack").replace("_", " ")} for r in attacks]
    out += [{"date": r["mri_date"], "lane": LANES["mri"], "kind": "mri",
             "label": f"MRI {(r['region'] or '').replace('_', ' ')}"} for r in mri]
    out += [{"date": r["study_date"], "lane": LANES["study"], "kind": "study",
             "label": f"EDX {r['study_id']}", "href": f"/studies/{r['study_id']}"}
            for r in studies]
    return out


def cord_drawing(lesions: list[dict], studies: list[dict]) -> dict:
    """MRI cord lesions beside each study's denervated segments
    (``study_findings.denervation_segments``)."""
    from edxlab.reference.innervation import SEGMENTS

    bars = [{"label": r["lesion"], "seg_lo": r["seg_lo"], "seg_hi": r["seg_hi"]} for r in lesions]
    columns = [(f"{r['study_date']}", r.get("denervation_segments") or []) for r in studies]
    return figures.cord_map(SEGMENTS, bars, columns)
