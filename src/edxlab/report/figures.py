"""Cohort figures (matplotlib, Agg backend): prevalence with CIs beside the published figures,
the segment map (C1-S2 by patient: denervated segments over MRI lesion spans), regions, and the
STROBE attrition flow diagram (hand-laid SVG, no plotting needed).

Each figure function returns a matplotlib Figure; :func:`figure_svg` and :func:`save_figure`
turn it into inline SVG text or SVG + PNG files.
"""

from __future__ import annotations

import io
import textwrap
from html import escape
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402

from edxlab.cohort.stats import HE2022, MEASURE_LABELS, PUBLISHED_MEASURES, REGIONS, Proportion  # noqa: E402

#: Cord segments of the segment map, rostral to caudal.
MAP_SEGMENTS: tuple[str, ...] = (
    *(f"C{i}" for i in range(1, 9)),
    *(f"T{i}" for i in range(1, 13)),
    *(f"L{i}" for i in range(1, 6)),
    "S1",
    "S2",
)
_SEG_INDEX = {s: i for i, s in enumerate(MAP_SEGMENTS)}

COLORS = {"edxlab": "#1f5f8b", "published": "#b35806", "lesion": "#fdd9a0", "denervated": "#b2182b"}

#: no RDF block (dates, creative-commons namespaces) in the SVG: reproducible, offline-clean
SVG_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}

plt.rcParams.update({"font.size": 9, "svg.fonttype": "none", "axes.spines.top": False, "axes.spines.right": False})


def figure_svg(fig: Figure) -> str:
    """The figure as inline SVG markup (no XML header), then closed."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata=SVG_METADATA)
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]


def save_figure(fig: Figure, stem: Path) -> list[Path]:
    """Write ``stem.svg`` and ``stem.png`` (150 dpi); returns both paths. Closes the figure."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".svg"), stem.with_suffix(".png")]
    fig.savefig(paths[0], format="svg", bbox_inches="tight", metadata=SVG_METADATA)
    fig.savefig(paths[1], format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    return paths


def prevalence_figure(summary: pl.DataFrame, ci_method: str = "wilson", title_note: str = "") -> Figure:
    """The six published measures: edxlab's proportion with its 95% CI beside He et al. 2022."""
    rows = {r["measure"]: r for r in summary.iter_rows(named=True)}
    measures = [m for m in PUBLISHED_MEASURES if m in rows]
    fig, ax = plt.subplots(figsize=(7.0, 0.55 * len(measures) + 1.2))
    labelled = set()

    def label(who: str, text: str) -> str | None:
        if who in labelled:
            return None
        labelled.add(who)
        return text

    for i, m in enumerate(measures):
        y = len(measures) - 1 - i
        r = rows[m]
        if r["percent"] is not None and r["ci_low"] is not None:
            ax.errorbar(
                r["percent"], y + 0.15,
                xerr=[[r["percent"] - r["ci_low"]], [r["ci_high"] - r["percent"]]],
                fmt="o", color=COLORS["edxlab"], capsize=3, label=label("ours", "edxlab (this cohort)"),
            )
        n, N = HE2022[m]
        p = Proportion(m, n, N, ci_method)
        lo, hi = p.ci
        ax.errorbar(
            p.percent, y - 0.15, xerr=[[p.percent - lo], [hi - p.percent]],
            fmt="s", color=COLORS["published"], capsize=3, label=label("pub", "He et al. 2022 (n = 59)"),
        )
    ax.set_yticks(range(len(measures)))
    ax.set_yticklabels([MEASURE_LABELS[m] for m in reversed(measures)])
    ax.set_xlabel(f"Patients (%), 95% CI ({'Wilson' if ci_method == 'wilson' else 'Clopper-Pearson'})")
    ax.set_xlim(0, max(40.0, ax.get_xlim()[1]))
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, frameon=False)
    ax.set_title("Prevalence of EDX findings" + (f" - {title_note}" if title_note else ""), loc="left", pad=20)
    fig.tight_layout()
    return fig


def regions_figure(summary: pl.DataFrame, title_note: str = "") -> Figure:
    """Denervation by region (bulbar, cervical, thoracic, lumbosacral) with 95% CIs."""
    rows = {r["measure"]: r for r in summary.iter_rows(named=True)}
    fig, ax = plt.subplots(figsize=(5.5, 2.8))
    xs, labels = [], []
    for i, region in enumerate(REGIONS):
        r = rows.get(f"denervation_region_{region}")
        labels.append(region)
        xs.append(i)
        if r is None or r["percent"] is None:
            ax.text(i, 0.5, "suppressed", ha="center", fontsize=7, rotation=90)
            continue
        ax.bar(i, r["percent"], color=COLORS["edxlab"], width=0.6)
        ax.errorbar(i, r["percent"], yerr=[[r["percent"] - r["ci_low"]], [r["ci_high"] - r["percent"]]],
                    color="black", capsize=3)
        ax.text(i + 0.33, r["percent"], f"{r['n']}/{r['N']}", fontsize=7, va="bottom")
    ax.set_xticks(xs)
    ax.set_xticklabels(labels)
    ax.set_ylabel("Patients with denervation (%)")
    ax.set_title("Denervation by region" + (f" - {title_note}" if title_note else ""), loc="left")
    fig.tight_layout()
    return fig


#: At most this many patient rows in the segment map.
MAX_MAP_ROWS = 80


def segment_map_figure(patients: pl.DataFrame, lesion_spans: pl.DataFrame | None, title_note: str = "") -> Figure:
    """One row per patient with denervation or a cord lesion, one column per segment C1-S2.

    ``patients``: patient label (``label``), ``denervation_segments`` (list), ``lmn_involvement``.
    ``lesion_spans``: ``label``, ``seg_from``, ``seg_to`` (cord segment names; MRI spans already
    mapped from vertebral levels). Denervated segments are dots (filled when not explained by
    the NCS), lesion spans shaded bands.
    """
    rows = patients.filter(pl.col("denervation_segments").list.len().fill_null(0) > 0)
    labels = rows["label"].to_list()
    if lesion_spans is not None and not lesion_spans.is_empty():
        labels += [lab for lab in lesion_spans["label"].unique(maintain_order=True).to_list() if lab not in labels]
    labels = sorted(labels)
    if len(labels) > MAX_MAP_ROWS:  # large cohorts: the patients with denervation only
        labels = sorted(rows["label"].to_list())[:MAX_MAP_ROWS]
    height = max(2.0, 0.22 * len(labels) + 1.3)
    fig, ax = plt.subplots(figsize=(8.0, height))
    ypos = {lab: i for i, lab in enumerate(labels)}
    if lesion_spans is not None:
        for r in lesion_spans.iter_rows(named=True):
            if r["label"] not in ypos or r["seg_from"] not in _SEG_INDEX:
                continue
            a = _SEG_INDEX[r["seg_from"]]
            b = _SEG_INDEX.get(r["seg_to"], len(MAP_SEGMENTS) - 1)
            ax.add_patch(Rectangle((a - 0.5, ypos[r["label"]] - 0.4), b - a + 1, 0.8, color=COLORS["lesion"], lw=0))
    for r in rows.iter_rows(named=True):
        if r["label"] not in ypos:
            continue
        segs = [s for s in r["denervation_segments"] if s in _SEG_INDEX]
        filled = bool(r.get("lmn_involvement"))
        ax.scatter(
            [_SEG_INDEX[s] for s in segs], [ypos[r["label"]]] * len(segs), s=22,
            facecolors=COLORS["denervated"] if filled else "none", edgecolors=COLORS["denervated"], zorder=3,
        )
    ax.set_xticks(range(len(MAP_SEGMENTS)))
    ax.set_xticklabels(MAP_SEGMENTS, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_xlim(-0.6, len(MAP_SEGMENTS) - 0.4)
    ax.set_ylim(len(labels) - 0.5 if labels else 0.5, -0.5)
    for boundary in (7.5, 19.5, 24.5):
        ax.axvline(boundary, color="#999999", lw=0.5)
    handles = [
        Patch(color=COLORS["lesion"], label="MRI lesion span (cord segments)"),
        plt.Line2D([], [], marker="o", ls="", color=COLORS["denervated"], label="denervated segment, not explained by NCS"),
        plt.Line2D([], [], marker="o", ls="", mfc="none", color=COLORS["denervated"], label="denervated segment, explained by NCS"),
    ]
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=3, frameon=False, fontsize=7)
    ax.set_title("Segment map: denervated segments over MRI lesion spans" + (f" - {title_note}" if title_note else ""), loc="left", pad=18)
    fig.tight_layout()
    return fig


def attrition_svg(attrition: pl.DataFrame, width: int = 760) -> str:
    """STROBE flow diagram as inline SVG: one box per step (n remaining), exclusions to the side."""
    box_w, box_h, gap = 330, 54, 48
    side_w = width - box_w - 60
    steps = attrition.to_dicts()
    height = len(steps) * (box_h + gap) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="flow" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Flow of patients through the selection">',
        '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="6" refY="4" orient="auto">'
        '<path d="M0,0 L8,4 L0,8 z" fill="#333"/></marker></defs>',
    ]
    for i, s in enumerate(steps):
        y = 5 + i * (box_h + gap)
        label = "Patients in the database" if i == 0 else s["criterion"]
        parts.append(f'<rect x="10" y="{y}" width="{box_w}" height="{box_h}" rx="4" fill="#eef4f9" stroke="#1f5f8b"/>')
        for k, line in enumerate(textwrap.wrap(label, width=58)[:2]):
            parts.append(f'<text x="{10 + box_w / 2}" y="{y + 15 + 12 * k}" text-anchor="middle" font-size="10">{escape(line)}</text>')
        parts.append(f'<text x="{10 + box_w / 2}" y="{y + box_h - 8}" text-anchor="middle" font-size="12" font-weight="bold">n = {s["n_after"]}</text>')
        if i > 0:
            y0 = y - gap
            parts.append(f'<line x1="{10 + box_w / 2}" y1="{y0}" x2="{10 + box_w / 2}" y2="{y - 2}" stroke="#333" marker-end="url(#arrow)"/>')
            if s["n_excluded"]:
                mid = y0 + gap / 2
                sx = 10 + box_w + 40
                parts.append(f'<line x1="{10 + box_w / 2}" y1="{mid}" x2="{sx - 2}" y2="{mid}" stroke="#333" marker-end="url(#arrow)"/>')
                lines = textwrap.wrap(s["reason"] or "", width=int(side_w / 5.2))[:2]
                top = mid - 12 - 6 * len(lines)
                parts.append(f'<rect x="{sx}" y="{top}" width="{side_w}" height="{20 + 12 * len(lines)}" rx="4" fill="#fdf1e6" stroke="#b35806"/>')
                parts.append(f'<text x="{sx + 6}" y="{top + 14}" font-size="10">Excluded: n = {s["n_excluded"]}</text>')
                for k, line in enumerate(lines):
                    parts.append(f'<text x="{sx + 6}" y="{top + 27 + 12 * k}" font-size="9">{escape(line)}</text>')
    parts.append("</svg>")
    return "".join(parts)
