"""One module per page; each holds ``router`` (and ``NAV``, the menu entries it provides)."""

from edxlab.web.pages import health, imports, login

PAGES = [health, login, imports]
