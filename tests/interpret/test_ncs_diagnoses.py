"""Diagnoses that read values within their own limits, and studies interpreted together.

``interpret_ncs`` runs the diagnoses only on the studies with something to find
(``ncs_diagnoses.studies_with_findings``); these cases pin the rules that fire with every single
measure within its limit, and that a normal study beside abnormal ones reads as it does alone.
"""

from __future__ import annotations

import polars as pl
from ncs_cases import NORMAL_F, dataset, mot, normal_rows, run, sen

from edxlab.interpret.config import InterpretConfig
from edxlab.interpret.ncs import interpret_ncs

NORMAL_SUMMARY = ("Normal study. There is no electrodiagnostic evidence of a peripheral or cranial "
                  "neuropathy.")


def ring_finger_rows(study="s1"):
    """A normal study recording the median and ulnar SNAPs at the ring finger: median 3.2 ms
    (ULN 3.5) and ulnar 2.6 ms (ULN 3.1), each within its limit, 0.6 ms apart (limit 0.5 ms)."""
    rows = [dict(r, study_id=study) for r in normal_rows()
            if not (r["modality"] == "sensory" and r["nerve"] in ("median", "ulnar"))]
    return rows + [sen("median", "R", 3.2, 20.0, 140.0, record="digit4", study=study),
                   sen("ulnar", "R", 2.6, 25.0, 140.0, record="digit4", study=study)]


def test_carpal_tunnel_from_the_ring_finger_comparison_with_every_latency_within_limits():
    f, s, n = run(ring_finger_rows(), NORMAL_F)
    assert {r["abnormal"] for r in n.values()} == {False}
    assert s["mononeuropathies"] == ["median:R:wrist"]
    assert s["ncs_abnormal"] is True
    les = f.lesions.row(0, named=True)
    assert (les["kind"], les["nerve"], les["site"], les["severity"]) == (
        "mononeuropathy", "median", "wrist", "mild")
    assert "median-ulnar ring finger latency difference 0.6 ms (limit 0.5 ms)" in les["evidence"]


def test_blink_side_difference_with_every_latency_within_limits():
    # R1 12.5 ms on the left (ULN 13) and 10.5 ms on the right: 2 ms apart (limit 1.2 ms)
    blink = [dict(study_id="s1", stim_side="L", r1_ms=12.5, r2_ipsi_ms=31.0, r2_contra_ms=32.0),
             dict(study_id="s1", stim_side="R", r1_ms=10.5, r2_ipsi_ms=30.0, r2_contra_ms=31.0)]
    f, s, n = run(normal_rows(), NORMAL_F, blink)
    assert n[("blink", "reflex", "L")]["pattern"] == "normal"
    assert s["blink_pattern"] == "nonlocalizing"
    assert "Blink reflexes are abnormal without a localizing pattern." in s["ncs_summary"]


def test_facial_cmap_below_half_the_other_side_within_its_limit():
    facial = [mot("facial", "L", "stylomastoid", 3.5, 1.5, None),
              mot("facial", "R", "stylomastoid", 3.4, 4.0, None)]
    f, s, n = run(normal_rows() + facial, NORMAL_F)
    assert n[("facial", "motor", "L")]["amplitude_abnormal"] is False
    assert s["cranial_neuropathies"] == ["facial:L"]


def test_normal_studies_beside_abnormal_ones_read_as_they_do_alone():
    ids = ["a", "b", "c", "d"]
    rows = ([dict(r, study_id="a") for r in normal_rows()] + ring_finger_rows("b")
            + [dict(r, study_id="c") for r in normal_rows()]
            + [dict(r, study_id="d") for r in normal_rows()
               if not (r["nerve"] == "sural")] + [sen("sural", "R", 3.5, 2.0, 140.0, study="d")])
    fwaves = [dict(r, study_id=s) for s in ids for r in NORMAL_F]
    together = interpret_ncs(dataset(rows, fwaves, studies=ids), InterpretConfig())
    assert together.study_ncs["study_id"].to_list() == ids
    for sid in ids:
        alone = interpret_ncs(dataset([r for r in rows if r["study_id"] == sid],
                                      [r for r in fwaves if r["study_id"] == sid], studies=[sid]),
                              InterpretConfig())
        assert together.study_ncs.filter(pl.col("study_id") == sid).to_dicts() == \
            alone.study_ncs.to_dicts()
        assert together.lesions.filter(pl.col("study_id") == sid).to_dicts() == \
            alone.lesions.to_dicts()
    summaries = dict(zip(ids, together.study_ncs["ncs_summary"]))
    assert summaries["a"] == summaries["c"] == NORMAL_SUMMARY
    assert summaries["b"].startswith("Abnormal study. There is electrodiagnostic evidence of a "
                                     "right median neuropathy at the wrist")
    assert summaries["d"] != NORMAL_SUMMARY


def test_lesions_come_in_one_order_with_two_lesions_of_one_nerve_and_side():
    from ncs_random import random_dataset

    les = interpret_ncs(random_dataset(600, 2), InterpretConfig()).lesions
    keys = ["study_id", "kind", "nerve", "side", "site"]
    # the random studies hold nerves with two lesions (e.g. peroneal at the fibular head and not
    # localized): the site orders them
    assert les.select(pl.struct(keys[:4]).is_duplicated().any()).item()
    same = pl.all_horizontal(pl.col(c) == pl.col(c).shift(1) for c in keys[:4])
    assert les.filter(same & (pl.col("site") < pl.col("site").shift(1))).height == 0
