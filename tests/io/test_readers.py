"""Every reader in the registry honours the same contract (MNE ``_test_raw_reader`` style)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from edxlab.errors import InputError, ValidationError
from edxlab.io import read_dataset, validate_dataset, write_dataset
from edxlab.io.readers import READERS
from edxlab.model.schema import TABLE_NAMES, tables

FORMATS = sorted(READERS)
TARGETS = {"csv": "ds", "xlsx": "ds.xlsx", "json": "ds.json", "parquet": "ds_parquet"}


def test_registry_covers_the_interchange_formats():
    assert FORMATS == ["csv", "json", "parquet", "xlsx"]


@pytest.fixture(scope="module")
def example(request):
    from tests.conftest import EXAMPLE

    return read_dataset(EXAMPLE)


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_gives_identical_frames(example, tmp_path, fmt):
    target = tmp_path / TARGETS[fmt]
    write_dataset(example, target, fmt)
    again = read_dataset(target)
    for name in TABLE_NAMES:
        assert again[name].schema == example[name].schema, name
        assert again[name].equals(example[name]), name


@pytest.mark.parametrize("fmt", FORMATS)
def test_canonical_schema_for_every_table(example, tmp_path, fmt):
    target = tmp_path / TARGETS[fmt]
    write_dataset(example, target, fmt)
    ds = read_dataset(target)
    for name, spec in tables().items():
        assert dict(ds[name].schema) == spec.polars_schema(), name


def test_bundled_xlsx_reads_like_the_csv_folder(example_dir):
    csv = read_dataset(example_dir)
    xlsx = read_dataset(example_dir / "nmosd_demo.xlsx")
    for name in TABLE_NAMES:
        assert xlsx[name].equals(csv[name]), name


def _empty_patients(fmt: str, path: Path) -> Path:
    if fmt == "csv":
        path.mkdir()
        (path / "patients.csv").write_bytes(b"")
        (path / "studies.csv").write_text("study_id,patient_id,study_date\n")
        return path
    if fmt == "json":
        target = path.with_suffix(".json")
        target.write_text(json.dumps({"patients": [{}], "studies": []}))
        return target
    if fmt == "xlsx":
        import xlsxwriter

        target = path.with_suffix(".xlsx")
        with xlsxwriter.Workbook(target) as wb:
            wb.add_worksheet("patients")
            wb.add_worksheet("studies").write_row(0, 0, ["study_id", "patient_id", "study_date"])
        return target
    path.mkdir()
    pl.DataFrame({"x": [1]}).write_parquet(path / "studies.parquet")
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_or_headerless_table_gives_a_named_error(tmp_path, fmt):
    path = _empty_patients(fmt, tmp_path / "empty")
    with pytest.raises(ValidationError) as info:
        read_dataset(path)
    files = {i.file for i in info.value.errors}
    assert any(f.startswith("patients") for f in files), info.value.issues


@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_header_gives_a_named_error(example, tmp_path, fmt):
    broken = example.frames.copy()
    broken["ncs"] = example["ncs"].rename({"nerve": "nerf"})
    from edxlab.model.dataset import Dataset

    target = tmp_path / TARGETS[fmt]
    ds = Dataset(frames=broken)
    if fmt == "parquet":
        write_dataset(ds, target, fmt)
    else:
        write_dataset(ds, target, fmt)
    issues = validate_dataset(target)
    errors = [i for i in issues if i.severity == "error"]
    assert [(i.row, i.column) for i in errors] == [(1, "nerve")]
    assert errors[0].message == ("required column 'nerve' is missing; the ncs table needs "
                                 "study_id, nerve, modality, side, stim_site")
    assert errors[0].file.startswith("ncs")
    warnings = [i.message for i in issues if i.severity == "warning"]
    assert "unknown column 'nerf' kept (stored as text) but not used; did you mean nerve?" in warnings


def test_unsupported_file_names_what_is_accepted(tmp_path):
    target = tmp_path / "visit3.xls"
    target.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError, match=r"unsupported dataset 'visit3.xls' \(re-save it as an "
                       r"Excel Workbook \(.xlsx\)\). Supported: a folder of .csv files"):
        read_dataset(target)


def test_missing_path_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        read_dataset(tmp_path / "nope")


def test_header_case_spaces_and_bom_are_tolerated(tmp_path, example_dir):
    import shutil

    shutil.copytree(example_dir, tmp_path / "ds")
    path = tmp_path / "ds" / "patients.csv"
    text = path.read_text()
    header, rest = text.split("\n", 1)
    path.write_bytes(b"\xef\xbb\xbf" + (" Patient_ID , SEX" + header[len("patient_id,sex"):]
                                         + "\n" + rest).encode())
    ds = read_dataset(tmp_path / "ds")
    assert ds.patients["patient_id"].to_list()[:2] == ["P01", "P02"]


def test_json_rows_are_numbered_from_one(tmp_path, example):
    target = tmp_path / "ds.json"
    write_dataset(example, target, "json")
    doc = json.loads(target.read_text())
    doc["emg"][2]["side"] = "up"
    target.write_text(json.dumps(doc))
    [issue] = [i for i in validate_dataset(target) if i.severity == "error"]
    assert (issue.file, issue.row, issue.column) == ("emg", 3, "side")


def test_xlsx_cells_typed_as_numbers_and_dates_are_read(tmp_path):
    import datetime as dt

    import xlsxwriter

    target = tmp_path / "typed.xlsx"
    with xlsxwriter.Workbook(target) as wb:
        p = wb.add_worksheet("Patients")
        p.write_row(0, 0, ["patient_id", "birth_year"])
        p.write_row(1, 0, ["P1", 1980])
        s = wb.add_worksheet("studies")
        s.write_row(0, 0, ["study_id", "patient_id", "study_date", "age_years"])
        s.write_row(1, 0, ["S1", "P1"])
        s.write_datetime(1, 2, dt.datetime(2021, 3, 4), wb.add_format({"num_format": "yyyy-mm-dd"}))
        s.write_number(1, 3, 41)
    ds = read_dataset(target)
    assert ds.patients["birth_year"].to_list() == [1980]
    assert ds.studies["study_date"].to_list() == [dt.date(2021, 3, 4)]
    assert ds.studies["age_years"].to_list() == [41.0]


def test_xlsx_rows_are_sheet_lines(tmp_path, example):
    import openpyxl

    target = tmp_path / "ds.xlsx"
    write_dataset(example, target, "xlsx")
    workbook = openpyxl.load_workbook(target)
    sheet = workbook["emg"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=7, column=header.index("muscle") + 1, value="gastrocnemius_lat")
    workbook.save(target)
    [issue] = [i for i in validate_dataset(target) if i.severity == "error"]
    assert (issue.file, issue.row, issue.column) == ("emg", 7, "muscle")
    assert issue.message == "unknown muscle 'gastrocnemius_lat'; did you mean lateral_gastrocnemius?"


def test_semicolon_separated_csv_names_the_fix(dataset_copy):
    path = dataset_copy(patients="patient_id;sex;birth_year\nP01;F;1978\n")
    issues = [i for i in validate_dataset(path) if i.file == "patients.csv"]
    assert [(i.row, i.message) for i in issues] == [
        (1, "the columns are separated by semicolons; the interchange format uses commas (in "
            "Excel: Save As 'CSV UTF-8 (Comma delimited)')")]


def test_latin1_file_names_the_line(dataset_copy):
    path = dataset_copy()
    (path / "signs.csv").write_bytes(
        (path / "signs.csv").read_bytes().replace(b",thenar", ",th\xe9nar".encode("latin-1")))
    issues = [i for i in validate_dataset(path) if i.file == "signs.csv"]
    assert [(i.row, i.message) for i in issues] == [
        (8, "line 8 is not UTF-8 text (byte 0xe9); save the file as 'CSV UTF-8'")]


@pytest.mark.parametrize("header", ["study_id,nerve,side,side", "study_id,nerve,side,Side ",
                                    "study_id,nerve,side,*", "study_id,nerve,side,^.*$"])
def test_repeated_or_pattern_like_headers(dataset_copy, header):
    path = dataset_copy(fwaves=f"{header}\nS01,median,R,x\n")
    issues = [i for i in validate_dataset(path) if i.file == "fwaves.csv"]
    if header.endswith(("side", "Side ")):
        assert [(i.severity, i.row, i.message) for i in issues] == [
            ("error", 1, "column 'side' appears twice; keep one")]
    else:
        assert [i.severity for i in issues] == ["warning"]
        assert issues[0].message.startswith(f"unknown column '{header.split(',')[-1]}'")
