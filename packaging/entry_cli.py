"""PyInstaller entry point of the ``uutrack`` command-line executable.

:func:`multiprocessing.freeze_support` must run before anything else: the saver is a
``multiprocessing`` process started with the *spawn* method, which in a frozen program re-runs
this very executable with special arguments; ``freeze_support`` recognises them, runs the child
and exits instead of starting the CLI a second time.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()

    from uutrack_gui import cli

    sys.exit(cli.main())
