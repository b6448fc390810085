"""The patient list: parse the filter/sort/page query and run it on the patient index.

The index (one row per patient: identifiers, antibody status, cohort classification and the
index study's findings) is a table of its own built by :mod:`edxlab.web.project` per database
generation (:class:`edxlab.store.reads.PatientIndex`); a request is one filtered, sorted,
limited SQL query on it (plus a count), with every value a bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

from edxlab.errors import InputError

#: filter name -> (column, allowed values, label). "any" always means no filter.
CHOICE_FILTERS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "criteria": ("nmosd_criteria", ("aqp4_positive", "aqp4_negative", "aqp4_unknown", "not_met"),
                 "NMOSD criteria"),
    "aqp4": ("aqp4_igg", ("positive", "negative", "not_tested", "unknown"), "AQP4-IgG"),
    "mog": ("mog_igg", ("positive", "low_positive", "negative", "not_tested", "unknown"), "MOG-IgG"),
    "polyneuropathy": ("polyneuropathy", ("none", "axonal", "demyelinating", "mixed"),
                       "Polyneuropathy"),
}
FLAG_FILTERS: dict[str, tuple[str, str]] = {
    "included": ("included", "In the cohort"),
    "mogad": ("mogad", "MOGAD"),
    "denervation": ("denervation", "Denervation"),
    "lmn": ("lmn_involvement", "LMN involvement"),
    "ncs_abnormal": ("ncs_abnormal", "NCS abnormal"),
    "explained": ("denervation_explained_by_ncs", "Denervation explained by NCS"),
    "mri_concordant": ("mri_concordant", "MRI concordant"),
}
SORTABLE = ("patient_id", "sex", "aqp4_igg", "mog_igg", "nmosd_criteria", "n_studies",
            "last_study", "denervation", "lmn_involvement", "polyneuropathy", "ncs_abnormal")
PAGE_SIZES = (25, 50, 100, 200)


@dataclass(frozen=True)
class PatientQuery:
    q: str = ""
    choices: tuple[tuple[str, str], ...] = ()   # (filter name, value)
    flags: tuple[tuple[str, bool], ...] = ()    # (filter name, wanted)
    sort: str = "patient_id"
    desc: bool = False
    page: int = 1
    per_page: int = 50

    @classmethod
    def parse(cls, params: dict[str, str]) -> PatientQuery:
        """Read the query string; an unknown value is a 400 naming what is accepted."""
        choices, flags = [], []
        for name, (_, allowed, label) in CHOICE_FILTERS.items():
            value = params.get(name, "any") or "any"
            if value != "any":
                _check(value, allowed, label)
                choices.append((name, value))
        for name, (_, label) in FLAG_FILTERS.items():
            value = params.get(name, "any") or "any"
            if value != "any":
                _check(value, ("yes", "no"), label)
                flags.append((name, value == "yes"))
        sort = params.get("sort", "patient_id") or "patient_id"
        _check(sort, SORTABLE, "Sort column")
        per_page = _integer(params.get("per_page", "50"), "per_page")
        _check(str(per_page), tuple(map(str, PAGE_SIZES)), "Rows per page")
        page = max(1, _integer(params.get("page", "1"), "page"))
        return cls(q=params.get("q", "").strip()[:64], choices=tuple(choices), flags=tuple(flags),
                   sort=sort, desc=params.get("desc") == "1", page=page, per_page=per_page)

    def params(self, **change) -> dict[str, str]:
        """Query-string parameters of this query with some values changed (for links)."""
        out = {"q": self.q, **dict(self.choices),
               **{k: "yes" if v else "no" for k, v in self.flags},
               "sort": self.sort, "desc": "1" if self.desc else "", "page": str(self.page),
               "per_page": str(self.per_page)}
        out.update({k: str(v) for k, v in change.items()})
        return {k: v for k, v in out.items() if v and not (k == "page" and v == "1")}


def _check(value: str, allowed: tuple[str, ...], label: str) -> None:
    if value not in allowed:
        raise InputError(f"{label}: got '{value}'; allowed: {', '.join(allowed)}.")


def _integer(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InputError(f"'{name}' must be a whole number, not '{value}'.") from None


@dataclass(frozen=True)
class PatientPage:
    rows: list[dict]
    total: int
    pages: int
    query: PatientQuery


def select_patients(index, query: PatientQuery, columns: tuple[str, ...] | None = None
                    ) -> PatientPage:
    """One page of the list from ``index`` (:class:`edxlab.store.reads.PatientIndex`): the
    filters, search, sort and paging run as one query over its table; rows hold ``columns``
    (None = every column of the list)."""
    from edxlab.store.reads import ListQuery

    def page_of(number: int) -> tuple[int, list[dict]]:
        return index.page(ListQuery(
            equal=tuple((CHOICE_FILTERS[name][0], value) for name, value in query.choices),
            flags=tuple((FLAG_FILTERS[name][0], wanted) for name, wanted in query.flags),
            search=query.q, sort=query.sort, desc=query.desc, limit=query.per_page,
            offset=(number - 1) * query.per_page, columns=columns))

    total, rows = page_of(query.page)
    pages = max(1, -(-total // query.per_page))
    page = min(query.page, pages)
    if page != query.page:
        total, rows = page_of(page)
    return PatientPage(rows=rows, total=total, pages=pages,
                       query=PatientQuery(**{**query.__dict__, "page": page}))
