"""``uutrack``: the recording core from the command line.

Commands::

    uutrack record OUT.h5 [--frames N | --seconds S] [--width W] [--height H] [--fps F]
                          [--max-memory MB] [--exposure MS] [--seed N] [--config FILE]
                          [--camera BACKEND] [--mm-config CFG] [--device NAME]
    uutrack info FILE
    uutrack export FILE [--recording NAME] [--frames A:B] --to OUT.ome.tif|OUT.h5
    uutrack repair FILE
    uutrack cameras [--mm-config CFG]
    uutrack gui [GUI OPTIONS]

One module per command (``record``, ``info``, ...), each with ``add_parser(commands)`` and
``run(args) -> int``. Bad input (missing or unreadable file, not HDF5, no recordings, an output
folder that does not exist or cannot be written, bad numbers) prints one line on stderr and
exits with status 2. A recording whose saver failed exits with status 1; one that a signal
(Ctrl+C, SIGTERM, SIGHUP) ended early, its file finished, exits with status 130.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from collections.abc import Sequence

from uutrack_gui import __version__
from uutrack_gui.cli import cameras, export, info, record, repair
from uutrack_gui.cli.common import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, Parser

__all__ = ["EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

#: The commands, in the order ``--help`` lists them.
COMMANDS = {
    "record": record,
    "info": info,
    "export": export,
    "repair": repair,
    "cameras": cameras,
}


def build_parser() -> argparse.ArgumentParser:
    """The ``uutrack`` argument parser."""
    parser = Parser(
        prog="uutrack",
        description="Record from a camera to HDF5 and inspect recordings.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in COMMANDS.values():
        module.add_parser(commands)
    commands.add_parser(
        "gui", help="open the main window (options as for uutrack-gui)", add_help=False
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``uutrack``; returns the exit status."""
    multiprocessing.freeze_support()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["gui"]:
        from uutrack_gui.gui.app import main as gui_main

        return gui_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    module = COMMANDS.get(args.command)
    if module is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return module.run(args)
    except KeyboardInterrupt:  # Ctrl+C outside a recording (info, repair): nothing to finish
        print("\nuutrack: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
