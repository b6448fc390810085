"""Recordings kept beside the database, so `interpret --db` finds them (store/recordings.py)."""

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from edxlab.cli import app
from edxlab.store.recordings import keep_recordings, recordings_dir

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "nmosd_demo"


def test_recordings_folder_sits_beside_the_database(tmp_path):
    assert recordings_dir(tmp_path / "lab.duckdb") == tmp_path / "lab.recordings"


def test_only_files_in_subfolders_are_recordings(tmp_path):
    ds = tmp_path / "ds"
    (ds / "signals").mkdir(parents=True)
    (ds / "patients.csv").write_text("patient_id\nP1\n")
    (ds / "signals" / "a.hea").write_text("x")
    assert keep_recordings(ds, tmp_path / "rec") == 1
    assert (tmp_path / "rec" / "signals" / "a.hea").read_text() == "x"
    assert not (tmp_path / "rec" / "patients.csv").exists()
    assert keep_recordings(tmp_path / "book.xlsx", tmp_path / "rec2") == 0


def test_interpret_db_measures_the_recordings_imported_with_the_dataset(tmp_path):
    db = tmp_path / "lab.duckdb"
    runner = CliRunner()
    res = runner.invoke(app, ["import", str(EXAMPLE), "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert "recording file(s) kept in" in res.output
    res = runner.invoke(app, ["interpret", "--db", str(db), "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    muscles = pl.read_csv(tmp_path / "out" / "muscle_findings.csv", infer_schema_length=0)
    measured = muscles.filter(pl.col("measured_classification").is_not_null())
    assert measured.height >= 1
    assert set(measured["measured_classification"]) <= {"normal", "neurogenic", "myopathic"}


KEY = b"0123456789abcdef0123456789abcdef"
N2001 = Path(__file__).resolve().parents[1] / "data" / "emglab_n2001"


def test_pseudonymous_name_hides_the_file_name_and_keeps_wfdb_pairs_together():
    from edxlab.store.recordings import pseudonymous_file

    hea = pseudonymous_file(KEY, "signals/Smith_John_APB.hea")
    assert hea.startswith("recordings/R") and hea.endswith(".hea") and "Smith" not in hea
    assert len(Path(hea).stem) == 21
    assert Path(pseudonymous_file(KEY, "signals\\Smith_John_APB.dat")).stem == Path(hea).stem
    assert pseudonymous_file(KEY, "./signals/Smith_John_APB.hea") == hea
    assert pseudonymous_file(b"another key of 16+ bytes", "signals/Smith_John_APB.hea") != hea


def test_wfdb_copy_renames_the_record_and_drops_identifying_comments(tmp_path):
    import numpy as np

    from edxlab.signal.readers import read_recording
    from edxlab.store.recordings import copy_recording, pseudonymous_file

    ds = tmp_path / "ds"
    (ds / "signals").mkdir(parents=True)
    for suffix in (".hea", ".bin"):
        (ds / "signals" / f"N2001A01BB01{suffix}").write_bytes((N2001 / f"N2001A01BB01{suffix}").read_bytes())
    copy_recording(ds, "signals/N2001A01BB01.bin", tmp_path / "rec", KEY)
    target = copy_recording(ds, "signals/N2001A01BB01.hea", tmp_path / "rec", KEY)
    assert target == tmp_path / "rec" / pseudonymous_file(KEY, "signals/N2001A01BB01.hea")
    header = target.read_text()
    stem = target.stem
    assert header.splitlines()[0] == f"{stem} 1 23437.5 262124"
    assert header.splitlines()[1].startswith(f"{stem}.bin 16+20 13.1070/uV")
    assert "#age: 56" in header and "#muscle: Biceps brachii (long head)" in header
    for gone in ("Tumbev", "indentifier", "contributor", "contact", "e-med.dk", "#date"):
        assert gone not in header
    original = read_recording(N2001 / "N2001A01BB01.hea")
    copy = read_recording(target)
    assert copy.fs == original.fs and np.array_equal(original.data, copy.data)


def test_edf_copy_blanks_patient_and_recording_identification(tmp_path):
    import numpy as np
    import pyedflib

    from edxlab.signal.readers import read_recording
    from edxlab.store.recordings import copy_recording

    (tmp_path / "ds" / "emg").mkdir(parents=True)
    path = tmp_path / "ds" / "emg" / "doe_jane.edf"
    w = pyedflib.EdfWriter(str(path), 1, file_type=pyedflib.FILETYPE_EDFPLUS)
    w.setPatientName("Doe_Jane")
    w.setPatientCode("MRN123456")
    w.setSignalHeaders([dict(label="EMG", dimension="uV", sample_frequency=10000, physical_max=500,
                             physical_min=-500, digital_max=32767, digital_min=-32768)])
    w.writeSamples([100 * np.sin(np.arange(20000) / 7.0)])
    w.close()
    assert b"Doe_Jane" in path.read_bytes()[:256]
    target = copy_recording(tmp_path / "ds", "emg/doe_jane.edf", tmp_path / "rec", KEY)
    head = target.read_bytes()[:256]
    assert b"Doe_Jane" not in head and b"MRN123456" not in head
    assert head[8:88] == b"X X X X".ljust(80)
    assert np.allclose(read_recording(target).data, read_recording(path).data)


def test_pseudonymized_import_and_export_keep_recordings_readable_without_their_names(tmp_path):
    from edxlab.store import export_dataset, load_dataset, open_store

    key_file = tmp_path / "key.txt"
    key_file.write_text(KEY.decode())
    db = tmp_path / "lab.duckdb"
    runner = CliRunner()
    res = runner.invoke(app, ["import", str(EXAMPLE), "--db", str(db), "--pseudonymize", str(key_file)])
    assert res.exit_code == 0, res.output
    con = open_store(db, create=False, read_only=True)
    try:
        files = load_dataset(con)["signals"]["file"].to_list()
    finally:
        con.close()
    assert files and all(f.startswith("recordings/R") and "emg_healthy" not in f for f in files)
    kept = sorted(p.name for p in (recordings_dir(db) / "recordings").iterdir())
    assert {Path(files[0]).name, Path(files[0]).stem + ".dat"} <= set(kept)
    assert not any("emg_healthy" in name for name in kept)
    res = runner.invoke(app, ["interpret", "--db", str(db), "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    muscles = pl.read_csv(tmp_path / "out" / "muscle_findings.csv", infer_schema_length=0)
    assert muscles.filter(pl.col("measured_classification").is_not_null())[
        "measured_classification"].to_list() == ["normal"]

    # a database imported with real names, exported pseudonymized: tables and recordings
    plain = tmp_path / "plain.duckdb"
    assert runner.invoke(app, ["import", str(EXAMPLE), "--db", str(plain)]).exit_code == 0
    written = export_dataset(plain, tmp_path / "export", "csv", key=KEY)
    signals = pl.read_csv(tmp_path / "export" / "signals.csv")
    assert signals["file"].to_list() == files
    assert (tmp_path / "export" / files[0]).is_file() and tmp_path / "export" / files[0] in written
    assert not any("emg_healthy" in p.name for p in written)
