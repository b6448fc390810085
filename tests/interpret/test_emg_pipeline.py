"""Needle EMG through the whole interpretation: NCS lesions from real conductions explain (or
not) the denervation; study_findings, muscle_findings and patient_findings as the spec defines."""

from __future__ import annotations

import datetime as dt

import polars as pl
from ncs_cases import NORMAL_F, dataset, mot, normal_rows, nr, sen

from edxlab.interpret.config import InterpretConfig
from edxlab.interpret.pipeline import interpret_dataset
from edxlab.io.findings_csv import write_findings_csv
from edxlab.model.dataset import Dataset


def replace(rows, nerve, modality, side, new):
    keep = [r for r in rows if not (r["nerve"] == nerve and r["modality"] == modality
                                    and r["side"] == side)]
    return keep + list(new)


def with_emg(ds, emg, **extra):
    frames = {name: ds[name] for name in ("patients", "studies", "ncs", "fwaves", "blink")}
    frames["emg"] = pl.DataFrame(emg, infer_schema_length=None)
    frames.update({k: pl.DataFrame(v, infer_schema_length=None) for k, v in extra.items()})
    return Dataset.from_frames(**frames)


def emg_row(muscle, fibs="0", side="R", level=None, **kw):
    return dict(study_id="s1", muscle=muscle, side=side, level=level, fibs=fibs, psw=fibs,
                muap_duration=kw.get("dur", "normal"), muap_amplitude=kw.get("amp", "normal"),
                recruitment=kw.get("rec", "normal"))


def test_severe_carpal_tunnel_explains_apb_denervation_end_to_end(tmp_path):
    rows = replace(normal_rows(), "median", "sensory", "R", [nr(sen("median", "R", 4.0, 28.0, 130.0))])
    rows = replace(rows, "median", "motor", "R", [mot("median", "R", "wrist", 6.8, 2.1, 70.0),
                                                  mot("median", "R", "elbow", 10.9, 2.0, 220.0)])
    ds = with_emg(dataset(rows, NORMAL_F), [
        emg_row("APB", "2+", dur="increased", amp="increased", rec="reduced"),
        emg_row("FDI"), emg_row("pronator_teres")])
    f = interpret_dataset(ds, InterpretConfig())
    s = f.study_findings.row(0, named=True)
    assert s["mononeuropathies"] == ["median:R:wrist"]
    assert (s["denervation"], s["denervation_explained_by_ncs"], s["lmn_involvement"]) == (True, True, False)
    assert s["mri_concordant"] is None
    assert s["summary"].endswith(
        "Needle EMG shows active and chronic denervation in the APB, explained by the right median "
        "neuropathy at the wrist.")
    m = f.muscle_findings.filter(pl.col("muscle") == "abductor_pollicis_brevis").row(0, named=True)
    assert m["explained_by"] == "median:R:wrist"
    paths = {p.name for p in write_findings_csv(f, tmp_path)}
    assert {"study_findings.csv", "muscle_findings.csv", "patient_findings.csv"} <= paths
    csv = pl.read_csv(tmp_path / "study_findings.csv", infer_schema=False).row(0, named=True)
    assert (csv["denervation_explained_by_ncs"], csv["lmn_involvement"], csv["mri_concordant"]) == (
        "true", "false", None)
    assert not csv["denervation_segments"]  # empty list = empty cell


def test_motor_only_low_cmaps_with_conus_lesion_is_lmn_not_neuropathy():
    low_leg = [mot("peroneal", "R", "ankle", 4.5, 0.8, 90.0),
               mot("peroneal", "R", "below_fibular_head", 11.1, 0.7, 310.0),
               mot("peroneal", "R", "above_fibular_head", 13.1, 0.7, 100.0)]
    low_tib = [mot("tibial", "R", "ankle", 4.2, 1.5, 90.0),
               mot("tibial", "R", "popliteal_fossa", 12.4, 1.3, 400.0)]
    rows = replace(replace(normal_rows(), "peroneal", "motor", "R", low_leg), "tibial", "motor", "R", low_tib)
    ds = with_emg(
        dataset(rows, NORMAL_F),
        [emg_row("TA", "2+"), emg_row("extensor_digitorum_brevis", "2+"),
         emg_row("medial_gastrocnemius", "2+"), emg_row("AH", "1+"), emg_row("gluteus_maximus", "1+"),
         emg_row("vastus_lateralis")],
        mri=[{"patient_id": "p1", "region": "spinal_cord", "level_from": "T12", "level_to": "L1"}],
        attacks=[{"patient_id": "p1", "onset_date": dt.date(2024, 1, 2), "core_feature": "acute_myelitis"}],
        signs=[{"patient_id": "p1", "exam_date": dt.date(2024, 2, 1), "sign": "reflex",
                "site": "achilles_reflex", "side": "R", "grade": 0}],
    )
    f = interpret_dataset(ds)
    s = f.study_findings.row(0, named=True)
    assert s["motor_only_pattern"] is True
    assert s["polyneuropathy"] == "none" and s["mononeuropathies"] == []
    assert s["denervation_segments"] == ["L5", "S1"]
    assert (s["denervation_explained_by_ncs"], s["lmn_involvement"], s["mri_concordant"]) == (False, True, True)
    assert s["summary"].endswith(
        "Needle EMG shows active denervation in L5-S1 myotomes (TA, gluteus maximus, EDB, medial "
        "gastrocnemius, AH) with low motor and normal sensory responses, consistent with segmental "
        "anterior horn cell involvement, concordant with the T12-L1 cord lesion.")
    p = f.patient_findings.row(0, named=True)
    assert (p["lmn_suspected"], p["edx_recommended"]) == (True, False)
    assert p["lmn_signs"] == "reflex achilles reflex grade 0 (S1;S2) right"


def test_emg_criteria_overrides_reach_the_pipeline():
    ds = with_emg(dataset(normal_rows(), NORMAL_F), [emg_row("deltoid", "+/-")])
    assert interpret_dataset(ds).study_findings["active_denervation"].item() is False
    cfg = InterpretConfig(emg_criteria={"active": {"equivocal_counts": True}})
    assert interpret_dataset(ds, cfg).study_findings["active_denervation"].item() is True


def test_report_abbreviations_read_from_csv(tmp_path):
    from edxlab.io import read_dataset

    (tmp_path / "patients.csv").write_text("patient_id,sex\nP1,F\n")
    (tmp_path / "studies.csv").write_text("study_id,patient_id,study_date,age_years\nS1,P1,2022-03-01,40\n")
    (tmp_path / "emg.csv").write_text(
        "study_id,muscle,side,level,fibs,psw,muap_duration,muap_amplitude,recruitment\n"
        "S1,FDI,Rt,,2+,2+,normal,normal,reduced\n"
        "S1,TA,left,,1+,1+,increased,increased,reduced\n"
        "S1,APB,R,,0,0,normal,normal,normal\n"
        "S1,Biceps,R,,0,0,normal,normal,normal\n")
    ds = read_dataset(tmp_path)
    f = interpret_dataset(ds)
    m = {(r["muscle"], r["side"]): r for r in f.muscle_findings.iter_rows(named=True)}
    assert set(m) == {("first_dorsal_interosseous", "R"), ("tibialis_anterior", "L"),
                      ("abductor_pollicis_brevis", "R"), ("biceps_brachii", "R")}
    assert m[("first_dorsal_interosseous", "R")]["finding"] == "active_denervation"
    assert m[("tibialis_anterior", "L")]["finding"] == "active_and_chronic_denervation"
    s = f.study_findings.row(0, named=True)
    assert s["denervation_regions"] == ["cervical", "lumbosacral"]
    assert s["summary"].endswith(
        "Needle EMG shows active and chronic denervation in C8, L4-L5 myotomes (right FDI, left TA).")


def test_summary_opens_abnormal_when_only_the_needle_emg_is_abnormal():
    """Normal conductions with cervical denervation: the study as a whole is abnormal."""
    from pathlib import Path

    from edxlab.interpret.pipeline import interpret_dataset
    from edxlab.io import read_dataset

    example = Path(__file__).resolve().parents[2] / "examples" / "nmosd_demo"
    sf = interpret_dataset(read_dataset(example)).study_findings
    s01 = sf.filter(pl.col("study_id") == "S01").row(0, named=True)
    assert s01["ncs_abnormal"] is False
    assert s01["summary"].startswith(
        "Abnormal study. There is no electrodiagnostic evidence of a peripheral or cranial "
        "neuropathy. Needle EMG shows active and chronic denervation in C5-C7 myotomes")
    s05 = sf.filter(pl.col("study_id") == "S05").row(0, named=True)  # conus, motor-only pattern
    assert s05["summary"].startswith("Abnormal study. There is no electrodiagnostic evidence")
    s04 = sf.filter(pl.col("study_id") == "S04").row(0, named=True)  # normal study
    assert s04["summary"].startswith("Normal study.")


def test_lower_trunk_plexopathy_explains_the_hand_muscles_and_spares_the_cord_question():
    rows = replace(normal_rows(), "ulnar", "sensory", "R", [sen("ulnar", "R", 2.7, 4.0, 110.0)])
    rows = replace(rows, "ulnar", "motor", "R", [mot("ulnar", "R", "wrist", 2.9, 3.0, 70.0),
                                                 mot("ulnar", "R", "below_elbow", 6.4, 2.9, 200.0),
                                                 mot("ulnar", "R", "above_elbow", 8.2, 2.8, 100.0)])
    rows = replace(rows, "median", "motor", "R", [mot("median", "R", "wrist", 3.7, 3.5, 70.0),
                                                  mot("median", "R", "elbow", 7.8, 3.4, 220.0)])
    rows += [nr(sen("medial_antebrachial_cutaneous", "R", 2.0, 10.0, 120.0, stim="elbow",
                    record="forearm")),
             mot("radial", "R", "forearm", 2.4, 1.0, 60.0)]
    neuro = dict(dur="increased", amp="increased", rec="reduced")
    ds = with_emg(dataset(rows, NORMAL_F), [
        emg_row(m, "2+", **neuro) for m in ("first_dorsal_interosseous", "abductor_pollicis_brevis",
                                             "abductor_digiti_minimi", "extensor_indicis",
                                             "flexor_pollicis_longus")
    ] + [emg_row("triceps_brachii"), emg_row("biceps_brachii"),
         emg_row("cervical_paraspinal", level="C8")])
    f = interpret_dataset(ds)
    s = f.study_findings.row(0, named=True)
    assert s["mononeuropathies"] == []
    assert (s["denervation_explained_by_ncs"], s["lmn_involvement"]) == (True, False)
    assert s["denervation_pattern"] == "plexus" and s["denervation_segments"] == []
    assert s["summary"] == (
        "Abnormal study. There is electrodiagnostic evidence of a right brachial plexopathy "
        "(lower trunk), moderate in severity. Needle EMG shows active and chronic denervation in "
        "the FPL, ADM, FDI, EIP, APB, explained by the right brachial plexopathy (lower trunk).")
    fdi = f.muscle_findings.filter(pl.col("muscle") == "first_dorsal_interosseous").row(0, named=True)
    assert fdi["explained_by"] == "brachial_plexus:R:lower_trunk"
