"""Concrete outcomes on the real recordings (PhysioNet emgdb; EMGLAB N2001 with expert annotations)."""

import pytest

from edxlab.signal.readers import read_eaf
from edxlab.signal.score import score_units

from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
N2001_ALS = DATA / "emglab_n2001" / "N2001A01BB01"
N2001_CONTROL = DATA / "emglab_n2001" / "N2001C01BB51"
EMGDB_HEALTHY = DATA / "emgdb" / "emg_healthy"
EMGDB_MYOPATHY = DATA / "emgdb" / "emg_myopathy"


@pytest.mark.parametrize("name,expected", [
    ("healthy", "normal"), ("myopathy", "myopathic"), ("als", "neurogenic"), ("control", "normal"),
])
def test_classification_of_real_recordings(analyses, name, expected):
    assert analyses[name].summary["classification"] == expected


def test_als_biceps_has_large_muaps(analyses):
    s = analyses["als"].summary
    assert s["reference"]["muscle"] == "biceps_brachii"
    assert "neurogenic_large_muaps" in s["rules"]
    assert analyses["als"].units["amplitude_uv"].max() > 800


def test_myopathy_muaps_are_polyphasic(analyses):
    s = analyses["myopathy"].summary
    assert "myopathic_polyphasic" in s["rules"]
    assert s["measures"]["polyphasic_pct"] > 35


def test_decomposition_against_expert_annotations(analyses):
    """Pooled discharge F1 over both EMGLAB N2001 records (measured; target 0.90, see report)."""
    tot = dict(matched=0, n_expert=0, n_det=0)
    per = {}
    for name, base in (("als", N2001_ALS), ("control", N2001_CONTROL)):
        rows, pooled = score_units(read_eaf(str(base) + ".eaf"), analyses[name].decomposition.trains())
        per[name] = pooled
        tot["matched"] += pooled["matched"]
        tot["n_expert"] += pooled["n_expert"]
        tot["n_det"] += pooled["n_detected_matched_units"]
    f1 = 2 * tot["matched"] / (tot["n_expert"] + tot["n_det"])
    # the three largest control units are found with high agreement
    rows, _ = score_units(read_eaf(str(N2001_CONTROL) + ".eaf"), analyses["control"].decomposition.trains())
    best = sorted((r["f1"] for r in rows), reverse=True)[:2]
    assert min(best) > 0.78
    assert f1 > 0.455  # measured 0.460 (0.441 before the final threshold, satellite and residual tests)


@pytest.mark.parametrize("name,base,floor", [("als", N2001_ALS, 0.28), ("control", N2001_CONTROL, 0.58)])
def test_per_record_f1_does_not_regress(analyses, name, base, floor):
    """Per-record pooled discharge F1 vs the EMGLAB expert, pinned just under the measured value
    (ALS 0.286, control 0.585): fails if the decomposition regresses. The target is 0.90.
    (ALS was 0.282 while a satellite of the 5/12 MUAP, locked to it at -4.8 and +4.5 ms, counted as
    a unit and matched 9 discharges of the duplicate label 5.)
    (Against the ALS expert with its duplicate labels 5/12 and 6/13 joined, see the next tests,
    the F1 rose 0.310 -> 0.363.)"""
    _, pooled = score_units(read_eaf(str(base) + ".eaf"), analyses[name].decomposition.trains())
    assert pooled["f1"] >= floor


def test_als_f1_against_the_expert_with_its_duplicate_labels_joined(analyses):
    """Scored against the ALS expert with the same-shape units joined: 5+12 (one motor unit) and
    6+13 (two motor units of one shape, which a decomposer that does not track firing continuity
    cannot tell apart; see the test below)."""
    import numpy as np

    e = read_eaf(str(N2001_ALS) + ".eaf")
    e[5] = np.sort(np.concatenate((e.pop(5), e.pop(12))))
    e[6] = np.sort(np.concatenate((e.pop(6), e.pop(13))))
    _, pooled = score_units(e, analyses["als"].decomposition.trains())
    assert pooled["f1"] >= 0.41  # measured 0.422 (0.310 before duplicate units were merged)


def test_als_expert_labels_one_regular_train_as_two_units():
    """Why the ALS record's F1 is capped under one-to-one matching: expert units 5 and 12 have the
    same MUAP shape and, merged, form one train without a refractory conflict (shortest interval
    25 ms), the expert switching label between stretches. A decomposer that follows the motor unit
    can match only one of them (documented in tests/data/emglab_n2001/README.md)."""
    import numpy as np

    e = read_eaf(str(N2001_ALS) + ".eaf")
    merged = np.sort(np.concatenate((e[5], e[12])))
    assert np.diff(merged).min() > 0.02
    assert max(len(e[5]), len(e[12])) / (len(e[5]) + len(e[12])) < 0.55


def test_als_expert_units_6_and_13_are_two_motor_units_of_one_shape():
    """Unlike 5/12, the same-shape ALS units 6 and 13 are two motor units: merged, their train has
    discharges closer than any motor unit refires (overlapping MUAPs 3.7-15 ms apart), so only
    firing continuity can separate them (tests/data/emglab_n2001/README.md)."""
    import numpy as np

    e = read_eaf(str(N2001_ALS) + ".eaf")
    merged = np.sort(np.concatenate((e[6], e[13])))
    assert (np.diff(merged) < 0.015).sum() == 7
    assert np.diff(merged).min() < 0.004


def test_control_expert_unit_6_fills_gaps_of_unit_1():
    """Every discharge of control expert unit 6 lies where unit 1's regular train (median interval
    104 ms) has a gap: 80-130 ms from unit 1's neighbouring discharges on both sides."""
    import numpy as np

    e = read_eaf(str(N2001_CONTROL) + ".eaf")
    u1 = e[1]
    assert 0.10 < float(np.median(np.diff(u1))) < 0.11
    j = np.searchsorted(u1, e[6])
    before, after = e[6] - u1[j - 1], u1[j] - e[6]
    assert ((before > 0.08) & (before < 0.13) & (after > 0.08) & (after < 0.13)).all()


def test_expert_marks_sit_on_the_muap_peaks(analyses):
    """The .eaf times are seconds in the recording's own time base (fs 23437.5 Hz, channel 1, after
    the 20-byte prefix): the median waveform of a large expert unit peaks at the mark itself."""
    import numpy as np

    from edxlab.signal.filters import detection_filter

    rec = analyses["als"].recording
    y = detection_filter(rec.data, rec.fs)
    h = int(0.005 * rec.fs)
    for unit in (5, 12):  # the two largest ALS units (> 10 x signal RMS)
        i = np.round(read_eaf(str(N2001_ALS) + ".eaf")[unit] * rec.fs).astype(int)
        w = np.median(y[i[:, None] + np.arange(-h, h + 1)], axis=0)
        assert abs(int(np.argmax(np.abs(w))) - h) <= 2  # within 0.1 ms of the mark


def test_pooled_f1_over_emglab_prominent_units(analyses):
    """Pooled F1 over expert units above 2.5 x signal RMS (EMGlab's criterion), both records."""
    from edxlab.signal.score import PROMINENT_RATIO, expert_prominence, pool

    tot = dict(matched=0, n_expert=0, n_det=0, n_units=0)
    for name, base in (("als", N2001_ALS), ("control", N2001_CONTROL)):
        expert = read_eaf(str(base) + ".eaf")
        rec = analyses[name].recording
        prom = expert_prominence(rec.data, rec.fs, expert)
        rows, _ = score_units(expert, analyses[name].decomposition.trains())
        big = pool(rows, {u for u, v in prom.items() if v > PROMINENT_RATIO})
        tot["matched"] += big["matched"]
        tot["n_expert"] += big["n_expert"]
        tot["n_det"] += big["n_detected_matched_units"]
        tot["n_units"] += big["n_units"]
    assert tot["n_units"] == 16  # 8 of 17 ALS units, 8 of 11 control units
    f1 = 2 * tot["matched"] / (tot["n_expert"] + tot["n_det"])
    assert f1 > 0.555  # measured 0.562


def test_shape_only_ceiling_of_the_expert_trains(analyses):
    """Why the 0.90 target is out of reach for a decomposer that separates units by MUAP shape:
    the expert's own trains, with each group of same-shape units merged into one train (ALS 5+12,
    6+13+14; control 2+3+5+9), score pooled F1 0.805 against the expert; keeping only the units
    above 2.5 x signal RMS (EMGlab's criterion; the smaller ones barely reach the detection
    threshold) they score 0.617. The decomposition's 0.460 is measured against these ceilings."""
    import numpy as np

    from edxlab.signal.score import PROMINENT_RATIO, expert_prominence

    def pooled(tot):
        return 2 * tot[0] / (tot[1] + tot[2])

    every, prominent = [0, 0, 0], [0, 0, 0]
    for name, base, groups in (("als", N2001_ALS, [(5, 12), (6, 13, 14)]), ("control", N2001_CONTROL, [(2, 3, 5, 9)])):
        e = read_eaf(str(base) + ".eaf")
        merged = {u: t for u, t in e.items() if not any(u in g for g in groups)}
        for g in groups:
            merged[g[0]] = np.sort(np.concatenate([e[u] for u in g]))
        rec = analyses[name].recording
        prom = expert_prominence(rec.data, rec.fs, e)
        for tot, trains in ((every, merged), (prominent, {u: t for u, t in merged.items() if prom[u] > PROMINENT_RATIO})):
            _, p = score_units(e, trains)
            tot[0] += p["matched"]
            tot[1] += p["n_expert"]
            tot[2] += p["n_detected_matched_units"]
    assert 0.80 < pooled(every) < 0.81
    assert 0.61 < pooled(prominent) < 0.62
