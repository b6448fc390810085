"""Vertebral MRI levels -> cord segments and brainstem nuclei."""

from __future__ import annotations

import polars as pl

from edxlab.interpret.mri import brainstem_spans, cord_spans
from edxlab.reference import innervation
from edxlab.reference.emg_criteria import load_emg_criteria


def spans(level_from, level_to, margin=1):
    mri = pl.DataFrame({"patient_id": ["p"], "region": ["spinal_cord"],
                        "level_from": [level_from], "level_to": [level_to]})
    row = cord_spans(mri, load_emg_criteria({"mri": {"margin": margin}})).row(0, named=True)
    seg = innervation.SEGMENTS
    return row["lesion"], row["cord_segments"], seg[row["seg_lo"]], seg[row["seg_hi"]]


def test_cervical_letm_c3_c7_maps_to_c4_c8_with_band_c3_t1():
    assert spans("C3", "C7") == ("C3-C7", "C4-C8", "C3", "T1")
    assert spans("C3", "C7", margin=0) == ("C3-C7", "C4-C8", "C4", "C8")


def test_upper_cervical_thoracic_rule_of_two_and_lumbar_enlargement():
    assert spans("C1", "C2", margin=0)[1] == "C1-C2"
    assert spans("T1", "T2", margin=0)[1] == "T1-T2"
    assert spans("T6", "T8", margin=0)[1] == "T8-T10"
    assert spans("T10", "T12", margin=0)[1] == "T12-S1"
    assert spans("T12", "L1", margin=0)[1] == "L4-S5"
    # reversed order and a single level
    assert spans("C6", "C4", margin=0)[:2] == ("C4-C6", "C5-C7")
    assert spans("T5", None, margin=0)[:2] == ("T5", "T7")


def test_brainstem_levels_cover_their_motor_nuclei():
    mri = pl.DataFrame({"patient_id": ["p", "q"], "region": ["brainstem", "brainstem"],
                        "level_from": ["pons", "medulla"], "level_to": ["medulla", None]})
    got = brainstem_spans(mri).group_by("patient_id").agg(pl.col("nucleus").sort()).sort("patient_id")
    assert got.to_dict(as_series=False) == {
        "patient_id": ["p", "q"],
        "nucleus": [["IX", "V", "VI", "VII", "X", "XII"], ["IX", "X", "XII"]],
    }
