"""Diagnostic criteria: NMOSD (IPND 2015), MOGAD (2023) and red flags, per patient.

The rules' parameters, core characteristics, MRI requirements, supporting features and red flags
live in ``edxlab/reference/criteria/*.toml`` with their citations; this module only evaluates
them on a :class:`~edxlab.model.dataset.Dataset` (patients, attacks, mri). Pure: frames in,
frames out.

- :func:`classify_nmosd` -> one row per patient: ``nmosd_criteria`` (``aqp4_positive``,
  ``aqp4_negative``, ``aqp4_unknown``, ``not_met``), the cores found, the cores whose MRI
  requirement is met, and ``nmosd_evidence`` (why, in words).
- :func:`classify_mogad` -> one row per patient: ``mogad`` (bool), ``mog_result``
  (``clear_positive``, ``low_positive``, ``positive_no_titre``, ``below_threshold``,
  ``negative``, ``not_tested``), supporting features, ``mogad_evidence``.
- :func:`red_flags` -> one row per patient and red flag (warnings, never exclusions).
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

import polars as pl

from edxlab.errors import ConfigError
from edxlab.model.dataset import Dataset

#: Vertebral levels of the spinal cord MRI vocabulary, top to bottom.
VERTEBRAL_LEVELS: tuple[str, ...] = (
    *(f"C{i}" for i in range(1, 8)),
    *(f"T{i}" for i in range(1, 13)),
    "L1",
    "L2",
)
_LEVEL_INDEX = {lvl: i for i, lvl in enumerate(VERTEBRAL_LEVELS)}

NMOSD_CATEGORIES = ("aqp4_positive", "aqp4_negative", "aqp4_unknown", "not_met")


@cache
def load_criteria(name: str) -> dict[str, Any]:
    """The criteria data file ``reference/criteria/<name>.toml`` as a dict."""
    try:
        text = resources.files("edxlab.reference.criteria").joinpath(f"{name}.toml").read_text("utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"Criteria file {name}.toml not found in edxlab/reference/criteria.") from exc
    return tomllib.loads(text)


# ---------------------------------------------------------------------------------------------
# Lesion tests: one Boolean per patient, named in the criteria files.
# ---------------------------------------------------------------------------------------------


def _lesions(mri: pl.DataFrame) -> pl.DataFrame:
    """MRI lesions with the vertebral span (number of contiguous vertebral segments)."""
    idx = {k: v for k, v in _LEVEL_INDEX.items()}
    lf = pl.col("level_from").replace_strict(idx, default=None, return_dtype=pl.Int64)
    lt = pl.col("level_to").replace_strict(idx, default=None, return_dtype=pl.Int64)
    spinal = pl.col("region") == "spinal_cord"
    top = pl.min_horizontal(lf, lt)
    bottom = pl.max_horizontal(lf, lt)
    return mri.with_columns(
        _spinal=spinal,
        _bottom=pl.when(spinal).then(bottom),
        _span=pl.when(spinal).then(bottom - top + 1),
    )


def _t(col: str) -> pl.Expr:
    return pl.col(col).fill_null(False)


LESION_TESTS: dict[str, pl.Expr] = {
    # aggregated per patient with .any()
    "optic_over_half_or_chiasm": (pl.col("region") == "optic_nerve") & (_t("optic_over_half") | _t("chiasm")),
    "optic_over_half": (pl.col("region") == "optic_nerve") & _t("optic_over_half"),
    "letm": _t("_spinal") & (pl.col("_span").fill_null(0) >= 3) & ~_t("atrophy"),
    "cord_atrophy_3_segments": _t("_spinal") & (pl.col("_span").fill_null(0) >= 3) & _t("atrophy"),
    "area_postrema_lesion": _t("area_postrema"),
    "periependymal_brainstem_lesion": (pl.col("region") == "brainstem") & _t("periependymal"),
    "nmosd_typical_brain": pl.col("region").is_in(["brain", "brainstem"]) & _t("nmosd_typical"),
    "central_cord_lesion": _t("_spinal") & _t("central_gray"),
    "conus_lesion": _t("_spinal") & (pl.col("_bottom").fill_null(-1) >= _LEVEL_INDEX["L1"]),
    "pons_or_medulla_lesion": (pl.col("region") == "brainstem")
    & (pl.col("level_from").is_in(["pons", "medulla"]) | pl.col("level_to").is_in(["pons", "medulla"])),
    "_brain_lesion": pl.col("region") == "brain",
    "_brainstem_lesion": pl.col("region") == "brainstem",
    "_spinal_lesion": _t("_spinal"),
    "_long_spinal_lesion": _t("_spinal") & (pl.col("_span").fill_null(0) >= 3),
    "_brain_nmosd_typical": (pl.col("region") == "brain") & _t("nmosd_typical"),
}


def lesion_features(ds: Dataset) -> pl.DataFrame:
    """One row per patient: every lesion test of :data:`LESION_TESTS` as a Boolean.

    Patients without MRI rows get false everywhere and ``imaged`` false. A lesion's vertebral
    span counts both ends (C3-C7 = 5 segments); a lesion with one level is 1 segment.
    """
    patients = ds.patients.select("patient_id")
    mri = _lesions(ds["mri"])
    agg = mri.group_by("patient_id").agg(
        pl.len().alias("_n_lesions"), *[expr.any().alias(name) for name, expr in LESION_TESTS.items()]
    )
    out = patients.join(agg, on="patient_id", how="left").with_columns(
        imaged=pl.col("_n_lesions").fill_null(0) > 0,
        **{name: pl.col(name).fill_null(False) for name in LESION_TESTS},
    )
    return out.with_columns(
        # IPND: brain MRI normal or only non-specific white-matter lesions. A patient with MRI
        # rows counts as imaged; unlisted brain lesions are taken as absent.
        imaged_brain_nonspecific=pl.col("imaged") & ~pl.col("_brain_nmosd_typical"),
        supra_and_infratentorial_lesions=pl.col("_brain_lesion") & pl.col("_brainstem_lesion"),
        short_cord_lesions_only=pl.col("_spinal_lesion") & ~pl.col("_long_spinal_lesion"),
    ).drop("_n_lesions")


# ---------------------------------------------------------------------------------------------
# NMOSD (IPND 2015)
# ---------------------------------------------------------------------------------------------


def _attack_features(ds: Dataset) -> pl.DataFrame:
    """patient_id -> sorted list of attacks.core_feature codes."""
    return ds["attacks"].group_by("patient_id").agg(
        pl.col("core_feature").drop_nulls().unique().sort().alias("attack_features")
    )


def classify_nmosd(ds: Dataset) -> pl.DataFrame:
    """IPND 2015 category per patient.

    Columns: patient_id, nmosd_criteria, nmosd_cores (IPND core codes present), nmosd_cores_mri
    (cores whose MRI requirement is met), nmosd_evidence (text).
    """
    crit = load_criteria("ipnd2015")
    rules = crit["rules"]
    cores: dict[str, dict] = crit["cores"]
    mri_req: dict[str, dict] = crit["mri_requirements"]
    feats = lesion_features(ds)
    attacks = _attack_features(ds)
    base = (
        ds.patients.select("patient_id", "aqp4_igg", "alternative_dx_excluded")
        .join(attacks, on="patient_id", how="left")
        .join(feats, on="patient_id", how="left")
    )
    rows = []
    for r in base.iter_rows(named=True):
        present = set(r["attack_features"] or [])
        found = []
        for code, core in cores.items():
            if not present.intersection(core["attack_codes"]):
                continue
            need = core.get("requires_lesion")
            if need and not r[need]:
                continue
            found.append(code)
        with_mri = [
            c for c in found if c not in mri_req or any(r[t] for t in mri_req[c]["any_of"])
        ]
        aqp4 = r["aqp4_igg"] or "unknown"
        alt_ok = r["alternative_dx_excluded"] is not False
        key = [c for c in with_mri if c in rules["key_cores"]]
        if aqp4 in rules["aqp4_positive_codes"]:
            branch = "aqp4_positive"
            met = len(found) >= rules["aqp4_positive_min_cores"]
            why = (
                f"AQP4-IgG positive with {len(found)} core characteristic(s)"
                + (f" ({', '.join(found)})" if found else "")
            )
        else:
            branch = "aqp4_negative" if aqp4 in rules["aqp4_negative_codes"] else "aqp4_unknown"
            label = "negative" if branch == "aqp4_negative" else f"{aqp4.replace('_', ' ')}"
            met = len(with_mri) >= rules["seronegative_min_distinct_cores"] and bool(key)
            missing_mri = [c for c in found if c not in with_mri]
            why = f"AQP4-IgG {label}; {len(with_mri)} distinct core characteristic(s) meeting the MRI requirements"
            why += f" ({', '.join(with_mri)})" if with_mri else ""
            if missing_mri:
                why += f"; MRI requirement not met for {', '.join(missing_mri)}"
            if with_mri and not key:
                why += "; none is optic neuritis, acute myelitis with LETM or area postrema syndrome"
        if not alt_ok:
            met = False
            why += "; alternative diagnoses not excluded"
        rows.append(
            {
                "patient_id": r["patient_id"],
                "nmosd_criteria": branch if met else "not_met",
                "nmosd_cores": sorted(found),
                "nmosd_cores_mri": sorted(with_mri),
                "nmosd_evidence": ("meets IPND 2015: " if met else "does not meet IPND 2015: ") + why,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "patient_id": pl.String,
            "nmosd_criteria": pl.String,
            "nmosd_cores": pl.List(pl.String),
            "nmosd_cores_mri": pl.List(pl.String),
            "nmosd_evidence": pl.String,
        },
    )


# ---------------------------------------------------------------------------------------------
# MOGAD (2023)
# ---------------------------------------------------------------------------------------------


def _mog_result(status: str | None, titer: int | None, rules: dict) -> str:
    status = status or "not_tested"
    if status not in rules["mog_positive_codes"]:
        return "negative" if status == "negative" else "not_tested"
    if titer is not None:
        if titer >= rules["clear_positive_min_titer"]:
            return "clear_positive"
        if titer >= rules["low_positive_min_titer"]:
            return "low_positive"
        return "below_threshold"
    return "low_positive" if status == "low_positive" else "positive_no_titre"


def classify_mogad(ds: Dataset) -> pl.DataFrame:
    """MOGAD 2023 per patient.

    Columns: patient_id, mogad (bool), mog_result, mogad_supporting (feature ids),
    mogad_evidence (text). MOGAD is not assigned to AQP4-IgG positive patients (IPND applies;
    a double positive result is a red flag instead).
    """
    crit = load_criteria("mogad2023")
    rules = crit["rules"]
    core_events: dict[str, str] = crit["core_events"]
    supporting: list[dict] = crit["supporting_features"]
    feats = lesion_features(ds)
    attacks = _attack_features(ds)
    base = (
        ds.patients.select("patient_id", "aqp4_igg", "mog_igg", "mog_titer", "alternative_dx_excluded")
        .join(attacks, on="patient_id", how="left")
        .join(feats, on="patient_id", how="left")
    )
    rows = []
    for r in base.iter_rows(named=True):
        result = _mog_result(r["mog_igg"], r["mog_titer"], rules)
        events = sorted(set(r["attack_features"] or []).intersection(core_events))
        support = [f["id"] for f in supporting if r[f["test"]]]
        aqp4 = r["aqp4_igg"] or "unknown"
        alt_ok = r["alternative_dx_excluded"] is not False
        seroneg = aqp4 in rules["aqp4_seronegative_codes"]
        if result == "clear_positive":
            antibody_ok, why = True, f"MOG-IgG clear positive (1:{r['mog_titer']})"
        elif result in ("low_positive", "positive_no_titre"):
            what = "low positive" if result == "low_positive" else "positive without a reported titre"
            if r["mog_titer"] is not None:
                what += f" (1:{r['mog_titer']})"
            antibody_ok = seroneg and len(support) >= rules["min_supporting_features"]
            why = f"MOG-IgG {what}"
            why += "; AQP4-IgG negative" if seroneg else "; AQP4-IgG not negative"
            why += f"; supporting features: {', '.join(support)}" if support else "; no supporting feature"
        elif result == "below_threshold":
            antibody_ok, why = False, f"MOG-IgG titre 1:{r['mog_titer']} below 1:{rules['low_positive_min_titer']}"
        else:
            antibody_ok, why = False, f"MOG-IgG {result.replace('_', ' ')}"
        met = antibody_ok and bool(events) and alt_ok
        if antibody_ok and not events:
            why += "; no core demyelinating event"
        if aqp4 in rules["aqp4_positive_codes"] and met:
            met = False
            why += "; AQP4-IgG positive (NMOSD by IPND 2015; double positive, retest)"
        if not alt_ok:
            why += "; better diagnosis not excluded"
        rows.append(
            {
                "patient_id": r["patient_id"],
                "mogad": met,
                "mog_result": result,
                "mogad_supporting": support,
                "mogad_evidence": ("meets MOGAD 2023: " if met else "does not meet MOGAD 2023: ") + why,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "patient_id": pl.String,
            "mogad": pl.Boolean,
            "mog_result": pl.String,
            "mogad_supporting": pl.List(pl.String),
            "mogad_evidence": pl.String,
        },
    )


# ---------------------------------------------------------------------------------------------
# Red flags (warnings)
# ---------------------------------------------------------------------------------------------

RED_FLAG_TESTS: dict[str, pl.Expr] = {
    "csf_ocb_positive": pl.col("csf_ocb") == "positive",
    "aqp4_mog_double_positive": (pl.col("aqp4_igg") == "positive")
    & pl.col("mog_igg").is_in(["positive", "low_positive"]),
    "short_cord_lesions_only": pl.col("short_cord_lesions_only"),
    "hiv": pl.col("comorbidities").list.contains("hiv"),
}


def red_flags(ds: Dataset) -> pl.DataFrame:
    """One row per patient and IPND/NEMOS red flag found: patient_id, flag, domain, text,
    suggests, source. Red flags are warnings for the clinician; they never exclude."""
    crit = load_criteria("ipnd2015")
    base = ds.patients.join(lesion_features(ds), on="patient_id", how="left")
    parts = []
    for flag in crit["red_flags"]:
        hit = base.filter(RED_FLAG_TESTS[flag["test"]].fill_null(False)).select("patient_id")
        parts.append(
            hit.with_columns(
                flag=pl.lit(flag["id"]),
                domain=pl.lit(flag["domain"]),
                text=pl.lit(flag["text"]),
                suggests=pl.lit(flag["suggests"]),
                source=pl.lit(flag["source"]),
            )
        )
    schema = {c: pl.String for c in ("patient_id", "flag", "domain", "text", "suggests", "source")}
    if not parts:
        return pl.DataFrame(schema=schema)
    return pl.concat(parts).sort("patient_id", "flag")
