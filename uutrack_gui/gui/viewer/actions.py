"""The viewer's actions as data: one table of records, built into QActions in one loop.

Menus, toolbar, transport buttons and shortcuts all use the same QAction of each record.
(To be replaced by the shared action registry, ``gui/actions.py``, when both windows use it.)
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from PyQt5 import QtCore, QtGui, QtWidgets

from uutrack_gui.gui.icons import icon_or_blank
from uutrack_gui.gui.recent import recent_files

Keys = QtGui.QKeySequence


class Needs(Enum):
    """When an action is enabled."""

    ALWAYS = "always"
    FILE = "file"  #: a file is open
    FRAMES = "frames"  #: a recording with frames is on screen
    SESSION = "session"  #: the recording stores a session


@dataclass(frozen=True)
class ActionSpec:
    """One action of the viewer (menus, toolbar, shortcuts).

    ``handler`` names the window's method it calls (dotted for the image panel's), with
    ``args``, or with the checked state if the action is checkable.
    """

    key: str
    text: str
    handler: str
    shortcuts: tuple[str | Keys.StandardKey, ...] = ()
    icon: str = ""
    checkable: bool = False
    tip: str = ""
    needs: Needs = Needs.ALWAYS
    args: tuple[int, ...] = ()


A = ActionSpec
FRAMES, FILE, SESSION = Needs.FRAMES, Needs.FILE, Needs.SESSION
ACTIONS: tuple[ActionSpec, ...] = (
    A("open", "&Open…", "choose_and_open", (Keys.Open,), "open",
      tip="Open a recording file (Ctrl+O)"),
    A("reload", "&Reload", "reload", ("F5",), tip="Reopen the file (shows new frames)", needs=FILE),
    # Ctrl+S saved the image in the original UUTrack: the same key here.
    A("export_frame", "Export &frame…", "export_frame", ("Ctrl+E", Keys.Save), "export",
      tip="Save the frame on screen as a 16-bit TIFF or PNG (Ctrl+E)", needs=FRAMES),
    A("export_range", "Export frame &range…", "exporter.choose_range", ("Ctrl+Shift+E",),
      tip="Copy a range of frames into a new HDF5 recording", needs=FRAMES),
    A("close", "&Close window", "close", (Keys.Close,)),
    A("play", "&Play", "toggle_play", ("Space",), "play", tip="Play / pause (Space)", needs=FRAMES),
    A("next", "&Next frame", "step", ("Right",), tip="Next frame (→)", needs=FRAMES, args=(1,)),
    A("previous", "P&revious frame", "step", ("Left",), tip="Previous frame (←)", needs=FRAMES,
      args=(-1,)),
    A("forward", "Forward 10 frames", "step", ("Shift+Right",), needs=FRAMES, args=(10,)),
    A("back", "Back 10 frames", "step", ("Shift+Left",), needs=FRAMES, args=(-10,)),
    A("first", "&First frame", "show_frame", ("Home",), tip="First frame (Home)", needs=FRAMES,
      args=(0,)),
    A("last", "&Last frame", "show_frame", ("End",), tip="Last frame (End)", needs=FRAMES,
      args=(-1,)),
    A("autolevels", "&Auto levels", "panel.auto_levels_once", ("Ctrl+L",), "autolevels",
      tip="Fit black and white levels to this frame (Ctrl+L)", needs=FRAMES),
    A("autolevels_continuous", "Auto levels on &every frame", "panel.set_auto_levels_continuous",
      checkable=True),
    A("crosshair", "&Crosshair", "panel.set_crosshair_visible", ("Ctrl+H",), "crosshair",
      checkable=True, tip="Crosshair that follows the cursor (Ctrl+H)"),
    A("profile", "Line &profile", "panel.set_profile_visible", ("Ctrl+P",), "profile",
      checkable=True, tip="Values along a line you can drag (Ctrl+P)"),
    A("load_settings", "&Load these settings", "request_load_settings", icon="settings",
      tip="Use the recording's session (camera, saving) in the main window", needs=SESSION),
    A("save_settings", "&Save settings as YAML…", "save_settings", needs=SESSION),
)  # fmt: skip
#: Menus and the toolbar by action key; None is a separator, "recent" the recent-files menu.
MENUS = {
    "&File": ("open", "recent", "reload", None, "export_frame", "export_range", None, "close"),
    "&View": ("autolevels", "autolevels_continuous", "crosshair", "profile", "details"),
    "&Playback": ("play", "next", "previous", "forward", "back", "first", "last"),
    "&Recording": ("load_settings", "save_settings"),
}
TOOLBAR = ("open", "export_frame", None, "autolevels", "crosshair", "profile", None, "details")


def build_actions(window: QtWidgets.QMainWindow) -> dict[str, QtWidgets.QAction]:
    """A QAction per record of :data:`ACTIONS`, added to ``window`` (shortcuts work whichever
    child has the focus), calling the window's handler."""
    actions: dict[str, QtWidgets.QAction] = {}
    for spec in ACTIONS:
        icon = icon_or_blank(spec.icon) if spec.icon else QtGui.QIcon()
        action = QtWidgets.QAction(icon, spec.text, window)
        action.setShortcuts([Keys(key) for key in spec.shortcuts])
        action.setCheckable(spec.checkable)
        if spec.tip:
            action.setToolTip(spec.tip)
            action.setStatusTip(spec.tip)
        handler = operator.attrgetter(spec.handler)(window)
        # ``triggered`` only: a user's click or shortcut, never a programmatic setChecked().
        if spec.checkable:
            action.triggered.connect(handler)
        else:
            action.triggered.connect(lambda _checked=False, h=handler, a=spec.args: h(*a))
        window.addAction(action)
        actions[spec.key] = action
    return actions


def build_menus(
    window: QtWidgets.QMainWindow, actions: dict[str, QtWidgets.QAction]
) -> QtWidgets.QMenu:
    """Menus and toolbar of :data:`MENUS` and :data:`TOOLBAR`; returns the recent-files menu."""
    recent = QtWidgets.QMenu("Open &recent", window)
    recent.setIcon(icon_or_blank("open"))
    for title, keys in MENUS.items():
        menu = window.menuBar().addMenu(title)
        for key in keys:
            if key == "recent":
                menu.addMenu(recent)
            elif key is None:
                menu.addSeparator()
            else:
                menu.addAction(actions[key])
    toolbar = window.addToolBar("Viewer")
    toolbar.setObjectName("viewerToolbar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(QtCore.Qt.ToolButtonTextBesideIcon)
    toolbar.setIconSize(QtCore.QSize(22, 22))
    for key in TOOLBAR:
        if key is None:
            toolbar.addSeparator()
        else:
            toolbar.addAction(actions[key])
    return recent


def fill_recent_menu(menu: QtWidgets.QMenu, open_file: Callable[[Path], object]) -> None:
    """List the recently opened files in ``menu`` (just before it shows)."""
    menu.clear()
    files = recent_files()
    if not files:
        menu.addAction("(none)").setEnabled(False)
    for path in files:
        menu.addAction(str(path)).triggered.connect(lambda _=False, p=path: open_file(p))


def update_enabled(
    actions: dict[str, QtWidgets.QAction], file: bool, frames: bool, session: bool
) -> None:
    """Enable each action of :data:`ACTIONS` by what it needs and what there is."""
    has = {Needs.ALWAYS: True, Needs.FILE: file, Needs.FRAMES: frames, Needs.SESSION: session}
    for spec in ACTIONS:
        actions[spec.key].setEnabled(has[spec.needs])
