"""Pseudonymization: keyed HMAC-SHA256 identifiers and an optional per-patient date shift.

The same key gives the same pseudonyms on every import (so re-imports match); no mapping is
stored anywhere. With ``shift_dates`` every date of a patient (studies, attacks, MRI, signs)
moves back by the same number of days (1..365, derived from the key and the patient), so intervals
within a patient are kept; a study without ``age_years`` gets the age computed from the true
date first, so ages are kept too. Free-text notes are dropped. Recording file names in
``signals`` become ``recordings/R<hex>.<ext>`` (:mod:`edxlab.store.recordings` copies the files
under those names with their identifying header fields removed).
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import polars as pl

from edxlab.errors import InputError
from edxlab.model.dataset import Dataset

MIN_KEY_BYTES = 16
DATE_COLUMNS = {"studies": "study_date", "attacks": "onset_date", "mri": "mri_date",
                "signs": "exam_date"}


def load_key(path: str | Path) -> bytes:
    """The secret key in ``path`` (at least 16 bytes, surrounding whitespace ignored)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"key file {path} not found; create one with "
                         "`python -c \"import secrets; print(secrets.token_hex(32))\" > KEYFILE`")
    key = path.read_bytes().strip()
    if len(key) < MIN_KEY_BYTES:
        raise InputError(f"key file {path} holds {len(key)} bytes; a pseudonymization key needs "
                         f"at least {MIN_KEY_BYTES} (e.g. 64 random hex characters)")
    return key


def _digest(key: bytes, kind: str, value: str) -> bytes:
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).digest()


def pseudonym(key: bytes, kind: str, value: str) -> str:
    """``P``/``S``/``R`` (patient, study, recording) + 20 hex digits of HMAC-SHA256(key, kind:value)."""
    prefix = {"patient": "P", "study": "S", "recording": "R"}[kind]
    return prefix + _digest(key, kind, value).hex()[:20]


def date_shift_days(key: bytes, patient_id: str) -> int:
    """Days to move a patient's dates: -365..-1 (backwards, so no date lands in the future)."""
    return -(int.from_bytes(_digest(key, "date_shift", patient_id)[:4], "big") % 365) - 1


def _mapping(key: bytes, kind: str, values: pl.Series) -> dict[str, str]:
    return {v: pseudonym(key, kind, v) for v in values.drop_nulls().unique().to_list()}


def pseudonymize(ds: Dataset, key: bytes, shift_dates: bool = False) -> Dataset:
    """A copy of ``ds`` with pseudonymous identifiers (and shifted dates)."""
    frames = dict(ds.frames)
    if shift_dates:
        frames = _shift_dates(frames, key)
    patients = _mapping(key, "patient", pl.concat(
        [f["patient_id"] for f in frames.values() if "patient_id" in f.columns]))
    studies = _mapping(key, "study", pl.concat(
        [f["study_id"] for f in frames.values() if "study_id" in f.columns]))
    for name, frame in frames.items():
        exprs = []
        if "patient_id" in frame.columns:
            exprs.append(pl.col("patient_id").replace_strict(patients, default=None,
                                                             return_dtype=pl.String))
        if "study_id" in frame.columns:
            exprs.append(pl.col("study_id").replace_strict(studies, default=None,
                                                           return_dtype=pl.String))
        if "note" in frame.columns:
            exprs.append(pl.lit(None, dtype=pl.String).alias("note"))
        if name == "signals" and "file" in frame.columns:  # file names often carry identifiers
            from edxlab.store.recordings import pseudonymous_file

            files = {f: pseudonymous_file(key, f) for f in frame["file"].drop_nulls().unique().to_list()}
            exprs.append(pl.col("file").replace_strict(files, default=None, return_dtype=pl.String))
        frames[name] = frame.with_columns(exprs) if exprs else frame
    return Dataset(frames=frames, source=None, issues=list(ds.issues))


def _shift_dates(frames: dict[str, pl.DataFrame], key: bytes) -> dict[str, pl.DataFrame]:
    out = dict(frames)
    ids = pl.concat([f["patient_id"] for f in frames.values() if "patient_id" in f.columns])
    shifts = {p: date_shift_days(key, p) for p in ids.drop_nulls().unique().to_list()}
    studies = frames["studies"]
    birth = frames["patients"].select("patient_id", "birth_year").unique("patient_id")
    studies = studies.join(birth, on="patient_id", how="left").with_columns(
        pl.coalesce(pl.col("age_years"),
                    (pl.col("study_date").dt.year() - pl.col("birth_year")).cast(pl.Float64)
                    ).alias("age_years")).drop("birth_year")
    out["studies"] = studies
    for name, column in DATE_COLUMNS.items():
        frame = out[name]
        days = pl.col("patient_id").replace_strict(shifts, default=0, return_dtype=pl.Int64)
        out[name] = frame.with_columns(
            (pl.col(column) + pl.duration(days=days)).cast(pl.Date).alias(column))
    return out
