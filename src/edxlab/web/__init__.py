"""edxlab.web: the local web app (FastAPI + Jinja2, server-rendered, no network at run time).

``create_app(WebConfig(db=...))`` builds the app; ``edxlab serve`` runs it with uvicorn.
Pages live one module per page in :mod:`edxlab.web.pages`; the layer only parses requests and
delegates to :mod:`edxlab.io`, :mod:`edxlab.store`, :mod:`edxlab.interpret`,
:mod:`edxlab.cohort` and :mod:`edxlab.report`.
"""

from edxlab.web.app import create_app
from edxlab.web.config import WebConfig

__all__ = ["WebConfig", "create_app"]
