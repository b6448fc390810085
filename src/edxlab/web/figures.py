"""Geometry of the patient page's two drawings (inline SVG, rendered by templates).

Pure presentation: which segments are denervated and which cord segments an MRI lesion covers
come from :mod:`edxlab.interpret` (study findings and ``interpret.mri.cord_spans``); these
functions only place them on the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

ROW = 14        # px per cord segment
TOP = 32        # room for the column titles
LESION_X = 44   # the MRI column
LESION_W = 70
STUDY_W = 76    # one column per study
LANE = 26       # px per timeline lane


def cord_map(segments: Sequence[str], lesions: Iterable[dict],
             studies: Sequence[tuple[str, Iterable[str]]]) -> dict:
    """The cord drawing: one row per segment, MRI lesion bars in the first column and, in one
    column per study, the segments with denervation.

    ``lesions``: dicts with ``label`` (vertebral levels, ``C3-C6``) and ``seg_lo``/``seg_hi``
    (indexes into ``segments``). ``studies``: (column title, denervated segment names).
    """
    columns = [{"title": title, "x": LESION_X + LESION_W + 12 + i * STUDY_W,
                "marked": [{"segment": s, "y": TOP + segments.index(s) * ROW}
                           for s in sorted(set(marks)) if s in segments]}
               for i, (title, marks) in enumerate(studies)]
    bars = [{"label": lesion["label"], "y": TOP + int(lesion["seg_lo"]) * ROW + 1,
             "height": (int(lesion["seg_hi"]) - int(lesion["seg_lo"]) + 1) * ROW - 2}
            for lesion in lesions]
    rows = [{"segment": s, "y": TOP + i * ROW} for i, s in enumerate(segments)]
    width = LESION_X + LESION_W + 12 + max(1, len(columns)) * STUDY_W
    return {"rows": rows, "bars": bars, "columns": columns, "row": ROW, "width": width,
            "lesion_x": LESION_X, "lesion_w": LESION_W, "study_w": STUDY_W - 10,
            "height": TOP + len(segments) * ROW + 4}


def timeline(events: Iterable[dict], width: int = 900) -> dict:
    """Events (``date``, ``lane`` 0..2, ``label``, optional ``href``) placed along a time axis."""
    events = [e for e in events if e.get("date") is not None]
    if not events:
        return {"events": [], "ticks": [], "width": width, "height": 0}
    first = min(e["date"] for e in events)
    last = max(e["date"] for e in events)
    span = max((last - first).days, 1)
    left, usable = 60, width - 90

    def x(day: dt.date) -> float:
        return round(left + usable * (day - first).days / span, 1)

    placed = [{**e, "x": x(e["date"]), "y": 30 + e["lane"] * LANE} for e in events]
    years = range(first.year + (first.month > 1 or first.day > 1), last.year + 1)
    ticks = [{"x": x(dt.date(year, 1, 1)), "label": str(year)} for year in years]
    return {"events": placed, "ticks": ticks, "width": width, "height": 30 + 3 * LANE + 10}
