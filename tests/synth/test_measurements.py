"""Measurements: healthy values inside the engine's limits, lesions clearly outside them,
needle EMG grades consistent with the age of the lesion."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from edxlab.synth import generate
from edxlab.synth.latent import ah_phase
from edxlab.synth.profile import engine_limits


@pytest.fixture(scope="module")
def cohort():
    return generate("registry", 1500, seed=11)


def _normal_studies(cohort):
    t = cohort.truth.filter(~pl.col("ncs_abnormal").fill_null(True))
    return t["study_id"].implode()


def test_healthy_median_motor_values_sit_inside_the_profile_limits(cohort):
    st = cohort.tables["studies"].select("study_id", "age_years", "height_cm")
    ncs = (cohort.tables["ncs"]
           .filter(pl.col("study_id").is_in(_normal_studies(cohort)))
           .filter((pl.col("nerve") == "median") & (pl.col("modality") == "motor") & (pl.col("stim_site") == "wrist"))
           .join(st, on="study_id"))
    uln, kind = engine_limits("median", "motor", "latency_ms", "apb", ncs["age_years"].to_numpy(), ncs["height_cm"].to_numpy())
    lln, _ = engine_limits("median", "motor", "amplitude", "apb", ncs["age_years"].to_numpy(), ncs["height_cm"].to_numpy())
    assert kind == "uln" and ncs.height > 500
    assert (ncs["latency_ms"].to_numpy() < uln).all()
    assert (ncs["amplitude"].to_numpy() > lln).all()
    # most healthy values are comfortably normal; a documented minority is borderline (>= 96.5%)
    border = ncs["latency_ms"].to_numpy() >= 0.965 * uln
    assert 0.005 < border.mean() < 0.08


def test_healthy_sides_stay_comparable(cohort):
    ncs = cohort.tables["ncs"].filter(pl.col("study_id").is_in(_normal_studies(cohort)))
    distal = ncs.filter(pl.col("stim_site").is_in(["wrist", "ankle", "calf", "lateral_leg", "stylomastoid"]))
    wide = distal.pivot(on="side", index=["study_id", "nerve", "modality"], values="amplitude").drop_nulls()
    ratio = np.minimum(wide["L"], wide["R"]) / np.maximum(wide["L"], wide["R"])
    assert ratio.min() > 0.6  # the engine flags < 50%


def test_f_waves_grow_with_height_and_stay_under_the_height_adjusted_limit(cohort):
    fw = cohort.tables["fwaves"].filter(
        (pl.col("nerve") == "tibial") & pl.col("study_id").is_in(_normal_studies(cohort))).join(
        cohort.tables["studies"].select("study_id", "height_cm", "age_years"), on="study_id")
    uln, _ = engine_limits("tibial", "fwave", "min_latency_ms", "", fw["age_years"].to_numpy(), fw["height_cm"].to_numpy())
    assert (fw["min_latency_ms"].to_numpy() < uln).all()
    tall = fw.filter(pl.col("height_cm") >= 180)["min_latency_ms"].mean()
    short = fw.filter(pl.col("height_cm") <= 158)["min_latency_ms"].mean()
    assert tall > short + 2


def test_carpal_tunnel_prolongs_median_latencies_and_spares_the_ulnar(cohort):
    t = cohort.truth.filter(pl.col("mononeuropathies").list.contains("median:R:wrist")
                            & ~pl.col("mononeuropathies").list.contains("ulnar:R:elbow")
                            & (pl.col("polyneuropathy") == "none"))
    ncs = cohort.tables["ncs"].filter(pl.col("study_id").is_in(t["study_id"].implode()) & (pl.col("side") == "R"))
    mm = ncs.filter((pl.col("nerve") == "median") & (pl.col("modality") == "motor") & (pl.col("stim_site") == "wrist"))
    # moderate/severe: prolonged motor latency (profile ULN 4.7 ms at 8 cm); mild: sensory only
    prolonged = (mm["latency_ms"] > 4.7 * 1.1).mean()
    assert mm.height > 20 and 0.6 < prolonged < 0.95
    assert (mm.filter(pl.col("latency_ms") <= 4.7)["latency_ms"] < 4.7 * 0.995).all()
    ms = ncs.filter((pl.col("nerve") == "median") & (pl.col("modality") == "sensory"))
    assert (ms["latency_ms_nr"] | (ms["latency_ms"] > 3.5 * 1.15)).all()
    us = ncs.filter((pl.col("nerve") == "ulnar") & (pl.col("modality") == "sensory"))
    assert (us["latency_ms"] < 3.1).all() and (us["amplitude"] > 17).all()


def test_demyelinating_polyneuropathy_slows_every_motor_nerve_uniformly(cohort):
    t = cohort.truth.filter(pl.col("polyneuropathy") == "demyelinating")
    assert t.height >= 3
    ncs = cohort.tables["ncs"].filter(pl.col("study_id").is_in(t["study_id"].implode())
                                      & (pl.col("modality") == "motor") & pl.col("cv_ms").is_not_null())
    lln = {"median": 47, "ulnar": 49, "peroneal": 44, "tibial": 41}  # default profile
    pct = ncs.with_columns(pct=pl.col("cv_ms") / pl.col("nerve").replace_strict(lln, return_dtype=pl.Float64))
    assert pct["pct"].max() < 0.7  # every segment in the demyelinating range (EFNS/PNS 2010)
    fw = cohort.tables["fwaves"].filter(pl.col("study_id").is_in(t["study_id"].implode()))
    assert (fw["min_latency_ms"] > 1.3 * 31 * 150 / 170).all()


def test_polyneuropathy_is_length_dependent(cohort):
    t = cohort.truth.filter((pl.col("polyneuropathy") == "axonal")
                            & (pl.col("mononeuropathies").list.len() == 0))
    ncs = cohort.tables["ncs"].filter(pl.col("study_id").is_in(t["study_id"].implode()))
    young = cohort.tables["studies"].filter(pl.col("age_years") < 60)["study_id"].implode()
    sural = ncs.filter((pl.col("nerve") == "sural") & pl.col("study_id").is_in(young))
    assert sural.height > 20 and (sural["amplitude_nr"] | (sural["amplitude"] < 6)).all()
    arms = ncs.filter((pl.col("nerve") == "ulnar") & (pl.col("modality") == "sensory"))
    assert (arms["amplitude"] > 17).all()


def test_emg_phase_follows_time_since_attack():
    days = np.array([5, 13, 14, 60, 90, 91, 300, 365, 366, 2000])
    assert ah_phase(days, np.ones(10, bool)).tolist() == [1, 1, 2, 2, 2, 3, 3, 3, 4, 4]
    assert ah_phase(days, np.zeros(10, bool)).tolist() == [0] * 10


def test_fibrillations_only_after_two_weeks(cohort):
    """Studies under 2 weeks after the myelitis never show fibrillations; chronic-only studies
    (over a year) show large motor units without fibrillations of grade 1+."""
    st = cohort.tables["studies"].select("study_id", "patient_id", "study_date")
    onset = cohort.tables["attacks"].filter(pl.col("core_feature") == "acute_myelitis").select(
        "patient_id", pl.col("onset_date"))
    days = st.join(onset, on="patient_id").with_columns(days=(pl.col("study_date") - pl.col("onset_date")).dt.total_days())
    emg = cohort.tables["emg"].join(days.select("study_id", "days"), on="study_id")
    peripheral = ["abductor_pollicis_brevis", "first_dorsal_interosseous", "abductor_digiti_minimi",
                  "extensor_digitorum_brevis", "abductor_hallucis", "orbicularis_oculi", "frontalis",
                  "genioglossus"]  # (the tongue follows the medulla attack, not the myelitis)
    emg = emg.filter(~pl.col("muscle").is_in(peripheral))  # carpal tunnel, polyneuropathy, palsy
    early = emg.filter(pl.col("days").is_between(0, 13))
    assert early.height > 50 and early["fibs"].is_in(["0", "+/-"]).all()
    assert (early["muap_duration"].fill_null("normal") == "normal").all()
    late = emg.filter((pl.col("days") > 365) & (pl.col("muap_duration") == "increased"))
    assert late.height > 20 and late["fibs"].is_in(["0", "+/-"]).all()


def test_tongue_denervation_follows_the_medulla_lesion(cohort):
    """Hypoglossal nucleus damage (area postrema attack): genioglossus denervation that no NCS
    explains, bulbar region, concordant with the medulla lesion on MRI."""
    t = cohort.truth.filter(pl.col("denervation_regions").list.contains("bulbar")
                            & (pl.col("cranial_neuropathies").list.len() == 0))
    assert t.height > 10 and t["lmn_involvement"].all()
    medulla = cohort.tables["mri"].filter(pl.col("level_from") == "medulla")["patient_id"].implode()
    assert t.filter(pl.col("patient_id").is_in(medulla))["mri_concordant"].all()
    tongue = cohort.tables["emg"].filter((pl.col("muscle") == "genioglossus")
                                         & pl.col("study_id").is_in(t["study_id"].implode()))
    assert (tongue["fibs"].is_in(["1+", "2+", "3+", "4+"]) | (tongue["muap_duration"] == "increased")).any()
