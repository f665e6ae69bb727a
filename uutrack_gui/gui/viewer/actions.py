"""The viewer's actions as data, on the shared registry (:mod:`uutrack_gui.gui.actions`).

Keys mean the same in both windows: Ctrl+O opens a recording, Ctrl+S saves the frame on screen
(the main window's Ctrl+S saves the snapped frame, UUTrack's key), F1 lists the keys and mouse
gestures of both windows. The main window's F5 (snap) has no meaning here, so the viewer leaves
F5 unbound rather than giving it another one; Reload is Ctrl+R.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt5 import QtCore, QtWidgets

from uutrack_gui.gui.actions import ActionInfo, ActionRegistry, Layout, Unbound
from uutrack_gui.gui.icons import icon_or_blank
from uutrack_gui.gui.recent import recent_files

if TYPE_CHECKING:
    from uutrack_gui.gui.viewer.window import ViewerWindow

#: Menus by action key; None is a separator, "recent" the recent-files menu, "details" the
#: recording panel's show/hide action.
MENUS: dict[str, Layout] = {
    "&File": ["open", "recent", "reload", None, "close"],
    "&Export": ["export_frame", "export_range", "export_ome"],
    "&View": ["autolevels", "autolevels_continuous", "crosshair", "profile", "details"],
    "&Playback": ["play", "next", "previous", "forward", "back", "first", "last"],
    "&Recording": ["load_settings", "save_settings"],
    "&Help": ["keys"],
}
TOOLBAR: Layout = ["open", "export_frame", None, "autolevels", "crosshair", "profile", None]

#: Viewer action -> the main window's action with the same meaning, for keys bound in both.
SAME_AS_MAIN: dict[str, str] = {"open": "open", "export_frame": "save_snap", "keys": "keys"}


def viewer_actions(w: ViewerWindow) -> list[ActionInfo]:
    """The viewer's actions, bound to ``w`` (handlers, enabled-when, checked-when)."""
    panel = w.panel

    def has_file() -> bool:
        return w.path is not None

    def has_frames() -> bool:
        return w.recording is not None and w.frame_count > 0

    def has_session() -> bool:
        return w.recording is not None and w.info.loadable

    A, step, show = ActionInfo, w.step, w.show_frame  # noqa: N806 - a table, read as one
    frames = {"enabled_when": has_frames}
    return [
        A("open", "&Open…", w.choose_and_open, "open", None, "Ctrl+O",
          "Open a recording file"),
        A("reload", "&Reload", w.reload, "", None, "Ctrl+R",
          "Reopen the file (shows new frames)", enabled_when=has_file),
        A("export_frame", "Save this &frame…", w.export_frame, "export", None, "Ctrl+S",
          "Save the frame on screen as a 16-bit TIFF or PNG", **frames),
        A("export_range", "Frame &range to HDF5…", w.exporter.choose_range, "", None,
          "Ctrl+Shift+E", "Copy a range of frames into a new HDF5 recording", **frames),
        A("export_ome", "&OME-TIFF…", w.exporter.choose_ome_tiff, "", None, "Ctrl+Shift+T",
          "Write a range of frames as a multi-page OME-TIFF (Fiji, napari)", **frames),
        A("close", "&Close window", w.close, "", None, "Ctrl+W", "Close the viewer"),
        A("play", "&Play", w.toggle_play, "play", None, "Space", "Play / pause", **frames),
        A("next", "&Next frame", partial(step, 1), "", None, "Right", "Next frame", **frames),
        A("previous", "P&revious frame", partial(step, -1), "", None, "Left",
          "Previous frame", **frames),
        A("forward", "Forward 10 frames", partial(step, 10), "", None, "Shift+Right",
          **frames),
        A("back", "Back 10 frames", partial(step, -10), "", None, "Shift+Left", **frames),
        A("first", "&First frame", partial(show, 0), "", None, "Home", "First frame", **frames),
        A("last", "&Last frame", partial(show, -1), "", None, "End", "Last frame", **frames),
        A("autolevels", "&Auto levels", panel.auto_levels_once, "autolevels", None, "Ctrl+L",
          "Fit black and white levels to this frame", **frames),
        A("autolevels_continuous", "Auto levels on &every frame",
          panel.set_auto_levels_continuous, checkable=True,
          checked_when=lambda: panel.auto_levels_continuous),
        A("crosshair", "&Crosshair", panel.set_crosshair_visible, "crosshair", None, "Ctrl+H",
          "Crosshair that follows the cursor", checkable=True),
        A("profile", "Line &profile", panel.set_profile_visible, "profile", None, "Ctrl+P",
          "Values along a line you drag on the image", checkable=True),
        A("load_settings", "&Load these settings", w.request_load_settings, "settings",
          tip="Use the recording's session (camera, saving) in the main window",
          enabled_when=has_session),
        A("save_settings", "&Save settings as YAML…", w.save_settings,
          tip="Write the recording's session to a YAML file", enabled_when=has_session),
        A("keys", "&Keys and mouse", w.show_cheat_sheet, "help", None, "F1",
          "List the keys and mouse gestures of both windows"),
    ]  # fmt: skip


def viewer_action_table() -> list[ActionInfo]:
    """The viewer's actions without a viewer (handlers unbound, never to be run): for the
    main window's F1 sheet, which lists both windows' keys."""
    return viewer_actions(Unbound())  # type: ignore[arg-type]  # only keys and texts are read


def build_viewer_actions(w: ViewerWindow, details: QtWidgets.QAction) -> ActionRegistry:
    """The viewer's registry, its menus and toolbar (``details`` shows the recording panel)."""
    acts = ActionRegistry(w, viewer_actions(w))
    w.addActions(list(acts.values()))  # shortcuts work whichever child has the focus
    w.recent_menu = QtWidgets.QMenu("Open &recent", w)
    w.recent_menu.setIcon(icon_or_blank("open"))
    submenus: dict[str, Callable[[QtWidgets.QMenu], object]] = {
        "recent": lambda menu: menu.addMenu(w.recent_menu),
        "details": lambda menu: menu.addAction(details),
    }
    acts.build_menus(w.menuBar(), MENUS, submenus)
    toolbar = w.addToolBar("Viewer")
    toolbar.setObjectName("viewerToolbar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(QtCore.Qt.ToolButtonTextBesideIcon)
    toolbar.setIconSize(QtCore.QSize(22, 22))
    for key in TOOLBAR:
        toolbar.addAction(acts[key]) if key else toolbar.addSeparator()
    toolbar.addAction(details)
    return acts


def fill_recent_menu(menu: QtWidgets.QMenu, open_file: Callable[[Path], object]) -> None:
    """List the recently opened files in ``menu`` (just before it shows)."""
    menu.clear()
    files = recent_files()
    if not files:
        menu.addAction("(none)").setEnabled(False)
    for path in files:
        menu.addAction(str(path)).triggered.connect(lambda _=False, p=path: open_file(p))
