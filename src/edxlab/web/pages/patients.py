"""``/patients``: the searchable, filterable, sortable patient list, paginated on the server."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from edxlab.web.listing import (
    CHOICE_FILTERS, FLAG_FILTERS, PAGE_SIZES, PatientQuery, select_patients,
)
from edxlab.web.rendering import render

router = APIRouter()
NAV = ("/patients",)

COLUMNS = [("patient_id", "Patient"), ("sex", "Sex"), ("aqp4_igg", "AQP4-IgG"),
           ("mog_igg", "MOG-IgG"), ("nmosd_criteria", "NMOSD criteria"),
           ("n_studies", "Studies"), ("last_study", "Last study"),
           ("ncs_abnormal", "NCS abnormal"), ("polyneuropathy", "Polyneuropathy"),
           ("denervation", "Denervation"), ("lmn_involvement", "LMN involvement")]
#: the columns the page shows (the JSON answer has every column of the list)
SHOWN = tuple(column for column, _ in COLUMNS)


@router.get("/patients")
def patients(request: Request) -> Response:
    query = PatientQuery.parse(dict(request.query_params))
    state = request.app.state
    with state.db.reader() as con:
        index = state.project.patient_index(con, state.cohort_settings)
        synthetic = state.project.synthetic(con)
    wants_json = "application/json" in request.headers.get("accept", "")
    page = select_patients(index, query, None if wants_json else SHOWN)
    if wants_json:
        return JSONResponse(jsonable_encoder({"ok": True, "total": page.total, "rows": page.rows,
                                              "page": page.query.page, "pages": page.pages}))
    links = {
        "sort": {col: "?" + urlencode(query.params(sort=col, desc="1" if query.sort == col
                                                   and not query.desc else "", page=1))
                 for col, _ in COLUMNS},
        "prev": "?" + urlencode(query.params(page=page.query.page - 1)),
        "next": "?" + urlencode(query.params(page=page.query.page + 1)),
    }
    context = {"title": "Patients", "page": page, "query": query, "columns": COLUMNS,
               "links": links, "choices": CHOICE_FILTERS, "flags": FLAG_FILTERS,
               "selected": {**dict(query.choices),
                            **{k: "yes" if v else "no" for k, v in query.flags}},
               "page_sizes": PAGE_SIZES, "synthetic": synthetic}
    return render(request, "patients.html", context)
