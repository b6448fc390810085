"""Geometry of the patient page's two drawings (inline SVG, rendered by templates).

Pure presentation: which segments are denervated and which cord segments an MRI lesion covers
come from :mod:`edxlab.interpret` (study findings and ``interpret.mri.cord_spans``); these
functions only place them on the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

ROW = 16        # px per cord segment
TOP = 24        # room for the column titles
LANE = 26       # px per timeline lane


def cord_map(segments: Sequence[str], lesions: Iterable[dict], denervated: Iterable[str]) -> dict:
    """Rows of the cord drawing: one per segment, plus MRI lesion bars beside them.

    ``lesions``: dicts with ``label`` (vertebral levels, ``C3-C6``) and ``seg_lo``/``seg_hi``
    (indexes into ``segments``). ``denervated``: segment names with denervation.
    """
    marked = set(denervated)
    rows = [{"segment": s, "y": TOP + i * ROW, "denervated": s in marked}
            for i, s in enumerate(segments)]
    bars = [{"label": lesion["label"], "y": TOP + int(lesion["seg_lo"]) * ROW + 1,
             "height": (int(lesion["seg_hi"]) - int(lesion["seg_lo"]) + 1) * ROW - 2}
            for lesion in lesions]
    return {"rows": rows, "bars": bars, "row": ROW, "height": TOP + len(segments) * ROW + 4}


def timeline(events: Iterable[dict], width: int = 900) -> dict:
    """Events (``date``, ``lane`` 0..2, ``label``, optional ``href``) placed along a time axis."""
    events = [e for e in events if e.get("date") is not None]
    if not events:
        return {"events": [], "ticks": [], "width": width, "height": 0}
    first = min(e["date"] for e in events)
    last = max(e["date"] for e in events)
    span = max((last - first).days, 1)
    left, usable = 40, width - 80

    def x(day: dt.date) -> float:
        return round(left + usable * (day - first).days / span, 1)

    placed = [{**e, "x": x(e["date"]), "y": 30 + e["lane"] * LANE} for e in events]
    years = range(first.year + (first.month > 1 or first.day > 1), last.year + 1)
    ticks = [{"x": x(dt.date(year, 1, 1)), "label": str(year)} for year in years]
    return {"events": placed, "ticks": ticks, "width": width, "height": 30 + 3 * LANE + 10}
