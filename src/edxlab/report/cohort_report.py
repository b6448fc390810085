"""The cohort report: one self-contained HTML file (inline CSS and SVG, no network), the same
tables as XLSX and DOCX for manuscripts, and the figures as SVG + PNG files.

``write_cohort_report(result, out, ...)`` writes ``cohort_report.html``,
``cohort_tables.xlsx``, ``cohort_tables.docx`` and ``figures/*.svg|png`` into ``out``.
Patients appear in figures under sequence labels (P01, P02, ...), never their identifiers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import polars as pl

from edxlab import __version__
from edxlab.cohort.run import CohortResult
from edxlab.cohort.stats import CI_LABELS, HE2022, MEASURE_LABELS, PUBLISHED_MEASURES, Proportion
from edxlab.report import figures
from edxlab.report.render import render

SOFTWARE = ("edxlab", "polars", "duckdb", "scipy", "statsmodels", "tableone", "matplotlib")


def software_versions() -> dict[str, str]:
    out = {}
    for name in SOFTWARE:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = __version__ if name == "edxlab" else "not installed"
    return out


@dataclass
class ReportOptions:
    title: str = "Lower motor neuron involvement in NMOSD: electrodiagnostic cohort"
    #: text of the synthetic-data label; empty for real data
    synthetic: str = ""
    reference_profiles: list[str] = field(default_factory=list)
    #: patient_id, seg_from, seg_to: MRI cord lesion spans in cord segments (segment map)
    lesion_spans: pl.DataFrame | None = None


def mri_segment_spans(ds) -> pl.DataFrame:
    """patient_id, seg_from, seg_to: every spinal cord MRI lesion as the cord segments it covers
    (vertebral levels mapped by :func:`edxlab.interpret.mri.cord_spans`, without the margin)."""
    from edxlab.interpret.mri import cord_spans
    from edxlab.reference.emg_criteria import load_emg_criteria

    spans = cord_spans(ds["mri"], load_emg_criteria())
    parts = pl.col("cord_segments").str.split("-")
    return spans.select(
        "patient_id",
        parts.list.first().alias("seg_from"),
        parts.list.last().alias("seg_to"),
    )


def _fmt_p(p: float | None) -> str:
    if p is None:
        return ""
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _fmt_num(x: float | None, nd: int = 2) -> str:
    if x is None:
        return ""
    if x == float("inf"):
        return "inf"
    return f"{x:.{nd}f}"


def _summary_cells(r: dict) -> tuple[str, str]:
    if r["suppressed"]:
        return f"suppressed/{r['N']}", ""
    if not r["N"]:
        return f"{r['n']}/0", ""
    return f"{r['n']}/{r['N']} ({r['percent']:.1f}%)", f"{r['ci_low']:.1f}-{r['ci_high']:.1f}"


def findings_rows(summary: pl.DataFrame, ci_method: str) -> list[dict]:
    """Rows of the findings table: every measure, with the published figure where one exists."""
    rows = []
    for r in summary.iter_rows(named=True):
        ours, ours_ci = _summary_cells(r)
        pub = pub_ci = ""
        if r["measure"] in HE2022:
            n, N = HE2022[r["measure"]]
            p = Proportion(r["measure"], n, N, ci_method)
            lo, hi = p.ci
            pub, pub_ci = f"{n}/{N} ({p.percent:.1f}%)", f"{lo:.1f}-{hi:.1f}"
        rows.append(
            {
                "measure": r["measure"],
                "label": MEASURE_LABELS.get(r["measure"], r["measure"]),
                "ours": ours,
                "ours_ci": ours_ci,
                "published": pub,
                "published_ci": pub_ci,
            }
        )
    order = {m: i for i, m in enumerate(PUBLISHED_MEASURES)}
    return sorted(rows, key=lambda x: order.get(x["measure"], len(order)))


def _definition(result: CohortResult) -> str:
    s = result.settings
    parts = ["NMOSD by the IPND 2015 criteria"]
    parts.append("MOGAD (2023 criteria) excluded" if s.exclude_mogad else "MOGAD (2023 criteria) kept and reported separately")
    if s.window_text:
        parts.append(f"EDX {s.window_text}")
    if s.require:
        parts.append(f"index study = first study with {s.require_text}")
    return "; ".join(parts)


def methods_text(result: CohortResult, options: ReportOptions, versions: dict[str, str]) -> str:
    s = result.settings
    a = result.attrition
    n_all, n_inc = int(a["n_before"][0]), int(a["n_after"][-1])
    window = f" {s.window_text}" if s.window_text else ""
    profiles = ", ".join(options.reference_profiles) if options.reference_profiles else "the default reference profile of edxlab"
    ci = CI_LABELS[s.ci_method]
    text = (
        f"Of {n_all} patients in the database, {n_inc} were included. NMOSD was defined by the 2015 "
        "International Panel for NMO Diagnosis (IPND) criteria (Wingerchuk et al., Neurology 2015;85:177-189): "
        "AQP4-IgG positive patients with at least one core clinical characteristic, and AQP4-IgG negative or "
        "untested patients with at least two different core characteristics, one of them optic neuritis, acute "
        "myelitis with LETM or area postrema syndrome, meeting the additional MRI requirements. MOG antibody-"
        "associated disease was identified by the 2023 international panel criteria (Banwell et al., Lancet Neurol "
        "2023;22:268-282), clear-positive titres (>= 1:100) qualifying alone and low-positive titres only with "
        f"AQP4-IgG seronegativity and a supporting feature; MOGAD was "
        f"{'excluded' if s.exclude_mogad else 'kept in the cohort and reported as a separate group'}. IPND red flags were reviewed as "
        f"warnings, not exclusions. The index study was the first electrodiagnostic study{window}"
        f"{' with ' + s.require_text if s.require else ''}. Nerve conduction values were compared with the limits "
        f"of {profiles}; needle EMG denervation was active (fibrillation potentials or positive sharp waves of "
        "grade 1+ or more) or chronic (long-duration, high-amplitude or polyphasic motor unit potentials with "
        "reduced recruitment). Denervation was attributed to the NCS when every denervated muscle lay in the "
        "territory of a peripheral or cranial nerve lesion shown by the NCS; unexplained denervation defined lower "
        "motor neuron (LMN) involvement, and MRI concordance required an unexplained denervated segment within the "
        "cord segments of an MRI lesion. Proportions are reported as n/N (%) with 95% confidence intervals "
        f"({ci}, statsmodels {versions.get('statsmodels', '')}). Subgroups were compared with Fisher's exact test "
        "(conditional odds ratio) and the Mann-Whitney U test (rank-biserial correlation); predictors of LMN "
        "involvement were explored with logistic regression. Table 1 was built with tableone "
        f"{versions.get('tableone', '')}. Analyses ran in edxlab {versions.get('edxlab', '')} (Python; polars "
        f"{versions.get('polars', '')}, scipy {versions.get('scipy', '')})."
    )
    if s.min_cell:
        text += f" Counts between 1 and {s.min_cell - 1} are suppressed."
    return text


LIMITATIONS = (
    "Selection by indication: EDX is usually requested when LMN involvement is suspected, so the "
    "proportions describe tested patients, not all patients with NMOSD.",
    "Small numbers: confidence intervals are wide and subgroup comparisons are exploratory.",
    "Timing: fibrillation potentials appear 2-3 weeks after axonal injury and may resolve later; "
    "the time from the attack to EDX is reported with the comparisons.",
    "The attribution of denervation to a peripheral lesion follows rules on the recorded tests; "
    "nerves that were not studied cannot explain denervation.",
)


def _patient_labels(patient_findings: pl.DataFrame) -> dict[str, str]:
    inc = patient_findings.filter(pl.col("included")).sort("patient_id")["patient_id"].to_list()
    width = max(2, len(str(len(inc))))
    return {pid: f"P{i:0{width}d}" for i, pid in enumerate(inc, start=1)}


def build_figures(result: CohortResult, options: ReportOptions) -> dict[str, object]:
    """matplotlib figures of the report (not yet rendered)."""
    note = "synthetic data" if options.synthetic else ""
    labels = _patient_labels(result.patient_findings)
    inc = result.patient_findings.filter(pl.col("included")).with_columns(
        label=pl.col("patient_id").replace_strict(labels, default=None)
    )
    spans = None
    if options.lesion_spans is not None:
        spans = options.lesion_spans.filter(pl.col("patient_id").is_in(list(labels))).with_columns(
            label=pl.col("patient_id").replace_strict(labels, default=None)
        )
    return {
        "prevalence": figures.prevalence_figure(result.summary, result.settings.ci_method, note),
        "segments": figures.segment_map_figure(inc, spans, note),
        "regions": figures.regions_figure(result.summary, note),
    }


def report_context(result: CohortResult, options: ReportOptions, svgs: dict[str, str]) -> dict:
    versions = software_versions()
    s = result.settings
    by = result.summary_by_aqp4
    groups = by["subgroup"].unique(maintain_order=True).to_list() if by.height else []
    by_rows = []
    for measure in result.summary["measure"].to_list():
        row = {"label": MEASURE_LABELS.get(measure, measure)}
        for g in groups:
            r = by.filter((pl.col("subgroup") == g) & (pl.col("measure") == measure)).row(0, named=True)
            ours, ci = _summary_cells(r)
            row[g] = f"{ours}; {ci}" if ci else ours
        by_rows.append(row)
    comparisons = [
        {
            **r,
            "p": _fmt_p(r["p_value"]),
            "effect": f"{r['effect']} {_fmt_num(r['effect_value'])}"
            + (f" ({_fmt_num(r['effect_ci_low'])}-{_fmt_num(r['effect_ci_high'])})" if r["effect_ci_low"] is not None else ""),
        }
        for r in result.comparisons.iter_rows(named=True)
    ]
    if s.min_cell:
        for r in comparisons:
            for side in ("a", "b"):
                n = r[f"n_{side}"]
                if n is not None and 0 < n < s.min_cell:
                    r[f"summary_{side}"] = f"<{s.min_cell}/{r[f'N_{side}']}"
    logistic = [
        {
            "label": r["label"],
            "odds_ratio": _fmt_num(r["odds_ratio"]),
            "ci": f"{_fmt_num(r['ci_low'])}-{_fmt_num(r['ci_high'])}",
            "p": _fmt_p(r["p_value"]),
        }
        for r in result.logistic.table.iter_rows(named=True)
    ]
    t1 = result.table1
    t1_cols = [c for c in t1.columns if c not in ("variable", "level", "missing")]
    return {
        "title": options.title,
        "synthetic": options.synthetic,
        "generated": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "definition": _definition(result),
        "versions": versions,
        "attrition": result.attrition.to_dicts(),
        "attrition_svg": figures.attrition_svg(result.attrition),
        "warnings": [w for w in result.warnings if w not in result.logistic.warnings],
        "table1": t1.to_dicts(),
        "table1_columns": t1_cols,
        "min_cell": s.min_cell,
        "ci_label": CI_LABELS[s.ci_method],
        "findings": findings_rows(result.summary, s.ci_method),
        "aqp4_groups": groups,
        "by_aqp4": by_rows,
        "fig_prevalence": svgs["prevalence"],
        "fig_segments": svgs["segments"],
        "fig_regions": svgs["regions"],
        "lesion_spans_available": options.lesion_spans is not None,
        "n_included": result.n_included,
        "comparisons": comparisons,
        "logistic": logistic,
        "logistic_warnings": result.logistic.warnings,
        "logistic_n": result.logistic.n,
        "logistic_events": result.logistic.events,
        "methods": methods_text(result, options, versions),
        "limitations": LIMITATIONS,
    }


def render_cohort_report(result: CohortResult, options: ReportOptions | None = None) -> str:
    options = options or ReportOptions()
    svgs = {k: figures.figure_svg(f) for k, f in build_figures(result, options).items()}
    return render("cohort_report.html.j2", report_context(result, options, svgs))


def manuscript_tables(result: CohortResult) -> dict[str, pl.DataFrame]:
    """The tables of the manuscript, named as their XLSX sheets / DOCX headings."""
    s = result.settings
    findings = pl.DataFrame(findings_rows(result.summary, s.ci_method)).select(
        pl.col("label").alias("Measure"),
        pl.col("ours").alias("edxlab n/N (%)"),
        pl.col("ours_ci").alias("95% CI"),
        pl.col("published").alias("He et al. 2022 n/N (%)"),
        pl.col("published_ci").alias("He et al. 95% CI"),
    )
    attrition = result.attrition.select(
        pl.col("step").alias("Step"),
        pl.col("criterion").alias("Criterion"),
        pl.col("n_before").alias("n before"),
        pl.col("n_excluded").alias("Excluded"),
        pl.col("n_after").alias("n after"),
        pl.col("reason").fill_null("").alias("Reason"),
    )
    comparisons = result.comparisons.select(
        "comparison", "outcome", "group_a", "summary_a", "group_b", "summary_b", "test",
        pl.col("p_value").map_elements(_fmt_p, return_dtype=pl.String).alias("p"),
        "effect",
        pl.col("effect_value").round(2).alias("effect size"),
    )
    if s.min_cell:
        comparisons = comparisons.with_columns(
            pl.when(pl.col(f"summary_{x}").str.extract(r"^(\d+)/", 1).cast(pl.Int64).is_between(1, s.min_cell - 1))
            .then(pl.lit(f"<{s.min_cell}"))
            .otherwise(pl.col(f"summary_{x}"))
            .alias(f"summary_{x}")
            for x in ("a", "b")
        )
    t1 = result.table1.with_columns(pl.col("missing").cast(pl.String).fill_null("")) if result.table1.width else result.table1
    return {
        "Flow": attrition,
        "Table 1": t1,
        "Findings": findings,
        "Comparisons": comparisons,
        "Logistic model": result.logistic.table.drop("term").with_columns(pl.col(pl.Float64).round(3)),
    }


def write_xlsx(tables: dict[str, pl.DataFrame], path: Path, synthetic: str = "") -> Path:
    import xlsxwriter

    with xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True}) as wb:
        for name, frame in tables.items():
            if frame.width == 0 or frame.height == 0:
                continue
            ws_name = name[:31]
            frame.write_excel(workbook=wb, worksheet=ws_name, position=(1, 0) if synthetic else (0, 0), autofit=True)
            if synthetic:
                wb.get_worksheet_by_name(ws_name).write(0, 0, f"SYNTHETIC DATA: {synthetic}")
    return path


def write_docx(tables: dict[str, pl.DataFrame], path: Path, title: str, methods: str, synthetic: str = "") -> Path:
    import docx

    doc = docx.Document()
    doc.add_heading(title, level=1)
    if synthetic:
        doc.add_paragraph().add_run(f"SYNTHETIC DATA: {synthetic}.").bold = True
    for name, frame in tables.items():
        if frame.width == 0 or frame.height == 0:
            continue
        doc.add_heading(name, level=2)
        table = doc.add_table(rows=1, cols=frame.width)
        table.style = "Table Grid"
        for cell, col in zip(table.rows[0].cells, frame.columns):
            cell.text = str(col)
        for row in frame.iter_rows():
            cells = table.add_row().cells
            for cell, v in zip(cells, row):
                cell.text = "" if v is None else str(v)
    doc.add_heading("Methods", level=2)
    doc.add_paragraph(methods)
    doc.save(str(path))
    return path


def write_cohort_report(result: CohortResult, out: Path, options: ReportOptions | None = None) -> dict[str, Path]:
    """Write the HTML report, XLSX and DOCX tables, and SVG/PNG figures into ``out``."""
    options = options or ReportOptions()
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    svgs = {}
    for name, fig in build_figures(result, options).items():
        stem = out / "figures" / name
        figures.save_figure(fig, stem)
        paths[f"figure_{name}"] = stem.with_suffix(".svg")
        svg = stem.with_suffix(".svg").read_text("utf-8")
        svgs[name] = svg[svg.index("<svg") :]
    html = render("cohort_report.html.j2", report_context(result, options, svgs))
    paths["html"] = out / "cohort_report.html"
    paths["html"].write_text(html, "utf-8")
    tables = manuscript_tables(result)
    paths["xlsx"] = write_xlsx(tables, out / "cohort_tables.xlsx", options.synthetic)
    versions = software_versions()
    paths["docx"] = write_docx(tables, out / "cohort_tables.docx", options.title, methods_text(result, options, versions), options.synthetic)
    return paths
