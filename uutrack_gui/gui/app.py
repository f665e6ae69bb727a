"""``uutrack-gui``: parse the command line, then build the Qt application and its window.

Qt is imported only after the arguments are parsed, so ``--help`` and ``--version`` work
without a display, and ``multiprocessing.freeze_support()`` runs first, so the saver process
starts correctly from a frozen (PyInstaller) build.

``uutrack-gui FILE`` opens only the timelapse viewer on that file (no camera); otherwise the
main window opens with the live view running.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from collections.abc import Sequence
from pathlib import Path

from uutrack_gui import __version__
from uutrack_gui.config import ConfigError, Session
from uutrack_gui.interrupts import EXIT_INTERRUPTED, Interrupts


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


def startup_session(
    config: Path | None,
    data_dir: Path | None,
    remembered_data_dir: str | None = None,
    remembered: Session | None = None,
) -> tuple[Session, list[tuple[str, str]]]:
    """The session to start with, and messages for the operator (a bad config is one).

    The session is the ``--config`` file's, else the one of the last run (``remembered``), else
    the defaults. Precedence for the data folder: ``--data-dir``, then the ``--config`` file,
    then the folder used last time (``remembered_data_dir``), then the default. A config that
    cannot be used is reported and the defaults are used instead: the program still starts.

    Returns
    -------
    session : Session
    messages : list of (level, text)
    """
    messages: list[tuple[str, str]] = []
    session = remembered if remembered is not None and config is None else Session()
    if config is not None:
        try:
            session = Session.load(config)
        except ConfigError as exc:
            messages.append(("error", f"The config was not loaded (defaults are used): {exc}"))
            config = None
        else:
            if session.ignored_keys:
                keys = ", ".join(session.ignored_keys)
                messages.append(("info", f"{config}: unused keys ignored: {keys}"))
    if data_dir is not None:
        session.saving.directory = str(data_dir.expanduser().resolve())
    elif config is None and remembered_data_dir:
        session.saving.directory = remembered_data_dir
    return session, messages


#: GIL switch interval of the GUI process. Python's default (5 ms) lets a busy camera thread
#: keep the GIL for 5 ms each time the GUI thread asks for it, and Qt calls back into Python
#: (pyqtgraph's items) dozens of times per repaint: the waits add up to long stalls while
#: recording. 1 ms keeps the GUI responsive at a negligible cost to the camera thread.
GUI_SWITCH_INTERVAL_S = 0.001


def tune_interpreter() -> None:
    """Settings of the interpreter for a responsive GUI process (see GUI_SWITCH_INTERVAL_S)."""
    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)


def _install_sigint(app) -> Interrupts:
    """Ctrl+C, SIGTERM, SIGHUP (terminal closed): what Stop then Quit do, without questions.

    The first signal ends any recording like the Stop button (every frame taken is written, the
    file says "interrupted"), then closes the windows, which wait for the saver to finish the
    file; a second signal aborts the recording instead. The work runs on the Qt event loop, not
    inside the handler (see :mod:`uutrack_gui.interrupts`).
    """
    from PyQt5 import QtCore

    from uutrack_gui.acquisition import AcquisitionRunner
    from uutrack_gui.storage.format import EndReason

    def runners() -> list[AcquisitionRunner]:
        widgets = app.topLevelWidgets()
        found = (getattr(widget, "runner", None) for widget in widgets)
        return [runner for runner in found if isinstance(runner, AcquisitionRunner)]

    def stop() -> None:
        for runner in runners():
            runner.stop_recording(EndReason.INTERRUPTED)
        app.closeAllWindows()

    def abort() -> None:
        for runner in runners():
            runner.abort_recording()
        app.closeAllWindows()

    interrupts = Interrupts(
        stop, abort, dispatch=lambda work: QtCore.QTimer.singleShot(0, work), prog="uutrack-gui"
    )
    interrupts.install()
    # Python runs signal handlers only between bytecodes: wake it up now and then.
    timer = QtCore.QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(250)
    return interrupts


def _exit_status(status: int, interrupts: Interrupts | None) -> int:
    """The event loop's status, or 130 when a signal ended the program (as ``uutrack record``)."""
    interrupted = interrupts is not None and interrupts.interrupted
    return EXIT_INTERRUPTED if interrupted and status == 0 else status


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``uutrack-gui``; returns the exit status."""
    multiprocessing.freeze_support()
    args = build_parser().parse_args(sys.argv[1:] if argv is None else list(argv))

    tune_interpreter()
    from PyQt5 import QtCore, QtWidgets

    QtWidgets.QApplication.setAttribute(QtCore.Qt.AA_EnableHighDpiScaling, True)
    QtWidgets.QApplication.setAttribute(QtCore.Qt.AA_UseHighDpiPixmaps, True)
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setOrganizationName("uutrack")
    app.setApplicationName("uutrack_gui")
    app.setApplicationVersion(__version__)
    try:
        from uutrack_gui.gui import icons

        app.setWindowIcon(icons.app_icon())
    except (ImportError, FileNotFoundError, OSError):
        pass  # a missing icon is cosmetic
    interrupts = _install_sigint(app)  # the name tests replace to keep their handlers

    if args.file is not None:
        try:
            from uutrack_gui.gui.viewer import ViewerWindow
        except Exception as exc:  # noqa: BLE001 - reported, whatever it is
            print(
                f"uutrack-gui: error: the timelapse viewer is not available: {exc}", file=sys.stderr
            )
            return 1
        window = ViewerWindow(args.file)
        window.show()
        return _exit_status(app.exec_(), interrupts)

    from uutrack_gui.camera import CameraError
    from uutrack_gui.gui import session_memory
    from uutrack_gui.gui.main_window import MainWindow

    remembered = QtCore.QSettings().value("folders/data", "") or None
    session, messages = startup_session(
        args.config, args.data_dir, remembered, session_memory.remembered_session()
    )
    loaded = args.config is not None and all(level != "error" for level, _ in messages)
    try:
        window = MainWindow(session, config_path=args.config if loaded else None)
    except CameraError as exc:
        # A camera that cannot be opened (a remembered Micro-Manager config that is gone, a
        # device unplugged): start with the simulated camera and say why.
        session.camera.backend = "simulated"
        messages.append(("error", f"The camera could not be opened (simulated camera used): {exc}"))
        window = MainWindow(session, config_path=args.config if loaded else None)
    app.aboutToQuit.connect(window.shutdown)  # whatever ends the loop, release the camera
    window.show()
    window.report(messages)
    window.set_live(True)
    return _exit_status(app.exec_(), interrupts)


if __name__ == "__main__":
    sys.exit(main())
