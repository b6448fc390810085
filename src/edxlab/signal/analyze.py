"""Analyse one needle EMG recording end to end, write the results, feed the interpret pipeline.

- :func:`analyze_recording` / :func:`analyze_file` -> :class:`SignalAnalysis` (units, discharges,
  spontaneous activity, classification with reasons, clipped samples);
- :func:`write_outputs` writes ``units.csv``, ``discharges.csv``, ``spontaneous.csv``,
  ``summary.json`` and ``figure.png`` into a folder;
- :func:`analyze_signals` analyses every recording listed in a dataset's ``signals`` table and
  returns one row of measured results per muscle (provenance ``measured``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from edxlab.errors import SignalError
from edxlab.log import logger
from edxlab.signal.classify import classify_muaps
from edxlab.signal.decompose import Decomposition, decompose
from edxlab.signal.filters import detection_filter, measurement_filter
from edxlab.signal.muap import measure_muap, unit_template
from edxlab.signal.readers import Recording, read_recording
from edxlab.signal.spontaneous import SCORED, analyze_rest

ACTIVATIONS = ("rest", "minimal", "moderate", "maximal")
#: inter-discharge intervals longer than this are pauses, not part of the firing rate
MAX_ISI_S = 0.5


@dataclass
class SignalAnalysis:
    recording: Recording
    activation: str
    muscle: str | None
    age: float | None
    units: pl.DataFrame
    discharges: pl.DataFrame
    spontaneous: pl.DataFrame
    summary: dict
    templates: list[np.ndarray] = field(default_factory=list)
    decomposition: Decomposition | None = None


def firing_cv(times_s: np.ndarray) -> float:
    """Coefficient of variation of the inter-discharge intervals (pauses > 0.5 s excluded)."""
    isi = np.diff(np.sort(times_s))
    isi = isi[(isi > 0) & (isi <= MAX_ISI_S)]
    return float(isi.std() / isi.mean()) if len(isi) >= 2 else float("nan")


def firing_rate(times_s: np.ndarray) -> float:
    """Firing rate (Hz): 1 / median inter-discharge interval, pauses > 0.5 s excluded."""
    isi = np.diff(np.sort(times_s))
    isi = isi[(isi > 0) & (isi <= MAX_ISI_S)]
    return float(1.0 / np.median(isi)) if len(isi) else float("nan")


def _units_frame(rec: Recording, xm: np.ndarray, dec: Decomposition):
    rows, templates = [], []
    for k, u in enumerate(dec.units, start=1):
        t, c = unit_template(xm, rec.fs, u.times_s)
        m = measure_muap(t, rec.fs, c)
        templates.append(t)
        rows.append(dict(
            unit=k, n_discharges=len(u.times_s), firing_rate_hz=firing_rate(u.times_s), firing_cv=firing_cv(u.times_s),
            amplitude_uv=m.amplitude_uv, duration_ms=m.duration_ms, phases=m.phases, turns=m.turns,
            spike_duration_ms=m.spike_duration_ms, area_uv_ms=m.area_uv_ms,
        ))
    schema = dict(unit=pl.Int64, n_discharges=pl.Int64, firing_rate_hz=pl.Float64, firing_cv=pl.Float64,
                  amplitude_uv=pl.Float64,
                  duration_ms=pl.Float64, phases=pl.Int64, turns=pl.Int64, spike_duration_ms=pl.Float64,
                  area_uv_ms=pl.Float64)
    return pl.DataFrame(rows, schema=schema), templates


def analyze_recording(rec: Recording, muscle: str | None = None, age: float | None = None,
                      activation: str | None = None) -> SignalAnalysis:
    act = (activation or "minimal").strip().lower()
    if act not in ACTIVATIONS:
        raise SignalError(f"{rec.source}: activation '{activation}' is not one of {', '.join(ACTIVATIONS)}.")
    if len(rec.data) < int(0.5 * rec.fs):
        raise SignalError(f"{rec.source}: the recording lasts {rec.duration_s:.2f} s; at least 0.5 s is needed.")
    muscle = muscle or rec.meta.get("muscle")
    age = age if age is not None else rec.meta.get("age_years")
    xm = measurement_filter(rec.data, rec.fs)
    summary: dict = dict(
        file=Path(rec.source).name, sampling_rate_hz=rec.fs, duration_s=round(rec.duration_s, 3),
        activation=act, muscle=muscle, age_years=age, clipped_samples=rec.clipped_samples,
    )
    if act == "rest":
        sp = analyze_rest(rec.data, rec.fs, xm)
        dec = None
        units = pl.DataFrame(schema=dict(unit=pl.Int64, n_discharges=pl.Int64, firing_rate_hz=pl.Float64,
                                         firing_cv=pl.Float64, amplitude_uv=pl.Float64, duration_ms=pl.Float64, phases=pl.Int64,
                                         turns=pl.Int64, spike_duration_ms=pl.Float64, area_uv_ms=pl.Float64))
        templates: list[np.ndarray] = []
        discharges = pl.DataFrame(schema=dict(time_s=pl.Float64, unit=pl.Int64))
        spont = pl.DataFrame(dict(time_s=sp.times_s.astype(float), kind=[str(k) for k in sp.kinds]),
                             schema=dict(time_s=pl.Float64, kind=pl.String))
        scored = {k: sp.counts[k] for k in ("fibrillation", "positive_sharp_wave", "fasciculation", "crd")}
        reasons = []
        if sp.grade != "0":
            reasons.append(f"fibrillation potentials/positive sharp waves grade {sp.grade} "
                           f"({sp.generators} generator(s)): active denervation")
        if sp.counts["fasciculation"]:
            reasons.append(f"{sp.counts['fasciculation']} fasciculation potential(s)")
        if sp.counts["crd"]:
            reasons.append(f"{sp.counts['crd']} discharge(s) in complex repetitive discharges")
        cls = "abnormal_spontaneous_activity" if reasons else "normal"
        if not reasons:
            reasons = ["no fibrillation potentials, positive sharp waves, fasciculations or CRDs at rest"]
        summary.update(
            classification=cls, reasons=reasons,
            spontaneous=dict(assessed=True, counts=scored, rejected_end_plate_spikes=sp.counts["end_plate_spike"],
                             rates_per_s={k: round(sp.rates_per_s[k], 3) for k in scored},
                             generators=sp.generators, grade=sp.grade),
        )
    else:
        y = detection_filter(rec.data, rec.fs)
        dec = decompose(rec.data, rec.fs, y)
        units, templates = _units_frame(rec, xm, dec)
        discharges = pl.DataFrame(
            dict(time_s=np.concatenate([u.times_s for u in dec.units]) if dec.units else np.zeros(0),
                 unit=np.concatenate([np.full(len(u.times_s), k) for k, u in enumerate(dec.units, 1)])
                 if dec.units else np.zeros(0, np.int64)),
            schema=dict(time_s=pl.Float64, unit=pl.Int64)).sort("time_s")
        spont = pl.DataFrame(schema=dict(time_s=pl.Float64, kind=pl.String))
        res = classify_muaps(units["amplitude_uv"].to_numpy(), units["duration_ms"].to_numpy(),
                             units["phases"].to_numpy(), units["firing_rate_hz"].to_numpy(), muscle, age,
                             firing_cv=units["firing_cv"].to_numpy())
        summary.update(
            classification=res["classification"], reasons=res["reasons"], rules=res["rules"],
            measures=res["measures"], reference=res["reference"],
            spontaneous=dict(assessed=False, counts=None, grade=None,
                             note="spontaneous activity is assessed on rest recordings only"),
            threshold_uv=round(dec.threshold_uv, 2), noise_rms_uv=round(dec.noise_rms_uv, 2),
        )
    if rec.clipped_samples:
        summary.setdefault("warnings", []).append(
            f"{rec.clipped_samples} clipped sample(s): amplitudes of saturated discharges are underestimated")
    return SignalAnalysis(rec, act, muscle, age, units, discharges, spont, summary, templates, dec)


def analyze_file(path, muscle: str | None = None, age: float | None = None, activation: str | None = None,
                 format: str | None = None, channel=None) -> SignalAnalysis:
    rec = read_recording(path, format=format, channel=channel)
    return analyze_recording(rec, muscle, age, activation)


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return None if not np.isfinite(o) else float(o)
    raise TypeError(type(o).__name__)


def write_outputs(a: SignalAnalysis, out_dir) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "units.csv", out / "discharges.csv", out / "spontaneous.csv", out / "summary.json",
             out / "figure.png"]
    a.units.select("unit", "n_discharges", "firing_rate_hz", "amplitude_uv", "duration_ms", "phases", "turns",
                   "spike_duration_ms", "area_uv_ms", "firing_cv").write_csv(paths[0], float_precision=4)
    a.discharges.write_csv(paths[1], float_precision=6)
    a.spontaneous.write_csv(paths[2], float_precision=6)
    paths[3].write_text(json.dumps(a.summary, indent=2, default=_json_default), encoding="utf-8")
    plot_analysis(a, paths[4])
    return paths


def plot_analysis(a: SignalAnalysis, path) -> None:
    """Templates, firing raster and a stretch of raw signal with the detected discharges marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rec = a.recording
    fig = plt.figure(figsize=(12, 8), layout="constrained")
    gs = fig.add_gridspec(3, 2)
    ax_t = fig.add_subplot(gs[0, 0])
    ax_r = fig.add_subplot(gs[0, 1])
    ax_s = fig.add_subplot(gs[1:, :])
    colors = plt.get_cmap("tab20")
    if a.templates:
        for k, t in enumerate(a.templates):
            tt = (np.arange(len(t)) - len(t) // 2) / rec.fs * 1e3
            ax_t.plot(tt, t - np.median(t) - k * 0, color=colors(k % 20), lw=1, label=f"unit {k + 1}")
        ax_t.set_xlabel("ms")
        ax_t.set_ylabel("uV")
        ax_t.set_title("MUAP templates (median)")
    else:
        ax_t.text(0.5, 0.5, "no motor unit trains", ha="center", va="center", transform=ax_t.transAxes)
        ax_t.set_axis_off()
    if a.discharges.height:
        for k in range(1, int(a.discharges["unit"].max()) + 1):
            ts = a.discharges.filter(pl.col("unit") == k)["time_s"].to_numpy()
            ax_r.vlines(ts, k - 0.4, k + 0.4, color=colors((k - 1) % 20), lw=0.8)
        ax_r.set_ylabel("unit")
    elif a.spontaneous.height:
        kinds = sorted(set(a.spontaneous["kind"].to_list()))
        for k, kind in enumerate(kinds):
            ts = a.spontaneous.filter(pl.col("kind") == kind)["time_s"].to_numpy()
            ax_r.vlines(ts, k - 0.4, k + 0.4, color=colors(k), lw=0.8)
        ax_r.set_yticks(range(len(kinds)), kinds)
    ax_r.set_xlabel("s")
    ax_r.set_title("firing raster")
    # the 1 s stretch with most marks
    marks = a.discharges if a.discharges.height else a.spontaneous
    t_all = marks["time_s"].to_numpy() if marks.height else np.zeros(0)
    span = min(1.0, rec.duration_s)
    t0 = 0.0
    if len(t_all):
        starts = np.clip(t_all - 0.05, 0, max(rec.duration_s - span, 0))
        counts = [((t_all >= s) & (t_all < s + span)).sum() for s in starts]
        t0 = float(starts[int(np.argmax(counts))])
    i0, i1 = int(t0 * rec.fs), int(min(t0 + span, rec.duration_s) * rec.fs)
    x = rec.data[i0:i1] - np.median(rec.data[i0:i1])
    tt = np.arange(i0, i1) / rec.fs
    ax_s.plot(tt, x, color="0.3", lw=0.5)
    top = float(np.max(np.abs(x))) if len(x) else 1.0
    if a.discharges.height:
        sel = a.discharges.filter((pl.col("time_s") >= t0) & (pl.col("time_s") < t0 + span))
        for t, k in sel.iter_rows():
            ax_s.plot(t, top * 1.05, "v", color=colors((k - 1) % 20), ms=5)
    elif a.spontaneous.height:
        sel = a.spontaneous.filter((pl.col("time_s") >= t0) & (pl.col("time_s") < t0 + span))
        for t, kind in sel.iter_rows():
            ax_s.plot(t, top * 1.05, "v", color="C3" if kind in SCORED else "C0", ms=5)
    ax_s.set_xlabel("s")
    ax_s.set_ylabel("uV")
    s = a.summary
    ax_s.set_title(f"{s['file']}: {s['classification']} ({a.activation}); marks: detected discharges")
    fig.savefig(path, dpi=80)
    plt.close(fig)


SIGNAL_COLUMNS = dict(
    study_id=pl.String, muscle=pl.String, side=pl.String, file=pl.String, activation=pl.String,
    measured_classification=pl.String, measured_spontaneous_grade=pl.String, measured_fibs=pl.Int64,
    measured_psw=pl.Int64, measured_n_units=pl.Int64, measured_muap_duration_ms=pl.Float64,
    measured_muap_amplitude_uv=pl.Float64, measured_muap_phases=pl.Float64, measured_reasons=pl.String,
    provenance=pl.String,
)


def analyze_signals(ds) -> pl.DataFrame:
    """Measured results for every recording in ``ds['signals']`` (files relative to ``ds.source``).

    One row per recording: study_id, muscle, side, file, activation, measured_classification,
    measured_spontaneous_grade, measured_fibs, measured_psw, measured_n_units, mean MUAP
    duration/amplitude/phases, measured_reasons (``; ``-joined), provenance = ``measured``.
    A recording that cannot be read or analysed gets classification ``unreadable`` and the reason.
    """
    sig = ds["signals"]
    rows = []
    if sig.height == 0:
        return pl.DataFrame(schema=SIGNAL_COLUMNS)
    base = Path(ds.source) if ds.source is not None else Path(".")
    if base.is_file():
        base = base.parent
    ages = {}
    st = ds["studies"]
    if st.height and "age_years" in st.columns:
        ages = {r["study_id"]: r["age_years"] for r in st.select("study_id", "age_years").iter_rows(named=True)}
    for r in sig.iter_rows(named=True):
        path = base / r["file"]
        row = dict(study_id=r["study_id"], muscle=r["muscle"], side=r["side"], file=r["file"],
                   activation=r.get("activation") or "minimal", provenance="measured")
        try:
            a = analyze_file(path, muscle=r["muscle"], age=ages.get(r["study_id"]),
                             activation=r.get("activation"), format=r.get("format"), channel=r.get("channel"))
        except SignalError as exc:
            logger.warning("signal analysis failed for one recording: %s", exc.message)
            row.update(measured_classification="unreadable", measured_reasons=exc.message)
            rows.append(row)
            continue
        s = a.summary
        sp = s["spontaneous"]
        meas = s.get("measures") or {}
        row.update(
            measured_classification=s["classification"],
            measured_spontaneous_grade=sp.get("grade"),
            measured_fibs=(sp["counts"] or {}).get("fibrillation") if sp.get("counts") else None,
            measured_psw=(sp["counts"] or {}).get("positive_sharp_wave") if sp.get("counts") else None,
            measured_n_units=a.units.height if a.activation != "rest" else None,
            measured_muap_duration_ms=meas.get("mean_duration_ms"),
            measured_muap_amplitude_uv=meas.get("mean_amplitude_uv"),
            measured_muap_phases=meas.get("mean_phases"),
            measured_reasons="; ".join(s["reasons"]),
        )
        rows.append(row)
    return pl.DataFrame(rows, schema=SIGNAL_COLUMNS)


def measured_signals(ds) -> pl.DataFrame | None:
    """:func:`analyze_signals` for a dataset listing recordings, else None: the ``measured`` frame
    that callers (CLI, web, demo) pass to ``interpret_dataset`` (which does no I/O itself)."""
    return analyze_signals(ds) if ds["signals"].height else None
