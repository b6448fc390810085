"""``python -m edxlab`` runs the command line."""

import sys

from edxlab.cli import main

sys.exit(main())
