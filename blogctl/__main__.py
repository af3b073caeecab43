"""Run blogctl as ``python -m blogctl`` (the console script is ``.venv/bin/blogctl``)."""

import sys

from blogctl.cli import main

sys.exit(main())
