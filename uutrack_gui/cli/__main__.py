"""``python -m uutrack_gui.cli``: the same as ``uutrack``."""

import sys

from uutrack_gui.cli import main

sys.exit(main())
