"""Readers for raw needle EMG recordings: one reader per format behind :func:`read_recording`.

Every reader returns a :class:`Recording` whose samples are in microvolts (headers may write
``uV``, ``mV``, ``mv``, ``V``; units are matched case-insensitively), with the sampling rate,
the number of clipped (saturated) samples and the header facts (age, muscle, diagnosis) when the
format carries them. Sampling rates outside 4-50 kHz are refused: needle EMG needs at least
4 kHz to resolve a MUAP's main spike.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edxlab.errors import SignalError

MIN_FS_HZ = 4000.0
MAX_FS_HZ = 50000.0

#: factor from a unit (lower case, "u" for micro) to microvolts
UNIT_TO_UV = {
    "uv": 1.0,
    "µv": 1.0,
    "μv": 1.0,
    "microvolt": 1.0,
    "microvolts": 1.0,
    "mv": 1e3,
    "millivolt": 1e3,
    "millivolts": 1e3,
    "v": 1e6,
    "volt": 1e6,
    "volts": 1e6,
    "nv": 1e-3,
}

FORMATS = ("wfdb", "edf", "wav", "csv")
_EXT_FORMAT = {
    ".hea": "wfdb",
    ".dat": "wfdb",
    ".bin": "wfdb",
    ".edf": "edf",
    ".bdf": "edf",
    ".rec": "edf",
    ".wav": "wav",
    ".csv": "csv",
    ".txt": "csv",
}


@dataclass
class Recording:
    """One channel of a needle EMG recording, in microvolts."""

    data: np.ndarray
    fs: float
    source: str
    channel: str = ""
    clipped_samples: int = 0
    meta: dict = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return len(self.data) / self.fs


def unit_factor(unit: str | None, file: str) -> float:
    """Factor converting ``unit`` to microvolts; an empty unit is taken as microvolts."""
    if unit is None or not str(unit).strip():
        return 1.0
    key = str(unit).strip().lower().replace("μ", "u").replace("µ", "u")
    if key in UNIT_TO_UV:
        return UNIT_TO_UV[key]
    raise SignalError(
        f"{file}: the signal unit '{unit}' is not a voltage; accepted units are uV, mV and V."
    )


def count_clipped(x: np.ndarray, lo: float | None = None, hi: float | None = None) -> int:
    """Samples at the converter's limits (``lo``/``hi`` when known) or flat-topped at the extremes.

    A sample is clipped when it equals a known full-scale limit, or when it equals the
    recording's maximum (minimum) inside a run of at least 3 identical samples: a needle EMG
    peak is never flat for 3 samples unless the amplifier or converter saturated.
    """
    if len(x) == 0:
        return 0
    mask = np.zeros(len(x), dtype=bool)
    if lo is not None:
        mask |= x <= lo
    if hi is not None:
        mask |= x >= hi
    for v in (x.max(), x.min()):
        at = x == v
        if at.sum() < 3:
            continue
        # run lengths of consecutive samples at the extreme value
        d = np.diff(np.concatenate(([0], at.astype(np.int8), [0])))
        starts = np.nonzero(d == 1)[0]
        ends = np.nonzero(d == -1)[0]
        for s, e in zip(starts[(ends - starts) >= 3], ends[(ends - starts) >= 3]):
            mask[s:e] = True
    return int(mask.sum())


def _check_fs(fs: float, file: str) -> float:
    fs = float(fs)
    if not np.isfinite(fs) or fs < MIN_FS_HZ or fs > MAX_FS_HZ:
        raise SignalError(
            f"{file}: sampling rate {fs:g} Hz is outside the 4000-50000 Hz accepted for needle EMG."
        )
    return fs


def _pick_channel(names: list[str], channel: str | int | None, file: str) -> int:
    if channel is None or channel == "":
        return 0
    if isinstance(channel, int) or str(channel).isdigit():
        i = int(channel)
        # channels are numbered from 1 in the interchange format; 0 is accepted as the first too
        i = i - 1 if i >= 1 else 0
        if i < len(names):
            return i
    else:
        low = [n.strip().lower() for n in names]
        if str(channel).strip().lower() in low:
            return low.index(str(channel).strip().lower())
    raise SignalError(
        f"{file}: channel '{channel}' not found; the recording has channels "
        f"{', '.join(names) or '(none)'} (or give a number from 1 to {len(names)})."
    )


def _wfdb_meta(comments: list[str]) -> dict:
    meta: dict = {}
    text = " ".join(comments)
    m = re.search(r"age>?\s*:?\s*(\d+(?:\.\d+)?)", text, re.I)
    if m:
        meta["age_years"] = float(m.group(1))
    for key in ("muscle", "diagnosis", "side"):
        for c in comments:
            m = re.match(rf"\s*<?{key}>?\s*:\s*(.+)", c, re.I)
            if m:
                meta[key] = m.group(1).strip()
    if "muscle" not in meta:
        m = re.search(r"placed in ([a-z ]+?) muscle", text, re.I)
        if m:
            meta["muscle"] = m.group(1).strip()
    if "diagnosis" not in meta:
        m = re.search(r"<diagnos[ie]s>\s*:?\s*([^<]+)", text, re.I)
        if m:
            meta["diagnosis"] = m.group(1).strip()
    return meta


def _wfdb():
    with warnings.catch_warnings():  # wfdb triggers pandas deprecation warnings on import
        warnings.simplefilter("ignore")
        import wfdb
    return wfdb


def read_wfdb(path: Path, channel=None) -> Recording:
    wfdb = _wfdb()

    base = path.with_suffix("") if path.suffix.lower() in (".hea", ".dat", ".bin") else path
    if not base.with_suffix(".hea").exists():
        raise SignalError(f"{path}: WFDB header {base.with_suffix('.hea').name} not found.")
    try:
        with warnings.catch_warnings():  # wfdb's own pandas deprecation warnings are not the user's concern
            warnings.simplefilter("ignore")
            rec = wfdb.rdrecord(str(base), physical=False)
    except Exception as exc:  # wfdb raises many kinds of errors for damaged files
        raise SignalError(f"{path}: not a readable WFDB record ({exc}).") from exc
    names = list(rec.sig_name or [f"ch{i + 1}" for i in range(rec.n_sig)])
    i = _pick_channel(names, channel, str(path))
    fs = _check_fs(rec.fs, str(path))
    d = rec.d_signal[:, i].astype(np.float64)
    gain = float(rec.adc_gain[i]) or 1.0
    base_v = float(rec.baseline[i])
    factor = unit_factor(rec.units[i] if rec.units else None, str(path))
    data = (d - base_v) / gain * factor
    fmt = str(rec.fmt[i]) if rec.fmt else "16"
    bits = {"8": 8, "16": 16, "24": 24, "32": 32, "80": 8, "212": 12, "310": 10, "311": 10}.get(fmt, 16)
    lo, hi = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    clipped = count_clipped(d, lo, hi)
    return Recording(data, fs, str(path), names[i], clipped, _wfdb_meta(rec.comments or []))


def read_edf(path: Path, channel=None) -> Recording:
    import pyedflib

    try:
        f = pyedflib.EdfReader(str(path))
    except Exception as exc:
        raise SignalError(f"{path}: not a readable EDF/EDF+/BDF file ({exc}).") from exc
    try:
        names = f.getSignalLabels()
        i = _pick_channel(names, channel, str(path))
        fs = _check_fs(f.getSampleFrequency(i), str(path))
        factor = unit_factor(f.getPhysicalDimension(i), str(path))
        data = f.readSignal(i) * factor
        dig = f.readSignal(i, digital=True)
        clipped = count_clipped(dig.astype(np.float64), f.getDigitalMinimum(i), f.getDigitalMaximum(i))
        meta = {}
        m = re.search(r"(\d{1,3})\s*y", f.getPatientAdditional() or "")
        if m:
            meta["age_years"] = float(m.group(1))
    finally:
        f.close()
    return Recording(np.asarray(data, np.float64), fs, str(path), names[i], clipped, meta)


def read_wav(path: Path, channel=None, unit: str = "uV") -> Recording:
    """WAV carries no physical unit: sample values are taken as ``unit`` (default microvolts)."""
    from scipy.io import wavfile

    try:
        fs, x = wavfile.read(str(path))
    except Exception as exc:
        raise SignalError(f"{path}: not a readable WAV file ({exc}).") from exc
    fs = _check_fs(fs, str(path))
    x = x[:, None] if x.ndim == 1 else x
    names = [f"ch{k + 1}" for k in range(x.shape[1])]
    i = _pick_channel(names, channel, str(path))
    col = x[:, i]
    lo = hi = None
    if np.issubdtype(col.dtype, np.integer):
        info = np.iinfo(col.dtype)
        lo, hi = info.min, info.max
    clipped = count_clipped(col.astype(np.float64), lo, hi)
    data = col.astype(np.float64) * unit_factor(unit, str(path))
    return Recording(data, float(fs), str(path), names[i], clipped, {})


_UNIT_IN_NAME = re.compile(r"[\[(_ ]\s*(uv|µv|μv|mv|v)\s*[\])]?$", re.I)


def read_csv(path: Path, channel=None, fs: float | None = None) -> Recording:
    """CSV: a header row; a ``time_s`` (or ``time``/``t``) column, or ``fs`` given; value columns.

    The unit is taken from the column name (``emg_uv``, ``emg (mV)``, ``signal [uV]``) or a
    ``# unit: mV`` comment line; a ``# fs: 23437.5`` comment line gives the sampling rate when
    there is no time column. Without a unit the values are microvolts.
    """
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    comments = [ln.lstrip("#").strip() for ln in lines if ln.startswith("#")]
    body = [ln for ln in lines if ln.strip() and not ln.startswith("#")]
    if not body:
        raise SignalError(f"{path}: the CSV file has no header row and no samples.")
    header = [h.strip() for h in body[0].split(",")]
    try:
        arr = np.loadtxt(body[1:], delimiter=",", ndmin=2, dtype=np.float64)
    except ValueError as exc:
        raise SignalError(f"{path}: samples must be numbers separated by commas ({exc}).") from exc
    if arr.shape[0] < 2:
        raise SignalError(f"{path}: the CSV file has fewer than 2 samples.")
    low = [h.lower() for h in header]
    tcol = next((k for k, h in enumerate(low) if h in ("time_s", "time", "t", "t_s", "seconds")), None)
    meta_unit = None
    for c in comments:
        m = re.match(r"(fs|sampling_rate|rate)\s*[:=]\s*([0-9.]+)", c, re.I)
        if m and fs is None:
            fs = float(m.group(2))
        m = re.match(r"units?\s*[:=]\s*(\S+)", c, re.I)
        if m:
            meta_unit = m.group(1)
    if tcol is not None:
        dt = np.median(np.diff(arr[:, tcol]))
        if not dt > 0:
            raise SignalError(f"{path}: column '{header[tcol]}' must increase from row to row.")
        fs = fs or 1.0 / dt
    if fs is None:
        raise SignalError(
            f"{path}: no sampling rate: add a 'time_s' column or a '# fs: <Hz>' comment line."
        )
    fs = _check_fs(fs, str(path))
    vcols = [k for k in range(len(header)) if k != tcol]
    names = [header[k] for k in vcols]
    i = _pick_channel(names, channel, str(path))
    name = names[i]
    m = _UNIT_IN_NAME.search(name)
    unit = m.group(1) if m else meta_unit
    col = arr[:, vcols[i]]
    clipped = count_clipped(col)
    return Recording(col * unit_factor(unit, str(path)), fs, str(path), name, clipped, {})


def detect_format(path: Path) -> str:
    fmt = _EXT_FORMAT.get(path.suffix.lower())
    if fmt is None:
        if path.with_suffix(".hea").exists() or Path(str(path) + ".hea").exists():
            return "wfdb"
        raise SignalError(
            f"{path}: unknown recording format '{path.suffix}'; accepted: WFDB (.hea/.dat/.bin), "
            "EDF/EDF+/BDF (.edf/.bdf), WAV (.wav), CSV (.csv)."
        )
    return fmt


def read_recording(path, format: str | None = None, channel=None, **kw) -> Recording:
    """Read one channel of a needle EMG recording, in microvolts. ``format`` overrides the extension."""
    p = Path(path)
    fmt = (format or "").strip().lower() or detect_format(p)
    if fmt in ("bdf", "edf+", "edfplus"):
        fmt = "edf"
    if fmt not in FORMATS:
        raise SignalError(f"{p}: unknown recording format '{format}'; accepted: {', '.join(FORMATS)}.")
    if fmt == "wfdb":
        base = p.with_suffix("") if p.suffix.lower() in (".hea", ".dat", ".bin") else p
        if not base.with_suffix(".hea").exists():
            raise SignalError(f"{p}: recording not found (no WFDB header {base.with_suffix('.hea')}).")
        return read_wfdb(p, channel)
    if not p.exists():
        raise SignalError(f"{p}: recording not found.")
    if fmt == "edf":
        return read_edf(p, channel)
    if fmt == "wav":
        return read_wav(p, channel, **kw)
    return read_csv(p, channel, **kw)


def read_eaf(path) -> dict[int, np.ndarray]:
    """EMGlab annotation file: the discharge times (s) of each expert-identified unit."""
    p = Path(path)
    try:
        text = p.read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise SignalError(f"{p}: annotation file not found or unreadable ({exc}).") from exc
    m = re.search(r"<emglab_spike_events>(.*?)</emglab_spike_events>", text, re.S)
    if not m:
        raise SignalError(f"{p}: not an EMGlab annotation file (no <emglab_spike_events> section).")
    rows = []
    for k, line in enumerate(m.group(1).splitlines()):
        parts = line.split()
        if not parts:
            continue
        try:
            rows.append((float(parts[0]), int(float(parts[1]))))
        except (ValueError, IndexError) as exc:
            raise SignalError(
                f"{p}: spike event line '{line.strip()}' is not 'time unit [channel]'."
            ) from exc
    units: dict[int, list[float]] = {}
    for t, u in rows:
        units.setdefault(u, []).append(t)
    return {u: np.sort(np.array(ts)) for u, ts in sorted(units.items())}
