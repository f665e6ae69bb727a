"""Opening and closing a real main window in a test, as an operator would.

Not ``qtbot.addWidget``: pytest-qt would close the window before a fixture's teardown, and a
modal question there would hang the run. Questions are answered "yes" unless a test says
otherwise.
"""

from __future__ import annotations

from uutrack_gui.config import Session
from uutrack_gui.gui.main_window import MainWindow

#: Generous: on a busy 2-core machine a window's first recording or close can take seconds.
CLOSE_WAIT_MS = 30_000


def open_main_window(qtbot, session: Session | None, active: bool = False) -> MainWindow:
    """A shown main window on ``session``; ``active`` also waits for it to have the focus."""
    window = MainWindow(session)
    window.ask = lambda title, text: True
    window.show()
    qtbot.waitExposed(window)
    if active:
        window.activateWindow()
        qtbot.waitActive(window)
    return window


def close_main_window(qtbot, window: MainWindow) -> None:
    """Close as an operator would (saying yes), wait until it has shut down, then delete it."""
    window.ask = lambda title, text: True
    if not window._shut_down:
        window.close()
        qtbot.waitUntil(lambda: window._shut_down, timeout=CLOSE_WAIT_MS)
    window.deleteLater()
