"""Textbook nerve conduction vignettes with their exact findings and summaries."""

from __future__ import annotations

from ncs_cases import NORMAL_F, mot, normal_rows, nr, run, sen


def replace(rows, nerve, modality, side, new):
    keep = [r for r in rows if not (r["nerve"] == nerve and r["modality"] == modality
                                    and r["side"] == side)]
    return keep + list(new)


def test_normal_study():
    f, s, n = run(normal_rows(), NORMAL_F)
    assert s["ncs_abnormal"] is False
    assert s["polyneuropathy"] == "none"
    assert s["mononeuropathies"] == [] and s["cranial_neuropathies"] == []
    assert s["motor_only_pattern"] is False
    assert s["ncs_summary"] == ("Normal study. There is no electrodiagnostic evidence of a "
                                "peripheral or cranial neuropathy.")
    assert {r["pattern"] for r in n.values()} == {"normal"}
    med = n[("median", "motor", "R")]
    assert (med["distal_latency_ms"], med["distal_latency_limit"]) == (3.6, 4.4)
    assert med["distal_latency_pct_of_limit"] == 82
    assert med["distal_latency_source"].startswith("Preston & Shapiro")
    assert med["cv_ms"] == 55.0 and med["cv_limit"] == 49
    assert med["fwave_ms"] == 27.0 and med["fwave_limit"] == 31
    assert f.lesions.height == 0


def test_carpal_tunnel_mild():
    rows = replace(normal_rows(), "median", "sensory", "R", [sen("median", "R", 4.0, 28.0, 130.0)])
    f, s, n = run(rows, NORMAL_F)
    assert s["ncs_abnormal"] is True
    assert s["mononeuropathies"] == ["median:R:wrist"]
    assert s["polyneuropathy"] == "none"
    assert n[("median", "sensory", "R")]["pattern"] == "focal"
    les = f.lesions.row(0, named=True)
    assert (les["kind"], les["nerve"], les["side"], les["site"], les["severity"]) == (
        "mononeuropathy", "median", "R", "wrist", "mild")
    assert "AAEM2002.cts" in les["rule_ids"]
    assert "median sensory peak latency 4 ms (ULN 3.5 ms, 114% of limit)" in les["evidence"]
    assert s["ncs_summary"] == ("Abnormal study. There is electrodiagnostic evidence of a right "
                                "median neuropathy at the wrist, mild in severity.")


def test_carpal_tunnel_severe():
    rows = replace(normal_rows(), "median", "sensory", "R", [nr(sen("median", "R", 4.0, 28.0, 130.0))])
    rows = replace(rows, "median", "motor", "R", [mot("median", "R", "wrist", 6.8, 2.1, 70.0),
                                                  mot("median", "R", "elbow", 10.9, 2.0, 220.0)])
    f, s, n = run(rows, NORMAL_F)
    assert s["mononeuropathies"] == ["median:R:wrist"]
    assert f.lesions["severity"].to_list() == ["severe"]
    assert n[("median", "motor", "R")]["pattern"] == "focal"
    assert n[("median", "sensory", "R")]["pattern"] == "absent"
    assert s["polyneuropathy"] == "none"
    assert s["ncs_summary"].startswith("Abnormal study. There is electrodiagnostic evidence of a "
                                       "right median neuropathy at the wrist, severe in severity.")
