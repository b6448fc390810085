"""Every nerve conduction, F-wave and blink measure against its reference limit.

Pure functions over Polars frames. The central output is the long ``measures`` frame: one row
per (study, nerve, modality, side, measure, segment) with value, NR flag, limit, bound, % of
limit, source, rule id, temperature and technique flags and the final ``abnormal`` flag (outside
the limit *and* interpretable: latencies and velocities of a cold limb are not interpreted
unless temperature correction is on).
"""

from __future__ import annotations

import io
from functools import cache
from importlib import resources

import numpy as np
import polars as pl

from edxlab.interpret.config import InterpretConfig
from edxlab.frames import gather_index
from edxlab.interpret.ncs_frames import aligned
from edxlab.reference.ncs_criteria import ncs_criteria
from edxlab.reference.profiles import default_profile_name, profiles_frame

NERVE_KEY = ["study_id", "nerve", "modality", "side"]
MODALITY_CODES = {"motor": 0, "sensory": 1, "mixed": 2, "reflex": 3}


def nerve_codes(*frames: pl.DataFrame) -> dict[str, int]:
    """Integer code of every nerve (reference table first, then any other nerve in the data)."""
    names = list(nerve_table()["nerve"])
    seen = set(names)
    for f in frames:
        if "nerve" in f.columns:
            for n in f["nerve"].unique().drop_nulls().sort().to_list():
                if n not in seen:
                    names.append(n)
                    seen.add(n)
    return {n: i for i, n in enumerate(names)}


def with_nid(frame: pl.DataFrame, cov: pl.DataFrame, codes: dict[str, int]) -> pl.DataFrame:
    """Add ``sidx`` (study index) and ``nid``: one integer per nerve study (study, nerve,
    modality, side), ordered like the studies, then the nerve table. Rows of unknown studies
    are dropped."""
    return frame.join(cov.select("study_id", "sidx"), on="study_id", how="inner").with_columns(
        nid=_nid(pl.col("sidx"), codes))


def _nid(sidx, codes: dict[str, int]) -> pl.Expr:
    return (
        sidx * 4096
        + _nerve_code(codes) * 8
        + _modality_code() * 2
        + (pl.col("side") == "R").cast(pl.Int64)
    )


def _modality_code() -> pl.Expr:
    """``MODALITY_CODES`` of the modality column (other values: reflex). Four equality tests:
    on the long response frames cheaper than a hash lookup."""
    expr = pl.lit(MODALITY_CODES["reflex"], pl.Int64)
    for value, code in MODALITY_CODES.items():
        expr = pl.when(pl.col("modality") == value).then(pl.lit(code, pl.Int64)).otherwise(expr)
    return expr


def _nerve_code(codes: dict[str, int]) -> pl.Expr:
    """``codes`` of the nerve column (a cast to an enum of the codes: one lookup per row)."""
    return pl.col("nerve").cast(pl.Enum(list(codes))).to_physical().cast(pl.Int64)


LATENCY_MEASURES = ("distal_latency", "fwave_latency", "r1", "r2_ipsi", "r2_contra")
TEMP_SENSITIVE = ("distal_latency", "cv", "fwave_latency")
MEASURE_CODES = {"distal_latency": 0, "amplitude": 1, "cv": 2, "fwave_latency": 3,
                 "side_amplitude_ratio": 4, "r1": 5, "r2_ipsi": 6, "r2_contra": 7,
                 "temperature": 8}

MEASURE_SCHEMA: dict[str, pl.DataType] = {
    "study_id": pl.String,
    "nerve": pl.String,
    "modality": pl.String,
    "side": pl.String,
    "nid": pl.Int64,
    "sidx": pl.Int64,
    "record_site": pl.String,
    "measure": pl.String,
    "seg": pl.Int64,
    "segment_site": pl.String,
    "segment_label": pl.String,
    "value": pl.Float64,
    "nr": pl.Boolean,
    "distance_mm": pl.Float64,
    "temp_c": pl.Float64,
}


def _ref_csv(name: str) -> pl.DataFrame:
    text = resources.files("edxlab.reference").joinpath(name).read_text("utf-8")
    return pl.read_csv(io.StringIO(text), infer_schema=False)


@cache
def nerve_table() -> pl.DataFrame:
    """nerve -> limb (upper/lower/cranial/other), distal lesion site, distal entrapment, label."""
    return _ref_csv("ncs_nerves.csv").with_columns(
        pl.col("distal_site").fill_null(""),
        pl.col("distal_entrapment").str.to_lowercase() == "true",
    )


@cache
def site_order() -> pl.DataFrame:
    return _ref_csv("ncs_sites.csv").with_columns(pl.col("order").cast(pl.Int64))


@cache
def segment_table() -> pl.DataFrame:
    return _ref_csv("ncs_segments.csv").select(
        "nerve",
        pl.col("proximal_site").alias("stim_site"),
        pl.col("segment_site").fill_null(""),
        (pl.col("entrapment").str.to_lowercase() == "true").alias("entrapment"),
        (pl.col("cb_excluded").str.to_lowercase() == "true").alias("cb_excluded"),
    )


def study_covariates(ds, config: InterpretConfig) -> pl.DataFrame:
    """study_id, patient_id, age, height_cm, temp_upper_c, temp_lower_c, profile."""
    studies = ds["studies"]
    patients = ds["patients"].select("patient_id", "birth_year")
    default = config.profile or default_profile_name()
    prof = pl.lit(default)
    if not config.override_profile:
        prof = pl.coalesce(pl.col("reference_profile"), prof)
    return (
        studies.join(patients, on="patient_id", how="left")
        .select(
            "study_id",
            "patient_id",
            "study_date",
            pl.coalesce(
                pl.col("age_years"),
                (pl.col("study_date").dt.year() - pl.col("birth_year")).cast(pl.Float64),
            ).alias("age"),
            "height_cm",
            "temp_upper_c",
            "temp_lower_c",
            prof.alias("profile"),
        )
        .with_row_index("sidx")
        .with_columns(pl.col("sidx").cast(pl.Int64))
    )


def ncs_segments(ncs: pl.DataFrame, cov: pl.DataFrame, codes: dict[str, int]) -> pl.DataFrame:
    """Order each nerve study's stimulation sites distal -> proximal and derive its segments.

    Returns one row per response with ``rank`` (0 = distal) and, for proximal rows, the segment
    from the next more distal site: segment CV (machine value, else distance / latency
    difference), amplitude/area drop % and duration increase %, segment site code, entrapment
    and conduction-block exclusion flags. Rows are sorted by (nid, order), so neighbours within a
    nerve study are found by shifting (no per-group work).
    """
    sites = _site_codes()
    # the study index is looked up on the key column only, the site order and the segment
    # table by integer codes; the responses are gathered once, in (nid, order) order
    sidx = aligned(ncs, cov.select("study_id", "sidx"), on="study_id").to_series()
    # a cast to an enum of the known sites (unknown sites: null, then the last code)
    site = (pl.col("stim_site").cast(pl.Enum(list(sites)), strict=False).to_physical()
            .cast(pl.Int64).fill_null(len(sites)))
    df = ncs.with_columns(
        sidx=sidx,
        nid=_nid(sidx, codes),
        _site=site,
    ).with_columns(order=pl.lit(_site_orders(sites)).gather(pl.col("_site")))
    if sidx.null_count():  # rows of unknown studies are dropped
        df = df.filter(pl.col("sidx").is_not_null())
    # one integer sort key (site orders are below 128)
    df = df.sort(pl.col("nid") * 128 + pl.col("order").clip(0, 127), maintain_order=True
                 ).with_columns(pl.col("nid").set_sorted())
    same = pl.col("nid") == pl.col("nid").shift(1)
    idx = pl.int_range(pl.len(), dtype=pl.Int64)
    df = df.with_columns(
        _same=same.fill_null(False),
        # a row number (gather index): UInt32, the index type, so gathers need no conversion
        _start=pl.when(~same.fill_null(False)).then(idx).forward_fill().cast(pl.UInt32),
    )

    def prev(c: str) -> pl.Expr:
        return pl.when(pl.col("_same")).then(pl.col(c).shift(1))

    df = (
        df.with_columns(
            (idx - pl.col("_start")).alias("rank"),
            prev("stim_site").alias("from_site"),
            prev("latency_ms").alias("prev_latency"),
            prev("amplitude").alias("prev_amplitude"),
            prev("area").alias("prev_area"),
            prev("duration_ms").alias("prev_duration"),
            pl.col("amplitude").gather(pl.col("_start")).alias("distal_amplitude"),
            pl.col("record_site").gather(pl.col("_start")).alias("nerve_record_site"),
            pl.col("temp_c").max().over("nid").alias("nerve_temp_c"),
        )
        .drop("_same", "_start")
    )
    df = df.hstack(_segment_attributes(df, codes, sites).get_columns()).drop("_site")
    dlat = pl.col("latency_ms") - pl.col("prev_latency")
    return df.with_columns(
        pl.when(pl.col("rank") > 0)
        .then(pl.coalesce(pl.col("cv_ms"),
                          pl.when(dlat > 0).then(pl.col("distance_mm") / dlat)).round(1))
        .alias("segment_cv"),
        pl.when((pl.col("rank") > 0) & (pl.col("prev_amplitude") > 0))
        .then((1 - pl.col("amplitude") / pl.col("prev_amplitude")) * 100)
        .alias("amp_drop_pct"),
        pl.when((pl.col("rank") > 0) & (pl.col("prev_area") > 0))
        .then((1 - pl.col("area") / pl.col("prev_area")) * 100)
        .alias("area_drop_pct"),
        pl.when((pl.col("rank") > 0) & (pl.col("prev_duration") > 0))
        .then((pl.col("duration_ms") / pl.col("prev_duration") - 1) * 100)
        .alias("duration_increase_pct"),
        pl.col("segment_site").fill_null(""),
        pl.col("entrapment").fill_null(False),
        pl.col("cb_excluded").fill_null(False),
        pl.concat_str([pl.col("from_site"), pl.col("stim_site")], separator="-").alias(
            "segment_label"),
    )


def _measure(name: str) -> dict[str, pl.Expr]:
    """The ``measure`` column of a part of the measures frame and its integer code (the limit
    key is built from the code, so the measure names are never compared row by row)."""
    return dict(measure=pl.lit(name), _mcode=pl.lit(MEASURE_CODES[name], pl.Int64))


def _site_codes() -> dict[str, int]:
    """Integer code of every stimulation site of the site and segment tables."""
    names = [*site_order()["stim_site"], *segment_table()["stim_site"]]
    return {x: i for i, x in enumerate(dict.fromkeys(names))}


def _site_orders(sites: dict[str, int]) -> pl.Series:
    """Distal -> proximal order of each site code, then of an unknown site (99: last)."""
    order = dict(zip(site_order()["stim_site"], site_order()["order"]))
    return pl.Series([*(order.get(x, 99) for x in sites), 99], dtype=pl.Int64)


def _segment_attributes(df: pl.DataFrame, codes: dict[str, int],
                        sites: dict[str, int]) -> pl.DataFrame:
    """The segment table's columns (segment site, entrapment, conduction-block exclusion) of
    each response, by (nerve code, site code ``_site``): a dense lookup, no join."""
    seg = segment_table()
    width = len(sites) + 1
    known = seg.filter(pl.col("nerve").is_in(list(codes)))
    none = len(codes) * width  # the last slot: no segment (also for a missing nerve)
    slot = np.full(none + 1, -1, np.int64)
    slot[np.array([codes[n] * width + sites[x] for n, x in
                   zip(known["nerve"], known["stim_site"])], np.int64)] = np.arange(known.height)
    at = df.select(((pl.col("nid") // 8) % 512 * width + pl.col("_site")).fill_null(none)
                   ).to_series().to_numpy()
    return known.select(pl.exclude("nerve", "stim_site").gather(gather_index(slot[at])))


def _nerve_measures(rows: pl.DataFrame) -> list[pl.LazyFrame]:
    """Long measure rows from the ordered responses (distal latency, amplitude, CVs)."""
    rows = rows.lazy()  # each part gathers only the columns it needs
    distal = rows.filter(pl.col("rank") == 0)
    base = [
        "study_id", "nerve", "modality", "side", "nid", "sidx",
        pl.col("nerve_record_site").fill_null("").alias("record_site"),
    ]
    common = dict(seg=pl.lit(0, pl.Int64), segment_site=pl.lit(""), segment_label=pl.lit(""))
    lat = distal.select(
        *base, **_measure("distal_latency"), **common,
        value=pl.col("latency_ms"), nr=pl.col("latency_ms_nr"),
        distance_mm=pl.col("distance_mm"), temp_c=pl.col("nerve_temp_c"),
    )
    amp = distal.select(
        *base, **_measure("amplitude"), **common,
        value=pl.col("amplitude"), nr=pl.col("amplitude_nr"),
        distance_mm=pl.col("distance_mm"), temp_c=pl.col("nerve_temp_c"),
    )
    # sensory/mixed single-site velocity: the machine's value, else distance/onset latency
    scv = distal.filter(pl.col("modality") != "motor").select(
        *base, **_measure("cv"), **common,
        value=pl.coalesce(
            pl.col("cv_ms"),
            pl.when((pl.col("latency_kind") == "onset") & (pl.col("latency_ms") > 0))
            .then(pl.col("distance_mm") / pl.col("latency_ms")),
        ),
        nr=pl.lit(False), distance_mm=pl.col("distance_mm"), temp_c=pl.col("nerve_temp_c"),
    ).filter(pl.col("value").is_not_null())
    mcv = rows.filter((pl.col("rank") > 0) & pl.col("segment_cv").is_not_null()).select(
        *base, **_measure("cv"), seg=pl.col("rank"),
        segment_site=pl.col("segment_site"), segment_label=pl.col("segment_label"),
        value=pl.col("segment_cv"), nr=pl.lit(False),
        distance_mm=pl.col("distance_mm"), temp_c=pl.col("nerve_temp_c"),
    )
    return [lat, amp, scv, mcv]


def _fwave_measures(fw: pl.DataFrame, cov: pl.DataFrame, codes: dict[str, int]) -> pl.LazyFrame:
    fw = with_nid(fw.with_columns(modality=pl.lit("motor")), cov, codes)
    return fw.lazy().select(
        "study_id", "nerve", "modality", "side", "nid", "sidx",
        record_site=pl.lit(""), **_measure("fwave_latency"), seg=pl.lit(0, pl.Int64),
        segment_site=pl.lit(""), segment_label=pl.lit(""),
        value=pl.col("min_latency_ms"), nr=pl.col("min_latency_ms_nr"),
        distance_mm=pl.lit(None, pl.Float64), temp_c=pl.lit(None, pl.Float64),
    )


def _blink_measures(bl: pl.DataFrame, cov: pl.DataFrame,
                    codes: dict[str, int]) -> list[pl.LazyFrame]:
    bl = with_nid(bl.with_columns(nerve=pl.lit("blink"), modality=pl.lit("reflex"),
                                  side=pl.col("stim_side")), cov, codes).lazy()
    return [bl.select(
        "study_id", "nerve", "modality", "side", "nid", "sidx",
        record_site=pl.lit(""), **_measure(m),
        seg=pl.lit(0, pl.Int64), segment_site=pl.lit(""), segment_label=pl.lit(""),
        value=pl.col(col), nr=pl.col(f"{col}_nr"),
        distance_mm=pl.lit(None, pl.Float64), temp_c=pl.lit(None, pl.Float64),
    ) for m, col in (("r1", "r1_ms"), ("r2_ipsi", "r2_ipsi_ms"), ("r2_contra", "r2_contra_ms"))]


def _side_ratios(amp: pl.LazyFrame) -> pl.LazyFrame:
    """Amplitude as a fraction of the other side's, where both sides have a response.

    The other side of a nerve study is ``nid`` with the side bit flipped, so in ``nid`` order
    the two sides are neighbours: no join needed."""
    amp = amp.filter(~pl.col("nr").fill_null(False) & pl.col("value").is_not_null()).sort(
        "nid", maintain_order=True)
    nid, v = pl.col("nid"), pl.col("value")
    other = (pl.when((nid % 2 == 1) & (nid.shift(1) == nid - 1)).then(v.shift(1))
             .when((nid % 2 == 0) & (nid.shift(-1) == nid + 1)).then(v.shift(-1)))
    return (
        amp.with_columns(_other=other)
        .filter(pl.col("_other") > 0)
        .with_columns(
            **_measure("side_amplitude_ratio"),
            value=pl.col("value") / pl.col("_other"),
            distance_mm=pl.lit(None, pl.Float64),
        )
        .drop("_other")
    )


def _code(column: str, codes: dict[str, int]) -> pl.Expr:
    """Small integer code of a string column (null for values not in ``codes``)."""
    return pl.col(column).replace_strict(codes, default=None, return_dtype=pl.Int64)


def _is_measure(*names: str) -> pl.Expr:
    """Rows of the measures ``names`` (by the measure code ``_mcode``, not the name)."""
    return pl.col("_mcode").is_in([MEASURE_CODES[n] for n in names])


def _limit_key(profile_code: pl.Expr, nerve_code: pl.Expr, modality_code: pl.Expr,
               measure_code: pl.Expr) -> pl.Expr:
    """One integer per (profile, nerve, modality, measure): the join key of the limits."""
    return ((profile_code * 512 + nerve_code) * 4 + modality_code) * 16 + measure_code


def nerve_attr(column: str) -> pl.Expr:
    """``column`` of the nerve table for each row, looked up by the nerve code held in ``nid``
    (codes follow the nerve table, see ``nerve_codes``; other nerves get null)."""
    nt = nerve_table()
    # (one chunk: a gather from two is ~3x slower)
    values = pl.concat([nt[column], pl.Series([None], dtype=nt[column].dtype)], rechunk=True)
    return pl.lit(values).gather(_nerve_row(nt.height))


def _nerve_row(height: int) -> pl.Expr:
    """Row of the nerve table of each row's nerve (by the code in ``nid``; ``height`` for a
    nerve outside the table), as a gather index."""
    return ((pl.col("nid") // 8) % 512).clip(upper_bound=height).cast(pl.UInt32)


def _limb_index(limbs: list[str]) -> pl.Expr:
    """Index in ``limbs`` of each row's limb, by the nerve code in ``nid`` (nerves outside the
    nerve table, or without a limb: ``other``)."""
    nt = nerve_table()
    index = {x: i for i, x in enumerate(limbs)}
    per_nerve = [index[x] if x is not None else index["other"] for x in nt["limb"]]
    table = pl.Series([*per_nerve, index["other"]], dtype=pl.UInt32)
    return pl.lit(table).gather(_nerve_row(nt.height))


def _limb_temperatures(covariates: pl.DataFrame, limbs: list[str]) -> pl.Series:
    """The recorded temperature of each (limb, study): row ``limb index * studies + sidx``
    (upper and lower limbs have one; other limbs none)."""
    temp = {"upper": covariates["temp_upper_c"], "lower": covariates["temp_lower_c"]}
    none = pl.Series([None] * covariates.height, dtype=pl.Float64)
    return pl.concat([temp.get(x, none).cast(pl.Float64) for x in limbs], rechunk=True)


def _attach_limits(m: pl.DataFrame, limits: pl.DataFrame) -> pl.DataFrame:
    """Attach each measure row's most specific applicable profile row.

    Keys (profile, nerve, modality, measure; one integer ``_lkey``, which ``m`` carries) with
    a single unconditional row are looked up directly. The rows of the few stratified keys
    (age/height strata, record-site variants, wildcard plus specific rows) are walked from the
    most to the least specific (record site, then age, then height; ties, which the shipped
    profiles do not have: the first row): each claims the measures it applies to that no more
    specific row has claimed. The limit columns are gathered once and stacked onto ``m``.
    """
    key = "_lkey"
    lim = limits.select(
        key,
        pl.col("record_site").alias("lim_record_site"),
        "bound", "limit", "unit", "age_min", "age_max", "height_min", "height_max",
        "per_cm_height", "ref_height_cm", pl.col("distance_mm").alias("ref_distance_mm"),
        # string views: gathering the long citation into every row copies no text
        "absent_normal", "source", "wildcard",
    ).filter(pl.col(key).is_not_null())
    out_cols = ["bound", "limit", "unit", "ref_distance_mm", "absent_normal", "source"]
    conditional = (
        pl.col("age_min").is_not_null() | pl.col("age_max").is_not_null()
        | pl.col("height_min").is_not_null() | pl.col("height_max").is_not_null()
        | pl.col("per_cm_height").is_not_null() | (pl.col("lim_record_site") != "")
    )
    score = (
        (~pl.col("wildcard")).cast(pl.Int32) * 16
        + (pl.col("lim_record_site") != "").cast(pl.Int32) * 8
        + (pl.col("age_min").is_not_null() | pl.col("age_max").is_not_null()).cast(pl.Int32) * 4
        + (pl.col("height_min").is_not_null() | pl.col("height_max").is_not_null()
           | pl.col("per_cm_height").is_not_null()).cast(pl.Int32) * 2
    )
    lim = lim.with_columns(_n=pl.len().over(key), _cond=conditional.any().over(key))
    simple = lim.filter((pl.col("_n") == 1) & ~pl.col("_cond"))
    stratified = (lim.filter((pl.col("_n") > 1) | pl.col("_cond"))
                  .with_columns(_score=score).with_row_index("_lrow")
                  .sort(["_score", "_lrow"], descending=[True, False]))

    # keys are small integers: dense lookup arrays instead of hash joins over every row
    keys = m[key].fill_null(-1).to_numpy()
    size = max(int(keys.max(initial=0)), int(lim[key].max() or 0)) + 1
    simple_row = np.full(size, -1, np.int64)
    simple_row[simple[key].to_numpy()] = np.arange(simple.height)
    is_stratified = np.zeros(size, bool)
    is_stratified[stratified[key].to_numpy()] = True
    rid = np.flatnonzero(is_stratified[keys] & (keys >= 0))
    sub = m.select(key, "record_site", "age", "height_cm")[rid]
    claimed = np.full(len(rid), -1, np.int64)
    age, h = pl.col("age"), pl.col("height_cm")
    for i, r in enumerate(stratified.iter_rows(named=True)):  # reference rows, not measures
        ok = pl.col(key) == r[key]
        if r["lim_record_site"] != "":
            ok &= pl.col("record_site") == r["lim_record_site"]
        for col, x, op in (("age_min", age, "ge"), ("age_max", age, "lt"),
                           ("height_min", h, "ge"), ("height_max", h, "lt")):
            if r[col] is not None:
                ok &= (x >= r[col] if op == "ge" else x < r[col]).fill_null(False)
        if r["per_cm_height"] is not None:
            ok &= h.is_not_null()
        hit = sub.select(ok.fill_null(False)).to_series().to_numpy() & (claimed < 0)
        claimed[hit] = i
    got = claimed >= 0
    best = stratified.select(*out_cols, "per_cm_height", "ref_height_cm")[claimed[got]].with_columns(
        limit=pl.when(pl.col("per_cm_height").is_not_null())
        .then(pl.col("limit") + pl.col("per_cm_height")
              * (sub["height_cm"].filter(pl.Series(got)) - pl.col("ref_height_cm")))
        .otherwise(pl.col("limit")))

    # row numbers into (simple rows, then resolved rows); the columns are gathered once
    table = pl.concat([simple.select(out_cols), best.select(out_cols)], rechunk=True)
    row = np.where(keys >= 0, simple_row[keys], -1)
    row[rid] = -1
    row[rid[got]] = simple.height + np.arange(best.height)
    return m.hstack(table.select(pl.all().gather(gather_index(row))).get_columns())


def _temperature_minima(limits: pl.DataFrame) -> pl.DataFrame:
    return limits.filter(pl.col("measure") == "temperature").select(
        "profile",
        pl.col("nerve").str.replace("_limb", "").alias("limb"),
        pl.col("limit").alias("temp_min"),
        pl.col("source").alias("temp_source"),
    )


def _measure_rows(ds, covariates: pl.DataFrame, rows: pl.DataFrame,
                  codes: dict[str, int]) -> pl.DataFrame:
    """Every measure row (``MEASURE_SCHEMA`` plus the measure code ``_mcode``): nerve
    conduction, F-wave, blink and side-to-side rows, assembled in one pass."""
    cols = [*MEASURE_SCHEMA, "_mcode"]
    schema = MEASURE_SCHEMA | {"_mcode": pl.Int64}

    def shaped(part: pl.LazyFrame) -> pl.LazyFrame:
        return part.select(cols).cast(schema).with_columns(pl.col("nr").fill_null(False))

    nerve = [shaped(p) for p in _nerve_measures(rows)]
    parts = [*nerve, shaped(_fwave_measures(ds["fwaves"], covariates, codes)),
             *[shaped(p) for p in _blink_measures(ds["blink"], covariates, codes)]]
    amplitude = nerve[1]  # the only amplitude rows
    # one contiguous chunk per column: selecting from misaligned chunks copies every time
    return pl.concat([*parts, shaped(_side_ratios(amplitude))],
                     how="vertical_relaxed").collect(engine="in-memory").rechunk()


def measure_limits(ds, covariates: pl.DataFrame, config: InterpretConfig,
                   rows: pl.DataFrame | None = None,
                   codes: dict[str, int] | None = None) -> pl.DataFrame:
    """The long measures frame (see module docstring)."""
    crit = ncs_criteria()
    codes = codes or nerve_codes(ds["ncs"], ds["fwaves"])
    if rows is None:
        rows = ncs_segments(ds["ncs"], covariates, codes)
    m = _measure_rows(ds, covariates, rows, codes)
    limits = profiles_frame(covariates["profile"].unique().drop_nulls().to_list(),
                            config.extra_profiles)
    # integer keys: profile (index in ``pnames``), nerve (``codes``), modality, measure
    pnames = sorted(limits["profile"].unique().to_list())
    pcodes = {p: i for i, p in enumerate(pnames)}
    limits = limits.with_columns(_lkey=_limit_key(
        _code("profile", pcodes), _code("nerve", codes), _code("modality", MODALITY_CODES),
        _code("measure", MEASURE_CODES)))
    # ``sidx`` is the covariates' row number and the limb follows from the nerve code in
    # ``nid``: the study and limb columns are gathered from small tables instead of joined
    limbs = sorted(set(nerve_table()["limb"].to_list()) | {"other"})
    cv = covariates.select("profile", "age", "height_cm", _pcode=_code("profile", pcodes))
    sidx = m["sidx"].cast(pl.UInt32)  # gather indexes are UInt32: converted once
    m = m.with_columns([cv[c].gather(sidx) for c in cv.columns]).with_columns(
        _limb=_limb_index(limbs))
    limb_temp = _limb_temperatures(covariates, limbs).gather(
        m["_limb"] * covariates.height + sidx)
    m = m.with_columns(
        temp_c=pl.coalesce(pl.col("temp_c"), limb_temp),
        limb=pl.lit(pl.Series(limbs)).gather(pl.col("_limb")),
        _lkey=_limit_key(pl.col("_pcode"), (pl.col("nid") // 8) % 512,
                         (pl.col("nid") // 2) % 4, pl.col("_mcode")),
    )
    # the profile's minimum temperature of the limb: a (profile x limb) table, gathered
    tmin = (pl.DataFrame({"profile": pnames}).join(pl.DataFrame({"limb": limbs}), how="cross")
            .join(_temperature_minima(limits), on=["profile", "limb"], how="left",
                  maintain_order="left"))
    at = (m["_pcode"] * len(limbs) + m["_limb"]).cast(pl.UInt32)
    m = m.hstack(tmin.select("temp_min", "temp_source").select(pl.all().gather(at)).get_columns())
    m = _attach_limits(m, limits)
    m = m.drop("_pcode", "_lkey", "_limb")

    tcfg = crit["temperature"]
    tol = float(crit["technique"]["distance_tolerance_mm"])
    cold = (pl.col("temp_c") < pl.col("temp_min")).fill_null(False)
    deficit = (pl.col("temp_min") - pl.col("temp_c"))
    sensitive = _is_measure(*TEMP_SENSITIVE)
    if config.temperature_correction:
        corrected = (
            pl.when(cold & sensitive & _is_measure("cv"))
            .then(pl.col("value") + tcfg["cv_ms_per_degc"] * deficit)
            .when(cold & _is_measure("distal_latency"))
            .then(pl.col("value") - tcfg["latency_ms_per_degc"] * deficit)
            .otherwise(pl.col("value"))
        )
    else:
        corrected = pl.col("value")
    # absence judged once per response: normal when the amplitude row says so (sural at 75+)
    absent_normal = m["nid"].filter((m["_mcode"] == MEASURE_CODES["amplitude"])
                                    & m["absent_normal"].fill_null(False))
    absent_ok = pl.col("nid").is_in(absent_normal.unique().implode())
    m = m.with_columns(cold=cold, value_used=corrected, absent_ok=absent_ok)
    v, lim = pl.col("value_used"), pl.col("limit")
    outside = (
        pl.when(pl.col("limit").is_null()).then(False)
        .when(pl.col("nr")).then(~pl.col("absent_ok"))
        .when(pl.col("bound") == "max").then(v > lim)
        .otherwise(v < lim)
    ).fill_null(False)
    uninterpretable = (
        pl.col("cold") & sensitive & ~pl.col("nr").fill_null(False)
        & pl.lit(not config.temperature_correction)
    )
    return m.with_columns(
        outside=outside,
        cold_uninterpreted=outside & uninterpretable,
        abnormal=outside & ~uninterpretable,
        pct_of_limit=pl.when(lim > 0).then(pl.col("value_used") / lim * 100).round(0),
        distance_flag=(
            _is_measure("distal_latency")
            & ((pl.col("distance_mm") - pl.col("ref_distance_mm")).abs() > tol)
        ).fill_null(False),
    ).drop("_mcode")


def rule_id() -> pl.Expr:
    """The rule id of a measure's limit: ``profile:nerve.modality.measure``."""
    return pl.concat_str([pl.col("profile"), pl.lit(":"), pl.col("nerve"), pl.lit("."),
                          pl.col("modality"), pl.lit("."), pl.col("measure")])
