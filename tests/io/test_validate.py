"""Each validation rule: a bad value gives the exact file, row, column and a helpful message."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from edxlab.errors import ValidationError
from edxlab.io import read_dataset, validate_dataset


def line_of(path: Path, text: str) -> int:
    """Spreadsheet row (header = 1) of the first line containing ``text``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path.name}")


def only_errors(issues):
    return [i for i in issues if i.severity == "error"]


def test_example_dataset_is_clean(example_dir):
    assert validate_dataset(example_dir) == []


CASES = [
    # (file, old text, new text, column, message)
    ("emg", "S01,tibialis_anterior,R", "S01,gastrocnemius_lat,R", "muscle",
     "unknown muscle 'gastrocnemius_lat'; did you mean lateral_gastrocnemius?"),
    ("ncs", "S01,median,motor,R,wrist,apb,3.4,,6.1", "S01,median,motor,R,wrist,apb,3.4,,8500",
     "amplitude",
     "motor amplitude 8500 mV is above the plausible maximum of 50 mV; it looks like uV typed "
     "as mV (8500 uV = 8.5 mV): enter 8.5 or set amplitude_unit to uV"),
    ("ncs", "S01,median,sensory,R,wrist,digit2,3.1,,38", "S01,median,sensory,R,wrist,digit2,3.1,,380",
     "amplitude", "sensory amplitude 380 uV is above the plausible maximum of 300 uV"),
    ("ncs", "S01,median,motor,R,wrist,apb,3.4", "S01,median,motor,R,wrist,apb,250",
     "latency_ms", "latency_ms 250 is outside the plausible range 0.5-150 ms"),
    ("ncs", "S01,median,motor,R,elbow,,7.5,,5.7,,5.9,,230,56.0",
     "S01,median,motor,R,elbow,,7.5,,5.7,,5.9,,230,156", "cv_ms",
     "cv_ms 156 is outside the plausible range 5-120 m/s"),
    ("ncs", "S01,median,motor,R,elbow,,7.5,,5.7,,5.9,,230", "S01,median,motor,R,elbow,,7.5,,5.7,,5.9,,2300",
     "distance_mm", "distance_mm 2300 is outside the plausible range 10-1000 mm"),
    ("ncs", "S01,median,motor,R,wrist,apb,3.4", "S01,median,motor,X,wrist,apb,3.4", "side",
     "unknown side 'X'; accepted: L, R"),
    ("ncs", "S01,median,motor,R,wrist,apb,3.4", "S01,median,motor,R,wrist,apb,3,4", None,
     "line 2 has 16 cells but the header has 15; put cells that contain commas in double quotes"),
    ("ncs", "S01,median,motor,R,elbow,,7.5,,5.7,,5.9", "S01,median,motor,R,elbow,,7.5,,5.7,,NR",
     "duration_ms",
     "NR (no response) is accepted only in latency and amplitude columns; leave duration_ms "
     "empty when it was not measured"),
    ("ncs", "S01,median,motor,R,wrist,apb,3.4", "S01,median,motor,R,wrist,apb,fast", "latency_ms",
     "latency_ms 'fast' is not a number (ms)"),
    ("ncs", "S01,median,motor,R,wrist,apb,3.4", "S01,median,motor,R,wrist,,3.4", "record_site",
     "record_site is required for the distal response of median motor R (stimulated at wrist)"),
    ("ncs", "S01,median,motor,R,wrist,apb,3.4,,6.1", "S01,median,motor,R,wrist,apb,,,",
     "latency_ms",
     "no distal response for median motor R: the most distal stimulation (wrist) has neither "
     "latency nor amplitude; give a value or NR"),
    ("fwaves", "S01,median,R,27.9", "S99,median,R,27.9", "study_id",
     "study_id 'S99' is not in studies.csv"),
    ("fwaves", "S01,ulnar,R,28.6", "S01,median,R,28.6", None,
     "duplicate fwaves row (study_id S01, nerve median, side R): the same as row 2"),
    ("emg", "S01,cervical_paraspinal,R,C6", "S01,cervical_paraspinal,R,", "level",
     "level is required for cervical_paraspinal: give the spinal segment examined "
     "(e.g. C6, T8, L5)"),
    ("emg", "S01,cervical_paraspinal,R,C6", "S01,cervical_paraspinal,R,L5", "level",
     "level L5 is not a segment of cervical_paraspinal (accepted: C..)"),
    ("emg", "S01,deltoid,R,,increased,1+", "S01,deltoid,R,,increased,5+", "fibs",
     "unknown fibs '5+'; accepted: 0, +/-, 1+, 2+, 3+, 4+"),
    ("emg", "S01,deltoid,R,,increased,1+,1+,0,false", "S01,deltoid,R,,increased,1+,1+,0,maybe",
     "crd", "crd 'maybe' is not a yes/no value; accepted: true/false, yes/no, 1/0, y/n"),
    ("studies", "S02,P01,2022-03-01,,165,32.8,31.2,weakness,",
     "S02,P01,2022-03-01,,165,32.8,31.2,weakness,preston_shapiro_2031", "reference_profile",
     "unknown reference_profile 'preston_shapiro_2031'; did you mean preston_shapiro_2013? "
     "(available: age_height_stratified, preston_shapiro_2013, preston_shapiro_2013_age_height; "
     "a lab's own profile file goes to `edxlab interpret --profile FILE`)"),
    ("studies", "S01,P01,2021-02-15", "S01,P01,15/02/2021", "study_date",
     "study_date '15/02/2021' is not a date: write it as YYYY-MM-DD (e.g. 2021-03-14)"),
    ("studies", "S01,P01,2021-02-15", "S01,P01,2099-02-15", "study_date",
     "study_date 2099-02-15 is in the future"),
    ("studies", "S01,P01,2021-02-15", "S01,P01,1970-02-15", "study_date",
     "study_date 1970-02-15 is before the patient's birth year 1978"),
    ("studies", "S04,P03,2022-09-20,29.9", "S04,P03,2022-09-20,129.9", "age_years",
     "age_years 129.9 is outside the plausible range 0-120 years"),
    ("studies", "S04,P03,2022-09-20,29.9,181", "S04,P03,2022-09-20,29.9,18", "height_cm",
     "height_cm 18 is outside the plausible range 80-250 cm"),
    ("studies", "S04,P03,2022-09-20,29.9,181,33.4", "S04,P03,2022-09-20,29.9,181,43.4",
     "temp_upper_c", "temp_upper_c 43.4 is outside the plausible range 20-40 degC"),
    ("studies", "S01,P01,", "S01,P 01,", "patient_id",
     "patient_id 'P 01' is not a valid identifier: use 1-64 characters of A-Z a-z 0-9 . _ -"),
    ("studies", "S03,P02,2021-06-10,55.8", "S03,P02,2021-06-10,55,8", None,
     "line 4 has 10 cells but the header has 9; put cells that contain commas in double quotes"),
    ("patients", "P01,F,1978", "P01,F,", "age_years", None),
    ("patients", "P03,M,1992,negative,cba_live,positive,1000,negative,true,,1.5",
     "P03,M,1992,negative,cba_live,positive,1000,negative,true,diabets,1.5", "comorbidities",
     "unknown comorbidities 'diabets'; did you mean diabetes? (accepted: diabetes, "
     "b12_deficiency, alcohol, chemotherapy, hypothyroidism, renal_failure, hiv, other)"),
    ("mri", "P01,2020-12-21,spinal_cord,C3,C6", "P01,2020-12-21,spinal_cord,C6,C3", "level_to",
     "level_to C3 is above level_from C6; give the upper level first"),
    ("mri", "P01,2020-12-21,spinal_cord,C3", "P01,2020-12-21,spinal_cord,pons", "level_from",
     "level_from pons does not fit region spinal_cord (spinal cord: vertebral levels C1..L2; "
     "brainstem: midbrain, pons, medulla)"),
    ("fwaves", "S01,median,R,27.9,70", "S01,median,R,27.9,170", "persistence_pct",
     "persistence_pct 170 is outside the plausible range 0-100 %"),
    ("fwaves", "S01,median,R,27.9", "S01,sural,R,27.9", "nerve",
     "unknown nerve 'sural'; accepted: median, ulnar, peroneal, tibial"),
    ("blink", "S04,R,10.6", "S04,R,10,6", None,
     "line 2 has 6 cells but the header has 5; put cells that contain commas in double quotes"),
    ("attacks", "P01,2019-04-02,optic_neuritis", "P01,2019-04-02,opticneuritis", "core_feature",
     "unknown core_feature 'opticneuritis'; did you mean optic_neuritis? (accepted: "
     "optic_neuritis, acute_myelitis, area_postrema, acute_brainstem, diencephalic, cerebral, "
     "other)"),
    ("signs", "P04,2022-05-04,weakness,tibialis_anterior,R,4", "P04,2022-05-04,weakness,tibialis_anterior,R,7",
     "grade", "grade 7 is outside the plausible range 0-5"),
]


@pytest.mark.parametrize("file,old,new,column,message", CASES,
                         ids=[f"{c[0]}-{c[3]}-{i}" for i, c in enumerate(CASES)])
def test_rule_names_file_row_column_and_message(dataset_copy, file, old, new, column, message):
    path = dataset_copy(**{file: (old, new)})
    issues = only_errors(validate_dataset(path))
    if message is None:  # removing birth_year makes the patient's studies lack an age
        assert [(i.file, i.column) for i in issues] == [("studies.csv", "age_years")] * 2
        assert issues[0].message == "age_years is required because patient P01 has no birth_year"
        return
    assert len(issues) == 1, issues
    issue = issues[0]
    assert issue.file == f"{file}.csv"
    assert issue.row == line_of(path / f"{file}.csv", new)
    assert issue.column == column
    assert issue.message == message


def test_every_problem_is_reported_not_just_the_first(dataset_copy):
    path = dataset_copy(emg=("S01,tibialis_anterior,R", "S01,tibialis_anterior,X"),
                        ncs=("S01,median,motor,R,wrist,apb,3.4", "S01,median,motor,R,wrist,apb,999"),
                        studies=("S01,P01,2021-02-15", "S01,P01,2099-02-15"))
    issues = only_errors(validate_dataset(path))
    assert {(i.file, i.column) for i in issues} == {
        ("emg.csv", "side"), ("ncs.csv", "latency_ms"), ("studies.csv", "study_date")}


def test_aliases_map_to_codes_and_are_reported_once(dataset_copy):
    text = (dataset_copy().joinpath("emg.csv").read_text()
            .replace("S01,deltoid,R,", "S01,Deltoid,Rt,")
            .replace("S03,abductor_pollicis_brevis,R", "S03,APB,Rt")
            .replace("S01,first_dorsal_interosseous,R", "S01,FDI,right"))
    path = dataset_copy(emg=text)
    issues = validate_dataset(path)
    assert all(i.severity == "warning" for i in issues)
    messages = sorted(i.message for i in issues)
    assert messages == [
        "'APB' read as abductor_pollicis_brevis (abductor pollicis brevis); this mapping "
        "applies to every row",
        "'FDI' read as first_dorsal_interosseous (first dorsal interosseous); this mapping "
        "applies to every row",
        "'Rt' read as R (right); this mapping applies to every row",
        "'right' read as R (right); this mapping applies to every row",
    ]
    ds = read_dataset(path)
    emg = ds["emg"]
    assert emg.filter(emg["study_id"] == "S03")["muscle"][0] == "abductor_pollicis_brevis"
    assert set(emg["side"].unique()) <= {"L", "R"}
    assert "Deltoid" not in emg["muscle"].to_list()


def test_unknown_column_is_a_warning_and_kept(dataset_copy):
    text = dataset_copy().joinpath("fwaves.csv").read_text().splitlines()
    text = [text[0] + ",latency"] + [line + ",x" for line in text[1:]]
    path = dataset_copy(fwaves="\n".join(text) + "\n")
    issues = validate_dataset(path)
    assert [(i.file, i.row, i.column, i.severity, i.message) for i in issues] == [
        ("fwaves.csv", 1, "latency", "warning",
         "unknown column 'latency' kept (stored as text) but not used; did you mean min_latency_ms?")]
    assert read_dataset(path)["fwaves"]["latency"].to_list()[0] == "x"


def test_missing_required_file_and_column(dataset_copy):
    path = dataset_copy(patients=None, fwaves="study_id,side\nS01,R\n")
    issues = only_errors(validate_dataset(path))
    messages = {(i.file, i.message) for i in issues}
    assert ("patients.csv", "required file patients.csv is missing") in messages
    assert ("fwaves.csv", "required column 'nerve' is missing; the fwaves table needs "
            "study_id, nerve, side") in messages


def test_read_dataset_raises_validation_error_with_every_issue(dataset_copy):
    path = dataset_copy(emg=("S01,tibialis_anterior,R", "S01,gastrocnemius_lat,R"))
    with pytest.raises(ValidationError, match=r"emg.csv, row \d+, column muscle: unknown muscle "
                       r"'gastrocnemius_lat'; did you mean lateral_gastrocnemius\?") as info:
        read_dataset(path)
    assert len(info.value.errors) == 1


def test_nr_is_null_value_with_true_flag(dataset_copy):
    ds = read_dataset(dataset_copy())
    fw = ds["fwaves"].filter((ds["fwaves"]["study_id"] == "S05") & (ds["fwaves"]["nerve"] == "tibial")
                             & (ds["fwaves"]["side"] == "R"))
    assert fw["min_latency_ms"].to_list() == [None]
    assert fw["min_latency_ms_nr"].to_list() == [True]
    assert ds["fwaves"]["min_latency_ms_nr"].sum() == 2


def test_amplitude_unit_override_is_normalized(dataset_copy):
    path = dataset_copy(ncs=("S01,median,motor,R,wrist,apb,3.4,,6.1,", "S01,median,motor,R,wrist,apb,3.4,,6100,uV"))
    ncs = read_dataset(path)["ncs"]
    row = ncs.filter((ncs["study_id"] == "S01") & (ncs["stim_site"] == "wrist")
                     & (ncs["nerve"] == "median") & (ncs["side"] == "R") & (ncs["modality"] == "motor"))
    assert row["amplitude"].to_list() == [pytest.approx(6.1)]
    assert row["amplitude_unit"].to_list() == ["mV"]
    sensory = ncs.filter(ncs["modality"] == "sensory")
    assert set(sensory["amplitude_unit"]) == {"uV"}


def test_grades_numbers_and_present(dataset_copy):
    path = dataset_copy(emg=("S01,deltoid,R,,increased,1+,1+,0", "S01,deltoid,R,,increased,2,+/-,present"))
    emg = read_dataset(path)["emg"]
    row = emg.filter((emg["study_id"] == "S01") & (emg["muscle"] == "deltoid") & (emg["side"] == "R"))
    assert row.select("fibs", "psw", "fasciculations").row(0) == ("2+", "+/-", "1+")


def test_present_is_not_a_fibrillation_grade(dataset_copy):
    path = dataset_copy(emg=("S01,deltoid,R,,increased,1+", "S01,deltoid,R,,increased,present"))
    [issue] = only_errors(validate_dataset(path))
    assert issue.column == "fibs"
    assert issue.message.startswith("unknown fibs 'present'")


def test_many_bad_rows_are_capped_with_a_count(dataset_copy):
    header = "study_id,nerve,side,min_latency_ms\n"
    rows = "".join(f"S01,median,R,{900 + i}\n" for i in range(150))
    path = dataset_copy(fwaves=header + rows.replace("S01,median,R,900\n", "S01,median,R,900\n"))
    issues = [i for i in validate_dataset(path) if i.rule == "range"]
    assert len(issues) == 101
    assert issues[-1].message == "... and 50 more rows with the same problem"


def test_decimal_comma_hint(dataset_copy):
    path = dataset_copy(studies=("S04,P03,2022-09-20,29.9", 'S04,P03,2022-09-20,"29,9"'))
    [issue] = only_errors(validate_dataset(path))
    assert issue.message == "age_years '29,9' is not a number: use a decimal point (29.9)"


def test_today_is_not_the_future(dataset_copy):
    today = dt.date.today().isoformat()
    path = dataset_copy(studies=("S01,P01,2021-02-15", f"S01,P01,{today}"))
    assert only_errors(validate_dataset(path)) == []
