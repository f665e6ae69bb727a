"""F1: a cheat sheet of the keyboard shortcuts, built from the window's own actions.

Built from the actions rather than written by hand, so the sheet can never disagree with the
keys that are actually bound.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from PyQt5 import QtCore, QtGui, QtWidgets


def shortcut_rows(actions: Iterable[QtWidgets.QAction]) -> list[tuple[str, str, str]]:
    """``(key, action, what it does)`` for every action with a shortcut, in the given order."""
    rows = []
    for action in actions:
        key = action.shortcut()
        if key.isEmpty():
            continue
        text = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
        rows.append(
            (key.toString(QtGui.QKeySequence.NativeText), text.rstrip("…."), action.statusTip())
        )
    return rows


class CheatSheet(QtWidgets.QDialog):
    """A small non-modal window listing the keys.

    Parameters
    ----------
    actions : iterable of QAction
        The actions whose shortcuts are listed.
    parent : QWidget, optional
        The main window.
    """

    def __init__(
        self, actions: Iterable[QtWidgets.QAction], parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setObjectName("cheatSheet")
        self.rows = shortcut_rows(actions)
        body = "".join(
            f"<tr><td style='padding:2px 12px 2px 0'><b>{escape(key)}</b></td>"
            f"<td style='padding:2px 12px 2px 0'>{escape(name)}</td>"
            f"<td style='color:gray'>{escape(tip)}</td></tr>"
            for key, name, tip in self.rows
        )
        label = QtWidgets.QLabel(f"<table>{body}</table>")
        label.setTextFormat(QtCore.Qt.RichText)
        label.setObjectName("cheatSheetTable")
        close = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.Close)
        close.rejected.connect(self.close)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(close)
