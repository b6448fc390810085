"""Reference-limit profiles: shipped files cite every row; a lab's own file is validated."""

from __future__ import annotations

import polars as pl
import pytest

from edxlab.errors import ConfigError, NotFoundError
from edxlab.reference.profiles import (
    default_profile_name,
    get_profile,
    load_profile_file,
    profile_names,
)


def test_shipped_profiles_are_listed_and_every_row_cites_a_source():
    assert profile_names() == ["age_height_stratified", "preston_shapiro_2013",
                               "preston_shapiro_2013_age_height"]
    assert default_profile_name() == "preston_shapiro_2013_age_height"
    for name in profile_names():
        lim = get_profile(name).limits
        assert lim.height > 60
        assert lim["source"].str.len_chars().min() > 10


def test_preston_shapiro_median_motor_limits():
    lim = get_profile("preston_shapiro_2013").limits.filter(
        (pl.col("nerve") == "median") & (pl.col("modality") == "motor"))
    got = {r["measure"]: r["limit"] for r in lim.iter_rows(named=True)
           if r["measure"] != "side_amplitude_ratio"}
    assert got == {"distal_latency": 4.4, "amplitude": 4.0, "cv": 49.0, "fwave_latency": 31.0}


def test_stratified_profile_sural_absence_is_normal_from_75():
    lim = get_profile("age_height_stratified").limits.filter(
        (pl.col("nerve") == "sural") & (pl.col("measure") == "amplitude"))
    rows = {(r["age_min"], r["age_max"]): (r["limit"], r["absent_normal"])
            for r in lim.iter_rows(named=True)}
    assert rows == {(None, None): (6.0, False), (60.0, 70.0): (3.0, False),
                    (70.0, 75.0): (1.0, False), (75.0, None): (0.0, True)}


def test_default_profile_is_preston_shapiro_with_age_and_height():
    lim = get_profile("preston_shapiro_2013_age_height").limits
    ps = get_profile("preston_shapiro_2013").limits
    key = ["nerve", "modality", "record_site", "measure"]
    differ = lim.join(ps, on=[*key, "limit"], how="anti")
    # same single cut-offs except the age-stratified sural and the height-adjusted F-waves
    assert sorted(set(zip(differ["nerve"], differ["measure"]))) == [
        ("median", "fwave_latency"), ("peroneal", "fwave_latency"), ("sural", "amplitude"),
        ("tibial", "fwave_latency"), ("ulnar", "fwave_latency")]
    same = lim.filter(~pl.col("measure").is_in(["fwave_latency"])
                      & ~((pl.col("nerve") == "sural") & (pl.col("measure") == "amplitude")))
    assert same.join(ps, on=[*key, "limit"], how="anti").height == 0


def test_unknown_profile_name_suggests_the_closest():
    with pytest.raises(NotFoundError, match='Reference profile "preston_shapiro" does not exist; '
                       'available: age_height_stratified, preston_shapiro_2013, '
                       'preston_shapiro_2013_age_height. Did you mean '
                       '"preston_shapiro_2013"\\?'):
        get_profile("preston_shapiro")


def test_lab_profile_csv_is_loaded(tmp_path):
    p = tmp_path / "mylab.csv"
    p.write_text("nerve,modality,measure,bound,limit,unit,source\n"
                 "median,motor,distal_latency,max,4.2,ms,My lab 2020 (n=120)\n")
    prof = load_profile_file(p)
    assert prof.name == "mylab"
    assert prof.limits.row(0, named=True)["limit"] == 4.2


def test_lab_profile_errors_name_file_row_column_and_value(tmp_path):
    p = tmp_path / "mylab.csv"
    p.write_text("nerve,modality,measure,bound,limit,unit,source\n"
                 "median,motor,distal_latncy,max,4.2,ms,My lab\n")
    with pytest.raises(ConfigError, match='Reference profile mylab.csv, row 2: row 2, column '
                       '"measure": "distal_latncy" is not a measure; accepted: .* Did you mean '
                       '"distal_latency"\\?'):
        load_profile_file(p)


def test_lab_profile_toml_requires_a_source(tmp_path):
    p = tmp_path / "lab.toml"
    p.write_text('name = "lab_2024"\nversion = "2"\n[[limits]]\nnerve = "ulnar"\n'
                 'modality = "motor"\nmeasure = "amplitude"\nbound = "min"\nlimit = 6.5\n')
    with pytest.raises(ConfigError, match='^Reference profile lab.toml: column "source" is missing; '
                       'a profile needs the columns nerve, modality, measure, bound, limit, '
                       'source.$'):
        load_profile_file(p)
