"""One module per page; each holds ``router`` (and ``NAV``, the menu entries it provides)."""

from edxlab.web.pages import (
    cohort, dashboard, health, imports, jobs, login, patient, patients, reports, study,
)

PAGES = [health, login, dashboard, patients, patient, study, cohort, reports, imports, jobs]
