"""Reference-limit profiles: versioned data files of nerve conduction limits, each row cited.

A profile is a table of limits, one row per (nerve, modality, record site, measure, stratum):

==================  ==============================================================================
column              meaning
==================  ==============================================================================
nerve               nerve code; ``*`` = every nerve; ``upper_limb``/``lower_limb`` for temperature
modality            ``motor``, ``sensory``, ``mixed``, ``reflex`` (blink) or ``any``
record_site         recording site code; empty = any recording site
measure             ``distal_latency``, ``amplitude``, ``cv``, ``fwave_latency``, ``r1``,
                    ``r2_ipsi``, ``r2_contra``, ``temperature``, ``side_amplitude_ratio``
bound               ``min`` (value below is abnormal) or ``max`` (value above is abnormal)
limit               the limit (unit of the measure)
unit                ms, mV, uV, m/s, degC, ratio
age_min, age_max    stratum [age_min, age_max) in years; empty = unbounded
height_min/max      stratum [height_min, height_max) in cm; empty = unbounded
per_cm_height       height adjustment: limit + per_cm_height * (height_cm - ref_height_cm);
ref_height_cm       rows with a height adjustment apply only when the height is known
distance_mm         distance of the reference technique (distal latency), for the distance check
absent_normal       true when an absent response is normal in this stratum (sural at 75+)
source              citation (required)
==================  ==============================================================================

When several rows apply to a measurement, the most specific wins (record site, then age, then
height). Shipped profiles are listed in ``profiles/profiles.toml``; a lab adds its own as a CSV
(profile name = file stem) or a TOML file (``name``, ``version``, ``description`` and
``[[limits]]`` tables with the columns above), validated with clear messages.
"""

from __future__ import annotations

import difflib
import io
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import polars as pl

from edxlab.errors import ConfigError, Issue, NotFoundError

MEASURES: dict[str, str] = {
    "distal_latency": "distal (onset for motor, peak for sensory) latency",
    "amplitude": "amplitude",
    "cv": "conduction velocity",
    "fwave_latency": "F-wave minimal latency",
    "r1": "blink reflex R1 latency",
    "r2_ipsi": "blink reflex ipsilateral R2 latency",
    "r2_contra": "blink reflex contralateral R2 latency",
    "temperature": "minimum limb temperature",
    "side_amplitude_ratio": "amplitude as a fraction of the other side's",
}
MODALITIES = ("motor", "sensory", "mixed", "reflex", "any")
BOUNDS = ("min", "max")
LIMB_NERVES = ("upper_limb", "lower_limb")

COLUMNS: dict[str, pl.DataType] = {
    "nerve": pl.String,
    "modality": pl.String,
    "record_site": pl.String,
    "measure": pl.String,
    "bound": pl.String,
    "limit": pl.Float64,
    "unit": pl.String,
    "age_min": pl.Float64,
    "age_max": pl.Float64,
    "height_min": pl.Float64,
    "height_max": pl.Float64,
    "per_cm_height": pl.Float64,
    "ref_height_cm": pl.Float64,
    "distance_mm": pl.Float64,
    "absent_normal": pl.Boolean,
    "source": pl.String,
}
REQUIRED = ("nerve", "modality", "measure", "bound", "limit", "source")
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n", ""}


@dataclass(frozen=True)
class Profile:
    name: str
    version: str
    description: str
    limits: pl.DataFrame  # COLUMNS + wildcard (row came from nerve "*") + profile
    file: str = ""


def _pkg_dir():
    return resources.files("edxlab.reference").joinpath("profiles")


@cache
def _index() -> dict:
    return tomllib.loads(_pkg_dir().joinpath("profiles.toml").read_text("utf-8"))


@cache
def known_nerves() -> tuple[str, ...]:
    text = resources.files("edxlab.reference").joinpath("ncs_nerves.csv").read_text("utf-8")
    return tuple(pl.read_csv(io.StringIO(text))["nerve"].to_list())


def default_profile_name() -> str:
    return str(_index()["default"])


def profile_names() -> list[str]:
    """Names of the profiles shipped with edxlab (sorted)."""
    return sorted(_index()["profiles"])


def _did_you_mean(value: str, options) -> str:
    """' Did you mean "x"?' for the closest option (or one the value begins), else ''."""
    options = sorted(options)
    close = difflib.get_close_matches(str(value), options, n=1)
    if not close:
        close = [o for o in options if str(value) and o.startswith(str(value))][:1]
    return f' Did you mean "{close[0]}"?' if close else ""


def _raise(issues: list[Issue], file: str) -> None:
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        first = errors[0]
        where = f"{file}, row {first.row}" if first.row else file
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise ConfigError(f"Reference profile {where}: {first.message}{more}")


def validate_limits(raw: pl.DataFrame, file: str) -> tuple[pl.DataFrame, list[Issue]]:
    """Check a raw (all-string) limits table; return the canonical frame and the issues."""
    issues: list[Issue] = []
    raw = raw.rename({c: c.strip().lower() for c in raw.columns})
    for col in REQUIRED:
        if col not in raw.columns:
            issues.append(Issue(file, None, col, None, "error",
                                f'column "{col}" is missing; a profile needs the columns '
                                + ", ".join(REQUIRED) + ".", "profile.column"))
    if issues:
        _raise(issues, file)
    for col in raw.columns:
        if col not in COLUMNS:
            issues.append(Issue(file, None, col, None, "warning",
                                f'unknown column "{col}" is ignored.'
                                + _did_you_mean(col, COLUMNS), "profile.column"))
    nerves = set(known_nerves()) | {"*"} | set(LIMB_NERVES)
    rows = raw.with_columns(pl.col(c).cast(pl.String) for c in raw.columns).to_dicts()
    out: list[dict] = []
    for i, row in enumerate(rows, start=2):
        rec: dict = {}

        def bad(col: str, msg: str, row_no: int = i) -> None:
            issues.append(Issue(file, row_no, col, row.get(col), "error", msg, "profile.value"))

        for col, dtype in COLUMNS.items():
            v = row.get(col)
            v = v.strip() if isinstance(v, str) else v
            if v in (None, ""):
                if col in REQUIRED:
                    bad(col, f'row {i}, column "{col}": a value is required.')
                rec[col] = False if col == "absent_normal" else ("" if col == "record_site" else None)
                continue
            if dtype == pl.Float64:
                try:
                    rec[col] = float(v)
                except ValueError:
                    bad(col, f'row {i}, column "{col}": "{v}" is not a number.')
                    rec[col] = None
            elif dtype == pl.Boolean:
                if v.lower() in _TRUE:
                    rec[col] = True
                elif v.lower() in _FALSE:
                    rec[col] = False
                else:
                    bad(col, f'row {i}, column "{col}": "{v}" is not true/false.')
                    rec[col] = False
            else:
                rec[col] = v
        if rec["measure"] and rec["measure"] not in MEASURES:
            bad("measure", f'row {i}, column "measure": "{rec["measure"]}" is not a measure; '
                f"accepted: {', '.join(MEASURES)}.{_did_you_mean(rec['measure'], MEASURES)}")
        if rec["bound"] and rec["bound"] not in BOUNDS:
            bad("bound", f'row {i}, column "bound": "{rec["bound"]}" is not accepted; '
                'use "min" (lower limit) or "max" (upper limit).')
        if rec["modality"] and rec["modality"] not in MODALITIES:
            bad("modality", f'row {i}, column "modality": "{rec["modality"]}" is not accepted; '
                f"accepted: {', '.join(MODALITIES)}.{_did_you_mean(rec['modality'], MODALITIES)}")
        if rec["nerve"] and rec["nerve"] not in nerves:
            bad("nerve", f'row {i}, column "nerve": "{rec["nerve"]}" is not a known nerve.'
                + _did_you_mean(rec["nerve"], nerves))
        if rec["measure"] == "temperature" and rec["nerve"] not in LIMB_NERVES:
            bad("nerve", f'row {i}: a temperature row needs nerve "upper_limb" or "lower_limb".')
        if rec["measure"] != "temperature" and rec["nerve"] in LIMB_NERVES:
            bad("nerve", f'row {i}: "{rec["nerve"]}" is only used for temperature rows.')
        for lo, hi in (("age_min", "age_max"), ("height_min", "height_max")):
            if rec[lo] is not None and rec[hi] is not None and rec[lo] >= rec[hi]:
                bad(lo, f'row {i}: {lo} ({rec[lo]:g}) must be below {hi} ({rec[hi]:g}).')
        if rec["limit"] is not None and rec["limit"] < 0:
            bad("limit", f'row {i}, column "limit": {rec["limit"]:g} is negative.')
        if (rec["per_cm_height"] is None) != (rec["ref_height_cm"] is None):
            bad("per_cm_height", f"row {i}: per_cm_height and ref_height_cm go together.")
        out.append(rec)
    _raise(issues, file)
    frame = pl.DataFrame(out, schema=COLUMNS) if out else pl.DataFrame(schema=COLUMNS)
    return frame, issues


def _expand(frame: pl.DataFrame) -> pl.DataFrame:
    """Expand ``*`` nerves and ``any`` modalities (except temperature rows) into concrete rows."""
    nerves = pl.DataFrame({"_n": [n for n in known_nerves() if n != "blink"]})
    mods = pl.DataFrame({"_m": ["motor", "sensory", "mixed"]})
    star = frame.filter((pl.col("nerve") == "*") & (pl.col("measure") != "temperature"))
    rest = frame.filter(~((pl.col("nerve") == "*") & (pl.col("measure") != "temperature")))
    star = star.join(nerves, how="cross").with_columns(nerve=pl.col("_n")).drop("_n")
    both = pl.concat([rest.with_columns(wildcard=pl.lit(False)),
                      star.with_columns(wildcard=pl.lit(True))])
    anym = both.filter((pl.col("modality") == "any") & (pl.col("measure") != "temperature"))
    keep = both.filter(~((pl.col("modality") == "any") & (pl.col("measure") != "temperature")))
    anym = anym.join(mods, how="cross").with_columns(modality=pl.col("_m")).drop("_m")
    return pl.concat([keep, anym])


def _read_raw(path: Path) -> tuple[pl.DataFrame, dict]:
    meta: dict = {}
    try:
        if path.suffix.lower() == ".csv":
            raw = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
        elif path.suffix.lower() == ".toml":
            doc = tomllib.loads(path.read_text("utf-8"))
            meta = {k: v for k, v in doc.items() if k != "limits"}
            rows = doc.get("limits", [])
            if not rows:
                raise ConfigError(f"Reference profile {path.name}: no [[limits]] tables found.")
            rows = [{k: ("" if v is None else str(v).lower() if isinstance(v, bool) else str(v))
                     for k, v in r.items()} for r in rows]
            cols = sorted({k for r in rows for k in r})
            raw = pl.DataFrame([{c: r.get(c, "") for c in cols} for r in rows],
                               schema={c: pl.String for c in cols})
        else:
            raise ConfigError(f"Reference profile {path.name}: use a .csv or .toml file.")
    except FileNotFoundError:
        raise NotFoundError(f"Reference profile file {path} does not exist.") from None
    except (tomllib.TOMLDecodeError, pl.exceptions.ComputeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Reference profile {path.name} cannot be read: {exc}") from None
    return raw, meta


def load_profile_file(path: str | Path, name: str | None = None) -> Profile:
    """Load and validate a lab's own profile (CSV or TOML). Raises ConfigError with the row."""
    path = Path(path)
    raw, meta = _read_raw(path)
    limits, _ = validate_limits(raw, path.name)
    pname = name or str(meta.get("name") or path.stem)
    return Profile(pname, str(meta.get("version", "1")), str(meta.get("description", "")),
                   _expand(limits).with_columns(profile=pl.lit(pname)), path.name)


@cache
def get_profile(name: str) -> Profile:
    """A shipped profile by name. Unknown names raise NotFoundError with the accepted names."""
    idx = _index()["profiles"]
    if name not in idx:
        raise NotFoundError(f'Reference profile "{name}" does not exist; available: '
                            f"{', '.join(profile_names())}.{_did_you_mean(name, idx)}")
    spec = idx[name]
    text = _pkg_dir().joinpath(spec["file"]).read_text("utf-8")
    raw = pl.read_csv(io.StringIO(text), infer_schema=False)
    limits, _ = validate_limits(raw, spec["file"])
    return Profile(name, str(spec.get("version", "1")), spec.get("description", ""),
                   _expand(limits).with_columns(profile=pl.lit(name)), spec["file"])


def profiles_frame(names, extra: tuple[Profile, ...] = ()) -> pl.DataFrame:
    """Limits of the named profiles (shipped or among ``extra``) stacked in one frame."""
    extra_by = {p.name: p for p in extra}
    frames = []
    for n in sorted(set(names)):
        prof = extra_by.get(n)
        if prof is None:
            if n not in _index()["profiles"]:
                avail = sorted(set(profile_names()) | set(extra_by))
                raise NotFoundError(f'Reference profile "{n}" does not exist; available: '
                                    f"{', '.join(avail)}.{_did_you_mean(n, avail)}")
            prof = get_profile(n)
        frames.append(prof.limits)
    return pl.concat(frames) if frames else get_profile(default_profile_name()).limits.clear()
