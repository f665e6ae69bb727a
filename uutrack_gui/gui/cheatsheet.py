"""F1: a cheat sheet of the keys and mouse gestures of both windows.

The keys come from the windows' own action tables rather than text written by hand, so the sheet
can never disagree with the keys that are bound: the window's live actions for its own keys, the
other window's table (built unbound, :class:`~uutrack_gui.gui.actions.Unbound`) for the other's,
so that a viewer opened on its own lists the main window's keys too. Mouse gestures are not
actions; they are the data table :data:`GESTURES`, kept beside the code that implements them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from html import escape

from PyQt5 import QtCore, QtGui, QtWidgets

from uutrack_gui.gui.actions import ActionInfo

#: A row of the sheet: (key or gesture, action, what it does).
Row = tuple[str, str, str]


class Window(Enum):
    """Which window an F1 sheet belongs to (its own keys come first)."""

    MAIN = "Main window"
    VIEWER = "Timelapse viewer"


@dataclass(frozen=True)
class Gesture:
    """A mouse gesture: what the operator does, what happens, and in which windows."""

    gesture: str
    does: str
    windows: tuple[Window, ...] = (Window.MAIN, Window.VIEWER)


_VIEWER = (Window.VIEWER,)
#: Every mouse gesture of both windows (the image panel is the same widget in both).
GESTURES: tuple[Gesture, ...] = (
    Gesture("Wheel on the image", "Zoom in or out around the cursor"),
    Gesture("Left drag on the image", "Pan (with the middle button while Line profile is on)"),
    Gesture("Right drag on the image", "Zoom in or out by the distance dragged"),
    Gesture("Right click on the image", "View menu: View all (fit the frame), export the view"),
    Gesture("Move over the image", "Pixel position and value below the image (and µm when "
            "calibrated); the crosshair follows the cursor when Crosshair is on"),
    Gesture("Left drag in Line profile mode", "Draw the profile line from where you press to "
            "where you let go; drag its ends to adjust; values plotted below (µm if calibrated)"),
    Gesture("Drag the ROI rectangle or its corner handles", "Move or resize the region of "
            "interest (Camera > Select ROI); x, y, width and height shown while you drag",
            (Window.MAIN,)),
    Gesture("Drag a level line of the histogram", "Set the black or the white level (continuous "
            "auto levels switches off); the axis follows the data by itself"),
    Gesture("Drag the timeline slider", "Scrub through the frames (playback pauses)", _VIEWER),
    Gesture("Click a recording in the list", "Show that recording of the file", _VIEWER),
    Gesture("Drop an HDF5 file on the window", "Open it in the viewer"),
)  # fmt: skip


def _key_text(sequence: QtGui.QKeySequence) -> str:
    return sequence.toString(QtGui.QKeySequence.NativeText)


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("….")


def shortcut_rows(actions: Iterable[QtWidgets.QAction]) -> list[Row]:
    """``(key, action, what it does)`` for every action with a shortcut, in the given order."""
    rows = []
    for action in actions:
        key = action.shortcut()
        if key.isEmpty():
            continue
        rows.append((_key_text(key), _plain(action.text()), action.statusTip()))
    return rows


def info_rows(infos: Iterable[ActionInfo]) -> list[Row]:
    """The same rows from an action table (a window that is not open)."""
    return [
        (_key_text(QtGui.QKeySequence(info.shortcut)), info.plain_text, info.tip or "")
        for info in infos
        if info.shortcut
    ]


def other_window_rows(window: Window) -> list[Row]:
    """The keys of the window that is not ``window``, from its table (no instance needed)."""
    # Imported here: each window's module imports this one.
    if window is Window.MAIN:
        from uutrack_gui.gui.viewer.actions import viewer_action_table

        return info_rows(viewer_action_table())
    from uutrack_gui.gui.main_actions import main_window_action_table

    return info_rows(main_window_action_table())


def gesture_rows() -> list[Row]:
    """``(gesture, windows, what it does)`` for every gesture of :data:`GESTURES`."""
    both = {Window.MAIN, Window.VIEWER}
    return [
        (g.gesture, "both" if set(g.windows) == both else g.windows[0].value, g.does)
        for g in GESTURES
    ]


def _table(title: str, rows: Sequence[Row]) -> str:
    cell = "<td style='padding:2px 12px 2px 0'>"
    body = "".join(
        f"<tr>{cell}<b>{escape(a)}</b></td>{cell}{escape(b)}</td>"
        f"<td style='color:gray'>{escape(c)}</td></tr>"
        for a, b, c in rows
    )
    return f"<h3>{escape(title)}</h3><table>{body}</table>"


class CheatSheet(QtWidgets.QDialog):
    """A small non-modal window listing the keys of both windows and the mouse gestures.

    Parameters
    ----------
    actions : iterable of QAction
        The actions of the window it belongs to (listed first, as :attr:`rows`).
    parent : QWidget, optional
        That window.
    window : Window
        Which window that is (the other window's keys are listed from its table).
    """

    def __init__(
        self,
        actions: Iterable[QtWidgets.QAction],
        parent: QtWidgets.QWidget | None = None,
        window: Window = Window.MAIN,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keys and mouse")
        self.setObjectName("cheatSheet")
        #: This window's keys, the other window's keys, and the mouse gestures.
        self.rows = shortcut_rows(actions)
        self.other_rows = other_window_rows(window)
        self.gestures = gesture_rows()
        other = Window.VIEWER if window is Window.MAIN else Window.MAIN
        html = (
            _table(f"Keys: {window.value.lower()}", self.rows)
            + _table(f"Keys: {other.value.lower()}", self.other_rows)
            + _table("Mouse", self.gestures)
        )
        label = QtWidgets.QLabel(html)
        label.setTextFormat(QtCore.Qt.RichText)
        label.setObjectName("cheatSheetTable")
        label.setWordWrap(True)
        scroll = QtWidgets.QScrollArea()  # fits a 1024 x 700 screen
        scroll.setWidget(label)
        scroll.setWidgetResizable(True)
        close = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.Close)
        close.rejected.connect(self.close)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(close)
        self.resize(760, 600)

    def text(self) -> str:
        """The sheet as shown (HTML)."""
        return self.findChild(QtWidgets.QLabel, "cheatSheetTable").text()
