"""One module per page; each holds ``router`` (and ``NAV``, the menu entries it provides)."""

from edxlab.web.pages import health, imports, login, patient, patients, study

PAGES = [health, login, patients, patient, study, imports]
