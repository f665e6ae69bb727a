"""Shared test set-up: no screen, isolated settings, and no thread or process left behind."""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading

import pytest

# Before anything imports Qt: tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: Threads the program starts; any of these still alive after a test is a leak.
_OUR_THREADS = ("camera", "saver-watcher", "camera-failed", "ring-warm")


@pytest.fixture(autouse=True)
def _no_leftovers():
    """Fail a test that leaves a camera thread, a saver watcher or a child process behind."""
    yield
    leaked_threads = [t.name for t in threading.enumerate() if t.name in _OUR_THREADS]
    children = multiprocessing.active_children()  # also reaps finished ones
    for child in children:
        child.kill()
    assert not leaked_threads, f"threads left running: {leaked_threads}"
    assert not children, f"processes left running: {[c.name for c in children]}"


@pytest.fixture(autouse=True)
def _isolated_qsettings(tmp_path_factory, request):
    """Keep QSettings of GUI tests away from the user's real settings; delete the test's
    windows where no Qt code is running, and fail a test that leaves a window open."""
    if "qtbot" not in request.fixturenames and "qapp" not in request.fixturenames:
        yield
        return
    from PyQt5 import QtCore, QtWidgets

    folder = tmp_path_factory.mktemp("qsettings")
    QtCore.QSettings.setDefaultFormat(QtCore.QSettings.IniFormat)
    QtCore.QSettings.setPath(QtCore.QSettings.IniFormat, QtCore.QSettings.UserScope, str(folder))
    QtCore.QCoreApplication.setOrganizationName("uutrack-tests")
    QtCore.QCoreApplication.setApplicationName("uutrack_gui-tests")
    # No automatic garbage collection while a GUI test runs. A window without a Qt parent is
    # owned by its Python wrapper; once the test drops it (a local, qtbot's weak reference, a
    # viewer list), only reference cycles keep that wrapper, and the collector deletes the C++
    # window whenever some allocation triggers it: also inside a pyqtgraph method that Qt is
    # calling for that very window (InfiniteLine.boundingRect from the scene's queued
    # _q_emitUpdated), which freed the items Qt was iterating over (the suite's segfault).
    # Garbage is collected here and at the end, where no Qt code is on the stack.
    gc.collect()
    gc.disable()
    try:
        yield
        # pytest-qt closes the test's widgets and calls deleteLater() before this runs; delete
        # them now, inside their own test, rather than in whatever later test happens to
        # process events next; then the windows only the collector would have deleted.
        QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.DeferredDelete)
        gc.collect()
        QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.DeferredDelete)
        # A window still open here would live on into the next tests: close and delete it,
        # and fail the test that left it. (Dialogs with a parent window go with that window.)
        left = [
            w
            for w in QtWidgets.QApplication.topLevelWidgets()
            if w.isVisible() and w.parentWidget() is None
        ]
        names = [type(w).__name__ for w in left]
        for window in left:
            window.close()
            window.deleteLater()
        QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.DeferredDelete)
        assert not left, f"windows left open: {names}"
    finally:
        gc.enable()


@pytest.fixture
def deny_reading(monkeypatch):
    """``deny_reading(path)``: opening ``path`` fails as without read permission (even as root)."""
    import builtins

    real_open = builtins.open

    def deny(path):
        def fake_open(file, *args, **kwargs):
            if str(file) == str(path):
                raise PermissionError(13, "Permission denied", str(file))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", fake_open)

    return deny


@pytest.fixture
def viewer(qtbot):
    """An empty, shown viewer window (closed after the test)."""
    from uutrack_gui.gui.viewer import ViewerWindow  # Qt only for the tests that ask

    window = ViewerWindow()
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()
