"""``python -m uutrack_gui``: the ``uutrack`` command line (``python -m uutrack_gui gui`` opens
the window)."""

import sys

from uutrack_gui.cli import main

if __name__ == "__main__":
    sys.exit(main())
