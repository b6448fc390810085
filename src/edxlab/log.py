"""The one logger of edxlab. Never log patient identifiers or measurement values."""

from __future__ import annotations

import logging

logger = logging.getLogger("edxlab")
logger.addHandler(logging.NullHandler())


def set_level(verbose: int = 0, quiet: bool = False) -> None:
    """Configure console logging for the CLI: -v for info, -vv for debug, -q for errors only."""
    level = logging.WARNING
    if quiet:
        level = logging.ERROR
    elif verbose >= 2:
        level = logging.DEBUG
    elif verbose == 1:
        level = logging.INFO
    logger.setLevel(level)
    if not any(isinstance(h, logging.StreamHandler) and not isinstance(h, logging.NullHandler)
               for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        logger.addHandler(handler)
