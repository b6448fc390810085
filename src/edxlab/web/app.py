"""The app factory: ``create_app(WebConfig(db=...))`` -> a FastAPI app over one project database."""

from __future__ import annotations

import secrets
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from edxlab.cohort.selection import CohortSettings
from edxlab.web import errors, importing
from edxlab.web.config import WebConfig
from edxlab.web.database import Database
from edxlab.web.jobs import JobRunner
from edxlab.web.pages import PAGES
from edxlab.web.project import Project
from edxlab.web.rendering import static_dir
from edxlab.web.security import Guard, check_csrf
from edxlab.web.uploads import Staging


def create_app(config: WebConfig, *, secret: bytes | None = None) -> FastAPI:
    """Build the web app; the database is opened now (created unless ``read_only``)."""
    database = Database(config.db, read_only=config.read_only)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if not config.read_only and database.missing_indexes():
            app.state.jobs.submit("indexing", importing.index_job(database))
        yield
        app.state.jobs.shutdown()
        app.state.staging.cleanup()
        app.state.project.cleanup()
        database.close()

    app = FastAPI(title="edxlab", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(check_csrf)], lifespan=lifespan)
    app.state.config = config
    app.state.db = database
    app.state.jobs = JobRunner()
    app.state.staging = Staging()
    app.state.project = Project(database)
    app.state.cohort_settings = CohortSettings()
    app.state.pages = set()
    for page in PAGES:
        app.include_router(page.router)
        app.state.pages.update(getattr(page, "NAV", ()))
    app.mount("/static", StaticFiles(directory=static_dir()), name="static")
    errors.install(app)
    app.add_middleware(Guard, config=config, secret=secret or secrets.token_bytes(32))
    return app
