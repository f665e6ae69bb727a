"""Take the README's screenshots: the main window during a time-lapse, and the viewer on it.

Run on a screen (a real one, or a virtual one: ``Xvfb :61 -screen 0 1600x1000x24 &`` then
``DISPLAY=:61``)::

    python docs/screenshots/take.py [--out docs/screenshots]

The program grabs its own windows (``QWidget.grab``), so nothing else on the screen shows. It
records a real time-lapse of the simulated camera (one frame every 0.5 s, 60 frames, calibrated
at 0.1 µm per pixel) into a temporary folder, deleted afterwards, with the QSettings of a
temporary home (the user's window layout and recent files are untouched).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from uutrack_gui.acquisition.recording_plan import Lapse, Length, RecordingPlan
from uutrack_gui.config import Session

FRAMES_SHOWN = 12  # of 60: the time-lapse is under way in the picture


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    home = tempfile.mkdtemp(prefix="uutrack-shots-")
    os.environ["HOME"] = home
    os.environ["XDG_CONFIG_HOME"] = str(Path(home) / ".config")
    from PyQt5 import QtCore, QtWidgets

    from uutrack_gui.gui.main_window import MainWindow

    app = QtWidgets.QApplication(["uutrack-gui"])
    app.setOrganizationName("uutrack-shots")
    session = Session()
    session.camera.pixel_size_um = 0.1
    session.saving.directory = str(Path(home) / "data")
    session.user.name = "Lab operator"
    session.user.measurement = "40 nm gold in water"
    window = MainWindow(session)
    window.ask = lambda title, text: True
    window.resize(1400, 900)
    window.show()
    window.set_live(True)
    window.recording_bar.set_plan(RecordingPlan("beads", Length.FRAMES, 60, Lapse.INTERVAL, 0.5))
    failures: list[str] = []

    def until(condition, then, timeout_ms: int = 60_000) -> None:
        timer = QtCore.QElapsedTimer()
        timer.start()

        def check() -> None:
            if condition():
                then()
            elif timer.elapsed() > timeout_ms:
                failures.append(f"timed out: {then.__name__}")
                app.quit()
            else:
                QtCore.QTimer.singleShot(50, check)

        check()

    def record() -> None:
        if not window.start_recording():
            failures.append("Record was refused")
            app.quit()
            return
        until(lambda: _written(window) >= FRAMES_SHOWN, grab_main)

    def grab_main() -> None:
        window.grab().save(str(args.out / "main_window.png"))
        until(lambda: window.runner.state.value == "live", open_viewer)

    def open_viewer() -> None:
        viewer = window.open_viewer(window.last_result.path)
        viewer.resize(1200, 860)
        QtCore.QTimer.singleShot(2000, lambda: grab_viewer(viewer))

    def grab_viewer(viewer) -> None:
        viewer.grab().save(str(args.out / "viewer.png"))
        viewer.close()
        window.close()
        app.quit()

    until(lambda: window.panel.frame is not None and window.runner.ring_ready.is_set(), record)
    app.exec_()
    import shutil

    shutil.rmtree(home, ignore_errors=True)
    if failures:
        print("; ".join(failures), file=sys.stderr)
        return 1
    print(f"wrote {args.out / 'main_window.png'} and {args.out / 'viewer.png'}")
    return 0


def _written(window) -> int:
    status = window.controller.status().recording
    return status.frames_written if status is not None else 0


if __name__ == "__main__":
    sys.exit(main())
