"""The main window's actions and where they appear, declared once as data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PyQt5 import QtWidgets

from uutrack_gui.acquisition.status import RunState
from uutrack_gui.gui.actions import ActionInfo, Layout

if TYPE_CHECKING:
    from uutrack_gui.gui.main_window import MainWindow

_GREEN, _RED = "#2e8b57", "#9b1c12"

#: Menu title -> action keys; "recent" is the Open recent submenu, "docks" the dock toggles,
#: "cameras" the camera choice (see :mod:`~uutrack_gui.gui.camera_manager`).
MENUS: dict[str, Layout] = {
    "&File": [
        "open", "recent", "open_last", "show_folder", None, "save_snap", None,
        "load_session", "save_session", "session_from_recording", "reset_defaults", None, "quit",
    ],
    "&Acquisition": [
        "live", "snap", "resume_live", None, "record", "stop", "abort", None,
        "buffer", "buffer_clear",
    ],
    "&View": [
        "autolevels", "auto_continuous", "contrast", "saturation", None,
        "crosshair", "profile", None, "docks",
    ],
    "&Camera": ["cameras", None, "roi_select", "roi_apply", "roi_full", None, "settings"],
    "&Help": ["keys", "about"],
}  # fmt: skip

#: Toolbar title -> action keys. One toolbar of the operator's main actions, grouped, that
#: fits a 1024-pixel screen; the rest is in the menus (Qt shows an overflow arrow if narrower).
TOOLBARS: dict[str, Layout] = {
    "Main": [
        "live", "snap", "save_snap", None, "record", "stop", "abort", None, "buffer", None,
        "autolevels", "auto_continuous", "saturation", "crosshair", "profile", None,
        "roi_select", "roi_apply", "roi_full", None, "open", "settings",
    ],
}  # fmt: skip


def lay_out(w: MainWindow, docks: Sequence[QtWidgets.QDockWidget]) -> dict[str, QtWidgets.QToolBar]:
    """Build ``w``'s menus (with their submenus) and toolbars; returns the toolbars by title."""
    hooks = {
        "recent": lambda menu: menu.addMenu(w.recent_menu),
        "cameras": w.cameras.fill_menu,
        # Every dock can be shown again after it was closed.
        "docks": lambda menu: menu.addActions([dock.toggleViewAction() for dock in docks]),
    }
    w.acts.build_menus(w.menuBar(), MENUS, hooks)
    toolbars = w.acts.build_toolbars(w, TOOLBARS)
    w.recording_bar.set_actions(w.acts["open_last"], w.acts["show_folder"])
    return toolbars


def main_window_actions(w: MainWindow) -> list[ActionInfo]:
    """The main window's actions, bound to ``w`` (handlers, enabled-when, checked-when)."""
    c, panel, sessions = w.controller, w.panel, w.sessions

    def state_is(*states: RunState):
        return lambda: c.state in states

    def apply_roi() -> bool:
        if not sessions.apply_roi_selection(panel.selected_roi()):
            return False
        panel.set_roi_selector_visible(False)  # the frame is cut to it now
        w.acts.refresh()
        return True

    return [
        # File
        ActionInfo("open", "&Open timelapse…", w.open_timelapse, "open", None, "Ctrl+O",
                   "Open a recording in the timelapse viewer"),
        ActionInfo("save_snap", "&Save snap", w.save_snap, "save", None, "Ctrl+S",
                   "Save the snapped frame to the data folder (snaps one first if needed)"),
        ActionInfo("load_session", "&Load session…", sessions.load_dialog, "session-load",
                   tip="Load user, camera and saving settings from a YAML file"),
        ActionInfo("save_session", "Save session &as…", sessions.save_dialog, "session-save",
                   tip="Save the session (user, camera, saving) to a YAML file"),
        ActionInfo("session_from_recording", "Session from a &recording…",
                   sessions.from_recording_dialog, "session-from-recording",
                   tip="Load the settings stored in a recording's metadata"),
        ActionInfo("open_last", "Open in &viewer", w.recording.open_last,
                   "viewer", tip="Open the file of the last recording in the timelapse viewer",
                   enabled_when=lambda: w.recording.last_file() is not None),
        ActionInfo("show_folder", "Show &folder", w.recording.show_folder, "folder",
                   tip="Show the last recording's folder in the file manager"),
        ActionInfo("reset_defaults", "Reset settings to &defaults…",
                   lambda: sessions.reset_to_defaults(w.ask), "reset",
                   tip="Forget the remembered session and use the default settings"),
        ActionInfo("quit", "&Quit", w.close, "quit", None, "Ctrl+Q",
                   "Quit (finishes a recording first)"),
        # Acquisition
        ActionInfo("live", "&Live", w.set_live, "live", None, "F6",
                   "Start or stop the live view", checkable=True,
                   checked_when=lambda: c.live, text_beside_icon=True),
        ActionInfo("snap", "S&nap", w.snap, "snap", None, "F5",
                   "Take one frame and keep it on screen (the newest live frame while live)",
                   text_beside_icon=True),
        ActionInfo("resume_live", "&Resume live display", w.snaps.resume, "live", None, "F7",
                   "Show live frames again after a snap",
                   enabled_when=lambda: w.live_view.frozen),
        ActionInfo("record", "&Record", w.start_recording, "record", None, "Ctrl+M",
                   "Start recording every frame to the data folder",
                   enabled_when=lambda: c.state != RunState.RECORDING, text_beside_icon=True),
        ActionInfo("stop", "S&top", w.stop_recording, "stop", None, "Ctrl+N",
                   "Stop recording; the frames still in memory are written first",
                   enabled_when=state_is(RunState.RECORDING), text_beside_icon=True),
        ActionInfo("abort", "A&bort recording…", w.abort_recording, "abort",
                   tip="Stop now and discard the frames not written yet",
                   enabled_when=lambda: c.state.writing),
        ActionInfo("buffer", "Pre-record &buffer", w.set_prebuffer, "buffer", None, "Ctrl+B",
                   "Keep the last frames so a recording can start before the click",
                   checkable=True, checked_when=lambda: c.prebuffer_enabled),
        ActionInfo("buffer_clear", "&Clear pre-record buffer", w.recording.clear_prebuffer,
                   "buffer-clear", None, "Ctrl+F", "Drop the frames held by the pre-record buffer"),
        # View
        ActionInfo("autolevels", "&Auto levels", panel.auto_levels_once, "autolevels",
                   tip="Fit the levels to the current frame, once"),
        ActionInfo("auto_continuous", "Auto levels (&continuous)",
                   w.set_auto_levels_continuous, "autolevels", ("∞", _GREEN),
                   tip="Refit the levels on every frame", checkable=True,
                   checked_when=lambda: panel.auto_levels_continuous),
        ActionInfo("contrast", "C&ontrast controls", panel.contrast_column.setVisible,
                   "contrast", tip="Show the histogram, min/max, gamma and clip controls",
                   checkable=True, checked_when=panel.contrast_column.isVisible),
        ActionInfo("saturation", "Show &saturation", panel.set_saturation_visible,
                   "saturation", tip="Mark pixels at the camera's maximum in a warning colour",
                   checkable=True, checked_when=lambda: panel.saturation_visible),
        ActionInfo("crosshair", "C&rosshair", panel.set_crosshair_visible, "crosshair",
                   tip="A crosshair that follows the cursor", checkable=True),
        ActionInfo("profile", "Line &profile", panel.set_profile_visible, "profile",
                   tip="Values along a line you drag on the image", checkable=True),
        # Camera
        ActionInfo("roi_select", "Select &ROI", panel.set_roi_selector_visible, "roi",
                   tip="Show a rectangle to choose a region of interest", checkable=True,
                   checked_when=panel.roi_rect.isVisible),
        ActionInfo("roi_apply", "&Apply ROI to camera", apply_roi, "roi",
                   ("✓", _GREEN), tip="Restrict the camera to the rectangle (not while recording)"),
        ActionInfo("roi_full", "&Full sensor", lambda: sessions.set_roi(None), "roi", ("✕", _RED),
                   tip="Use the whole sensor again (not while recording)"),
        ActionInfo("settings", "&Settings…", sessions.show_settings, "settings",
                   tip="Camera, saving, user and display settings"),
        # Help
        ActionInfo("keys", "&Keyboard shortcuts", w.show_cheat_sheet, "help", None, "F1",
                   "List the keyboard shortcuts"),
        ActionInfo("about", "&About", w.show_about, "info", tip="About uutrack_gui"),
    ]  # fmt: skip


def main_window_action_table() -> list[ActionInfo]:
    """The main window's actions without a main window (handlers unbound, never to be run):
    for the F1 sheet of a viewer opened on its own, which lists both windows' keys."""
    from uutrack_gui.gui.actions import Unbound

    return main_window_actions(Unbound())  # type: ignore[arg-type]  # only keys and texts read
