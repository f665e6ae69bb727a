"""``uutrack-gui``: parse the command line, then build the Qt application and the main window.

Qt is imported only after the arguments are parsed, so ``--help`` and ``--version`` work
without a display, and ``multiprocessing.freeze_support()`` runs first, so the saver process
starts correctly from a frozen (PyInstaller) build.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from collections.abc import Sequence
from pathlib import Path

from uutrack_gui import __version__


def build_parser() -> argparse.ArgumentParser:
    """The ``uutrack-gui`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="uutrack-gui",
        description="Live camera preview, recording to HDF5 and a timelapse viewer.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--data-dir", type=Path, help="folder for recordings (a date subfolder is added)"
    )
    parser.add_argument("--config", type=Path, help="session YAML file to load")
    parser.add_argument("file", nargs="?", type=Path, help="a recording to open in the viewer")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``uutrack-gui``; returns the exit status."""
    multiprocessing.freeze_support()
    args = build_parser().parse_args(sys.argv[1:] if argv is None else list(argv))  # noqa: F841

    from PyQt5 import QtWidgets

    from uutrack_gui.gui.main_window import MainWindow

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setOrganizationName("uutrack")
    app.setApplicationName("uutrack_gui")
    app.setApplicationVersion(__version__)
    window = MainWindow()
    window.show()
    return app.exec_()


if __name__ == "__main__":
    sys.exit(main())
