"""Properties of the NCS interpretation over many random studies (seeded)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from ncs_random import random_dataset, random_ncs

from edxlab.interpret.config import InterpretConfig
from edxlab.interpret.ncs import interpret_ncs

N = 300
KEY = ["study_id", "nerve", "modality", "side"]


@pytest.mark.parametrize("seed", [1, 2])
def test_lowering_an_amplitude_never_makes_a_nerve_more_normal(seed):
    ncs = random_ncs(N, seed)
    before = interpret_ncs(random_dataset(N, seed, ncs))
    # in every study, scale all the amplitudes of one nerve study by a factor in (0, 1]
    rng = np.random.default_rng(seed + 7)
    keys = ncs.select(KEY).unique(maintain_order=True)
    pick = keys.group_by("study_id", maintain_order=True).agg(
        pl.all().get(pl.lit(0))).with_columns(
        factor=pl.Series(rng.uniform(0.05, 1.0, N)))
    lowered = ncs.join(pick, on=KEY, how="left").with_columns(
        amplitude=pl.col("amplitude") * pl.col("factor").fill_null(1.0)).drop("factor")
    after = interpret_ncs(random_dataset(N, seed, lowered))
    cmp = (before.nerve_findings.select(*KEY, "abnormal", "amplitude_abnormal")
           .join(after.nerve_findings.select(*KEY, "abnormal", "amplitude_abnormal"),
                 on=KEY, suffix="_after")
           .join(pick.select(KEY), on=KEY, how="semi"))
    assert cmp.height == N
    worse = cmp.filter((pl.col("abnormal") & ~pl.col("abnormal_after"))
                       | (pl.col("amplitude_abnormal") & ~pl.col("amplitude_abnormal_after")))
    assert worse.height == 0
    # and some nerves did become abnormal (the test can fail)
    assert cmp.filter(~pl.col("abnormal") & pl.col("abnormal_after")).height > 10


def test_swapping_profiles_changes_only_what_the_profiles_disagree_on():
    ncs = random_ncs(N, 3)
    a = interpret_ncs(random_dataset(N, 3, ncs, "preston_shapiro_2013"),
                      InterpretConfig()).measures
    b = interpret_ncs(random_dataset(N, 3, ncs, "age_height_stratified"),
                      InterpretConfig()).measures
    mk = [*KEY, "measure", "seg"]
    cols = ["limit", "bound", "absent_ok", "abnormal", "pct_of_limit"]
    j = a.select(*mk, *cols).join(b.select(*mk, *cols), on=mk, suffix="_b")
    assert j.height == a.height == b.height
    same = j.filter((pl.col("limit") == pl.col("limit_b")) & (pl.col("bound") == pl.col("bound_b"))
                    & (pl.col("absent_ok") == pl.col("absent_ok_b")))
    differ = j.join(same.select(mk), on=mk, how="anti")
    assert same.height > 1000 and differ.height > 500
    assert same.filter(pl.col("abnormal") != pl.col("abnormal_b")).height == 0
    assert same.filter(pl.col("pct_of_limit") != pl.col("pct_of_limit_b")).height == 0
    # where they disagree, some verdicts change
    assert differ.filter(pl.col("abnormal") != pl.col("abnormal_b")).height > 0


def test_findings_are_one_row_per_nerve_and_study():
    f = interpret_ncs(random_dataset(N, 4))
    assert f.nerve_findings.height == N * 10
    assert f.study_ncs.height == N
    assert f.nerve_findings.select(KEY).is_duplicated().sum() == 0
    assert set(f.nerve_findings["pattern"]) <= {"normal", "axonal", "demyelinating", "focal",
                                                 "slowing", "absent"}
    # every abnormal nerve names the rule and limit that made it so
    abn = f.nerve_findings.filter(pl.col("abnormal"))
    assert abn.height > 100
    assert abn.filter((pl.col("rule_ids") == "") | (pl.col("evidence") == "")).height == 0
    # every study with a lesion is abnormal; the lists follow the lesions
    s = f.study_ncs
    assert s.filter((pl.col("mononeuropathies").list.len() > 0) & ~pl.col("ncs_abnormal")).height == 0
    assert s.filter((pl.col("polyneuropathy") != "none") & ~pl.col("ncs_abnormal")).height == 0
