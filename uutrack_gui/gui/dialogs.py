"""Small Qt helpers the windows share: questions, file choices with remembered folders,
window geometry, docks, dropped files and the About box."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PyQt5 import QtCore, QtGui, QtWidgets

#: Files a window accepts when dropped on it.
DROPPABLE_SUFFIXES = frozenset({".h5", ".hdf5", ".hdf", ".yaml", ".yml"})


def ask(parent: QtWidgets.QWidget, title: str, question: str) -> bool:
    """A modal yes/no question; True for yes (No is the default)."""
    answer = QtWidgets.QMessageBox.question(
        parent,
        title,
        question,
        QtWidgets.QMessageBox.Yes | QtWidgets.QMessageBox.No,
        QtWidgets.QMessageBox.No,
    )
    return answer == QtWidgets.QMessageBox.Yes


def last_folder(key: str) -> str:
    """The folder last used for files of kind ``key`` ("" if none)."""
    return str(QtCore.QSettings().value(f"folders/{key}", "") or "")


def choose_file(
    parent: QtWidgets.QWidget,
    title: str,
    file_filter: str,
    key: str,
    folder: str,
    save: bool = False,
) -> Path | None:
    """A file dialog starting in ``folder``; remembers the chosen file's folder under ``key``."""
    if save:
        name, _ = QtWidgets.QFileDialog.getSaveFileName(parent, title, folder, file_filter)
    else:
        name, _ = QtWidgets.QFileDialog.getOpenFileName(parent, title, folder, file_filter)
    if not name:
        return None
    QtCore.QSettings().setValue(f"folders/{key}", str(Path(name).parent))
    return Path(name)


def restore_geometry(window: QtWidgets.QMainWindow, key: str, size: tuple[int, int]) -> None:
    """Restore the window's geometry and dock/toolbar state saved under ``key``."""
    settings = QtCore.QSettings()
    geometry = settings.value(f"{key}/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    else:
        window.resize(*size)
    state = settings.value(f"{key}/state")
    if state is not None:
        window.restoreState(state)


def save_geometry(window: QtWidgets.QMainWindow, key: str) -> None:
    """Remember the window's geometry and dock/toolbar state under ``key``."""
    settings = QtCore.QSettings()
    settings.setValue(f"{key}/geometry", window.saveGeometry())
    settings.setValue(f"{key}/state", window.saveState())


def scrolling_dock(
    window: QtWidgets.QMainWindow, title: str, name: str, widget: QtWidgets.QWidget
) -> QtWidgets.QDockWidget:
    """Put ``widget`` in a vertically scrolling dock on the window's right side."""
    scroll = QtWidgets.QScrollArea()
    scroll.setWidget(widget)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QtWidgets.QFrame.NoFrame)
    scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarAlwaysOff)
    dock = QtWidgets.QDockWidget(title, window)
    dock.setObjectName(name)
    dock.setWidget(scroll)
    dock.setMinimumWidth(300)
    window.addDockWidget(QtCore.Qt.RightDockWidgetArea, dock)
    return dock


def dropped_paths(
    event: QtGui.QDropEvent, suffixes: Iterable[str] = DROPPABLE_SUFFIXES
) -> list[Path]:
    """Local files of an accepted kind in a drag or drop event."""
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    wanted = set(suffixes)
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [p for p in paths if p.suffix.lower() in wanted]


def about(parent: QtWidgets.QWidget, html: str) -> None:
    """A non-modal About box."""
    box = QtWidgets.QMessageBox(
        QtWidgets.QMessageBox.Information,
        "About uutrack_gui",
        html,
        QtWidgets.QMessageBox.Ok,
        parent,
    )
    box.setModal(False)
    box.setAttribute(QtCore.Qt.WA_DeleteOnClose)
    box.show()
