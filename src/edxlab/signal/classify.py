"""Classify a muscle's measured MUAPs as normal, neurogenic or myopathic, with the reasons.

Reference values (per muscle, with sources) live in ``edxlab/reference/qemg/muap_reference.csv``
and the rules in ``edxlab/reference/qemg/criteria.toml``; this module only applies them. Each
reason names the rule, the measure, the value, the limit and the source.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from edxlab.errors import ConfigError


@dataclass(frozen=True)
class MuscleReference:
    muscle: str
    aliases: tuple[str, ...]
    mean_amplitude_uv: float
    sd_amplitude_uv: float
    mean_duration_ms: float
    sd_duration_ms: float
    polyphasic_uln_pct: float
    ref_age_years: float
    source: str
    evidence: str


def _files():
    return resources.files("edxlab.reference") / "qemg"


@cache
def references() -> dict[str, MuscleReference]:
    out = {}
    with (_files() / "muap_reference.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            try:
                ref = MuscleReference(
                    muscle=row["muscle"],
                    aliases=tuple(a.strip().lower() for a in row["aliases"].split(";") if a.strip()),
                    mean_amplitude_uv=float(row["mean_amplitude_uv"]),
                    sd_amplitude_uv=float(row["sd_amplitude_uv"]),
                    mean_duration_ms=float(row["mean_duration_ms"]),
                    sd_duration_ms=float(row["sd_duration_ms"]),
                    polyphasic_uln_pct=float(row["polyphasic_uln_pct"]),
                    ref_age_years=float(row["ref_age_years"]),
                    source=row["source"],
                    evidence=row["evidence"],
                )
            except (KeyError, ValueError) as exc:
                raise ConfigError(f"muap_reference.csv: row for '{row.get('muscle')}' is invalid ({exc}).") from exc
            out[ref.muscle] = ref
    return out


@cache
def criteria() -> dict:
    with (_files() / "criteria.toml").open("rb") as fh:
        return tomllib.load(fh)


def muscle_reference(muscle: str | None) -> MuscleReference:
    """The reference row for a muscle code or common name; the generic row when none matches."""
    refs = references()
    if muscle:
        key = muscle.strip().lower()
        code = key.replace(" ", "_").replace("-", "_")
        if code in refs:
            return refs[code]
        for ref in refs.values():
            if key in ref.aliases or code in ref.aliases:
                return ref
    return refs["generic"]


def age_adjusted(ref: MuscleReference, age: float | None) -> dict[str, float]:
    c = criteria()["age"]
    d_age = 0.0 if age is None else float(age) - ref.ref_age_years
    fa = 1.0 + c["amplitude_pct_per_year"] / 100.0 * d_age
    fd = 1.0 + c["duration_pct_per_year"] / 100.0 * d_age
    return dict(
        mean_amplitude_uv=ref.mean_amplitude_uv * fa,
        sd_amplitude_uv=ref.sd_amplitude_uv * fa,
        mean_duration_ms=ref.mean_duration_ms * fd,
        sd_duration_ms=ref.sd_duration_ms * fd,
    )


def classify_muaps(
    amplitudes_uv, durations_ms, phases, firing_rates_hz, muscle: str | None = None, age: float | None = None,
    firing_cv=None,
) -> dict:
    """Classification of one muscle from its units' measures.

    Returns {classification, reasons (list of text), rules (list of ids), measures (dict),
    reference (muscle, source, age-adjusted limits)}.
    """
    crit = criteria()
    acc = crit["acceptance"]
    ref = muscle_reference(muscle)
    lim = age_adjusted(ref, age)
    amp = np.asarray(amplitudes_uv, float)
    dur = np.asarray(durations_ms, float)
    ph = np.asarray(phases, float)
    fr = np.asarray(firing_rates_hz, float)
    keep = amp >= acc["min_amplitude_uv"]
    amp, dur, ph = amp[keep], dur[keep], ph[keep]
    n_units = int(len(np.asarray(amplitudes_uv)))
    # recruitment counts only regularly firing trains (a true motor unit fires regularly; an
    # irregular "train" may be two units merged, whose apparent rate is too high)
    rr_rule = {r["id"]: r for r in crit["rule"]}["neurogenic_reduced_recruitment"]
    if firing_cv is not None:
        cvs = np.asarray(firing_cv, float)
        fr = np.where(np.isfinite(cvs) & (cvs <= rr_rule["max_cv"]), fr, np.nan)
    rates = fr[np.isfinite(fr)]
    measures = dict(
        n_units=n_units,
        n_measured=int(len(amp)),
        mean_amplitude_uv=float(amp.mean()) if len(amp) else None,
        mean_duration_ms=float(dur.mean()) if len(dur) else None,
        mean_phases=float(ph.mean()) if len(ph) else None,
        polyphasic_pct=float(100.0 * (ph >= 5).mean()) if len(ph) else None,
        max_firing_rate_hz=float(rates.max()) if len(rates) else None,
        recruitment_ratio=float(rates.max() / n_units) if len(rates) and n_units else None,
    )
    reference = dict(muscle=ref.muscle, source=ref.source, evidence=ref.evidence,
                     age_years=age, **{k: round(v, 2) for k, v in lim.items()})
    rr = measures["recruitment_ratio"]
    reduced = (rr is not None and rr >= rr_rule["value"] and measures["max_firing_rate_hz"] >= rr_rule["min_rate_hz"])
    reduced_text = (f"recruitment ratio {rr:.1f} >= {rr_rule['value']} with a unit firing at "
                    f"{measures['max_firing_rate_hz']:.0f} Hz (reduced recruitment)") if reduced else ""
    if len(amp) < acc["min_units"] and reduced:
        # few units firing fast: reduced recruitment is itself the finding
        return dict(classification="neurogenic", reasons=[f"{reduced_text} [neurogenic_reduced_recruitment]"],
                    rules=["neurogenic_reduced_recruitment"], measures=measures, reference=reference)
    if len(amp) < acc["min_units"]:
        return dict(
            classification="insufficient",
            reasons=[f"only {len(amp)} MUAP(s) of at least {acc['min_amplitude_uv']} uV measured; "
                     f"at least {acc['min_units']} are needed to classify the muscle"],
            rules=[], measures=measures, reference=reference,
        )
    uln_a = lim["mean_amplitude_uv"] + 2 * lim["sd_amplitude_uv"]
    lln_a = lim["mean_amplitude_uv"] - 2 * lim["sd_amplitude_uv"]
    uln_d = lim["mean_duration_ms"] + 2 * lim["sd_duration_ms"]
    lln_d = lim["mean_duration_ms"] - 2 * lim["sd_duration_ms"]
    rules = {r["id"]: r for r in crit["rule"]}
    fired: dict[str, str] = {}
    ma, md = measures["mean_amplitude_uv"], measures["mean_duration_ms"]
    name = ref.muscle.replace("_", " ")
    if ma > uln_a:
        fired["neurogenic_mean_amplitude"] = f"mean MUAP amplitude {ma:.0f} uV > upper limit {uln_a:.0f} uV ({name})"
    if md > uln_d:
        fired["neurogenic_mean_duration"] = f"mean MUAP duration {md:.1f} ms > upper limit {uln_d:.1f} ms ({name})"
    r = rules["neurogenic_large_muaps"]
    n_big = int((amp > uln_a).sum())
    measures["n_large_muaps"] = n_big
    # Stalberg's "2 of 20": proportionally fewer (at least 1) in a smaller sample
    need = max(1, min(r["count"], int(np.ceil(r["count"] * len(amp) / r["per_n_muaps"]))))
    if n_big >= need and n_big >= r["min_fraction"] * len(amp):
        fired["neurogenic_large_muaps"] = (
            f"{n_big} of {len(amp)} MUAPs larger than {uln_a:.0f} uV (upper limit of the {name} mean amplitude)")
    if reduced:
        fired["neurogenic_reduced_recruitment"] = reduced_text
    if ma < lln_a and md < lln_d:
        fired["myopathic_small_short"] = (
            f"mean MUAP amplitude {ma:.0f} uV < {lln_a:.0f} uV and duration {md:.1f} ms < {lln_d:.1f} ms ({name})")
    pp = measures["polyphasic_pct"]
    r = rules["myopathic_polyphasic"]
    if pp > ref.polyphasic_uln_pct and not any(k in fired for k in r["requires_no"]):
        fired["myopathic_polyphasic"] = f"{pp:.0f}% polyphasic MUAPs > upper limit {ref.polyphasic_uln_pct:.0f}% without large MUAPs"
    neuro = [k for k in fired if rules[k]["classification"] == "neurogenic"]
    myo = [k for k in fired if rules[k]["classification"] == "myopathic"]
    if neuro and not myo:
        cls = "neurogenic"
    elif myo and not neuro:
        cls = "myopathic"
    elif neuro and myo:
        cls = "mixed"
    else:
        cls = "normal"
    reasons = [f"{fired[k]} [{k}]" for k in fired]
    if cls == "normal":
        def rel(v, lo, hi, fmt):
            where = "below" if v < lo else "above" if v > hi else "within"
            return f"{fmt.format(v)} {where} {fmt.format(max(lo, 0))}-{fmt.format(hi)}"

        reasons = [
            f"no rule met: mean MUAP amplitude {rel(ma, lln_a, uln_a, '{:.0f}')} uV, mean duration "
            f"{rel(md, lln_d, uln_d, '{:.1f}')} ms, {pp:.0f}% polyphasic (limit {ref.polyphasic_uln_pct:.0f}%), "
            f"{n_big} MUAP(s) above {uln_a:.0f} uV ({name}, age {age if age is not None else 'unknown'})"
        ]
    return dict(classification=cls, reasons=reasons, rules=list(fired), measures=measures, reference=reference)
