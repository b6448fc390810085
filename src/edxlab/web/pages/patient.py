"""``/patients/{patient_id}``: timeline, the cord drawing, clinical signs and the studies."""

from __future__ import annotations

import polars as pl
from fastapi import APIRouter, Request
from fastapi.responses import Response

from edxlab.errors import NotFoundError
from edxlab.web import figures
from edxlab.web.rendering import render

router = APIRouter()

LANES = {"attack": 0, "mri": 1, "study": 2}


@router.get("/patients/{patient_id}")
def patient_page(request: Request, patient_id: str) -> Response:
    state = request.app.state
    snap = state.project.snapshot()
    patient = snap.patient(patient_id)
    if patient is None:
        raise NotFoundError("There is no patient with this identifier in the database.")
    studies = snap.rows("studies", patient_id, by="patient_id").sort("study_date", "study_id")
    findings = snap.findings.get("study_findings")
    if findings is not None:
        findings = findings.filter(pl.col("study_id").is_in(studies["study_id"].implode()))
        studies = studies.join(findings.drop("patient_id", "study_date", strict=False),
                               on="study_id", how="left")
    attacks = snap.rows("attacks", patient_id, by="patient_id").sort("onset_date")
    mri = snap.rows("mri", patient_id, by="patient_id").sort("mri_date")
    signs = snap.rows("signs", patient_id, by="patient_id").sort("exam_date")
    overview = snap.overview(state.cohort_settings).filter(pl.col("patient_id") == patient_id)
    context = {
        "title": f"Patient {patient_id}", "patient": patient,
        "cohort": overview.row(0, named=True) if overview.height else {},
        "studies": studies.to_dicts(), "attacks": attacks.to_dicts(), "mri": mri.to_dicts(),
        "signs": signs.to_dicts(), "timeline": figures.timeline(events(attacks, mri, studies)),
        "cord": cord_drawing(mri, studies),
    }
    return render(request, "patient.html", context)


def events(attacks: pl.DataFrame, mri: pl.DataFrame, studies: pl.DataFrame) -> list[dict]:
    out = [{"date": r["onset_date"], "lane": LANES["attack"], "kind": "attack",
            "label": (r["core_feature"] or "attack").replace("_", " ")} for r in attacks.to_dicts()]
    out += [{"date": r["mri_date"], "lane": LANES["mri"], "kind": "mri",
             "label": f"MRI {(r['region'] or '').replace('_', ' ')}"} for r in mri.to_dicts()]
    out += [{"date": r["study_date"], "lane": LANES["study"], "kind": "study",
             "label": f"EDX {r['study_id']}", "href": f"/studies/{r['study_id']}"}
            for r in studies.to_dicts()]
    return out


def cord_drawing(mri: pl.DataFrame, studies: pl.DataFrame) -> dict:
    """MRI cord lesions (``interpret.mri.cord_spans``, without the margin) beside each study's
    denervated segments (``study_findings.denervation_segments``)."""
    from edxlab.interpret.mri import cord_spans
    from edxlab.reference.emg_criteria import load_emg_criteria
    from edxlab.reference.innervation import SEGMENT_INDEX, SEGMENTS

    criteria = load_emg_criteria()
    spans = cord_spans(mri, {**criteria, "mri": {**criteria["mri"], "margin": 0}})
    lesions = [{"label": r["lesion"], "seg_lo": r["seg_lo"], "seg_hi": r["seg_hi"]}
               for r in spans.to_dicts()]
    columns = []
    if "denervation_segments" in studies.columns:
        columns = [(f"{r['study_date']}", r["denervation_segments"] or [])
                   for r in studies.to_dicts()]
    return figures.cord_map(SEGMENTS, lesions, columns) | {"segment_index": SEGMENT_INDEX}
