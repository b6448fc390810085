"""Run the web app with uvicorn (what ``edxlab serve`` does)."""

from __future__ import annotations

import logging
import sys

from edxlab.log import logger
from edxlab.web.config import WebConfig, is_loopback


def serve(config: WebConfig) -> None:
    """Serve until interrupted. Warns when the host accepts connections from other machines."""
    import uvicorn

    from edxlab.web.app import create_app

    if not is_loopback(config.host):
        logger.warning(
            "Serving on %s: other machines on the network can reach this server and its patient "
            "data.%s", config.host,
            "" if config.token else " Set --token (or EDXLAB_TOKEN) to require an access token.")
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    logger.info("edxlab web app on http://%s:%d/", config.host, config.port)
    app = create_app(config)
    # Hand the interpreter between request threads every millisecond (default 5 ms), so that
    # a page being rendered does not hold up the others for long.
    sys.setswitchinterval(0.001)
    # access_log=False: uvicorn's access log prints URLs, which hold patient identifiers; the
    # app logs route templates instead (edxlab.web.security.Guard).
    uvicorn.run(app, host=config.host, port=config.port, access_log=False, log_level="warning",
                server_header=False)
