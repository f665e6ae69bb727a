"""Recently opened recordings, kept in QSettings (shared by the main window and the viewer)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PyQt5 import QtCore, QtWidgets

_KEY = "files/recent"
MAX_RECENT = 10


def _settings() -> QtCore.QSettings:
    return QtCore.QSettings()


def recent_files() -> list[Path]:
    """Most recent first; files that no longer exist are left out."""
    value = _settings().value(_KEY, [], type=list) or []
    return [Path(p) for p in value if p and Path(p).exists()]


def add_recent_file(path: str | Path) -> None:
    """Put ``path`` first in the list."""
    path = str(Path(path).resolve())
    files = [str(p) for p in recent_files() if str(p) != path]
    _settings().setValue(_KEY, [path, *files][:MAX_RECENT])


def clear_recent_files() -> None:
    """Forget the list."""
    _settings().remove(_KEY)


def fill_recent_menu(menu: QtWidgets.QMenu, open_path: Callable[[Path], object]) -> None:
    """Fill ``menu`` with the recent files (just before it shows); a click opens one."""
    menu.clear()
    files = recent_files()
    if not files:
        menu.addAction("(none)").setEnabled(False)
    for path in files:
        action = menu.addAction(str(path))
        action.triggered.connect(lambda _=False, p=path: open_path(p))
