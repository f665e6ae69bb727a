"""The main window's actions and where they appear, declared once as data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from uutrack_gui.acquisition.status import RunState
from uutrack_gui.gui.actions import ActionInfo, Layout

if TYPE_CHECKING:
    from uutrack_gui.gui.main_window import MainWindow

_BLUE, _GREEN, _RED = "#1a4f8a", "#2e8b57", "#9b1c12"

#: Menu title -> action keys; "recent" is the Open recent submenu.
MENUS: dict[str, Layout] = {
    "&File": [
        "open", "recent", None, "save_snap", None,
        "load_session", "save_session", "session_from_recording", None, "quit",
    ],
    "&Acquisition": [
        "live", "snap", None, "record", "stop", "abort", None, "buffer", "buffer_clear",
    ],
    "&View": ["autolevels", "auto_continuous", None, "crosshair", "profile"],
    "&Camera": ["roi_select", "roi_apply", "roi_full", None, "settings"],
    "&Help": ["keys", "about"],
}  # fmt: skip

#: Toolbar title -> action keys.
TOOLBARS: dict[str, Layout] = {
    "Acquisition": [
        "live", "snap", "save_snap", None, "record", "stop", "abort", None,
        "buffer", "buffer_clear",
    ],
    "View": [
        "autolevels", "auto_continuous", "crosshair", "profile", None,
        "roi_select", "roi_apply", "roi_full",
    ],
    "File": [
        "open", "load_session", "save_session", "session_from_recording", "settings", None,
        "keys", "about", "quit",
    ],
}  # fmt: skip


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
        ActionInfo("load_session", "&Load session…", sessions.load_dialog, "settings",
                   ("↓", _BLUE), tip="Load user, camera and saving settings from a YAML file"),
        ActionInfo("save_session", "Save session &as…", sessions.save_dialog, "settings",
                   ("↑", _BLUE), tip="Save the session (user, camera, saving) to a YAML file"),
        ActionInfo("session_from_recording", "Session from a &recording…",
                   sessions.from_recording_dialog, "viewer", ("↓", _BLUE),
                   tip="Load the settings stored in a recording's metadata"),
        ActionInfo("quit", "&Quit", w.close, "quit", None, "Ctrl+Q",
                   "Quit (finishes a recording first)"),
        # Acquisition
        ActionInfo("live", "&Live", w.set_live, "live", None, "F6",
                   "Start or stop the live view", checkable=True,
                   checked_when=lambda: c.live, text_beside_icon=True),
        ActionInfo("snap", "S&nap", w.snap, "snap", None, "F5",
                   "Take one frame (the newest live frame while live)"),
        ActionInfo("record", "&Record", w.start_recording, "record", None, "Ctrl+M",
                   "Start recording every frame to the data folder",
                   enabled_when=lambda: c.state != RunState.RECORDING, text_beside_icon=True),
        ActionInfo("stop", "S&top recording", w.stop_recording, "stop", None, "Ctrl+N",
                   "Stop recording; the frames still in memory are written first",
                   enabled_when=state_is(RunState.RECORDING), text_beside_icon=True),
        ActionInfo("abort", "A&bort recording…", w.abort_recording, "abort",
                   tip="Stop now and discard the frames not written yet",
                   enabled_when=lambda: c.state.writing),
        ActionInfo("buffer", "Pre-record &buffer", w.set_prebuffer, "buffer", None, "Ctrl+B",
                   "Keep the last frames so a recording can start before the click",
                   checkable=True, checked_when=lambda: c.prebuffer_enabled),
        ActionInfo("buffer_clear", "&Clear pre-record buffer", w.clear_prebuffer,
                   "buffer-clear", None, "Ctrl+F", "Drop the frames held by the pre-record buffer"),
        # View
        ActionInfo("autolevels", "&Auto levels", panel.auto_levels_once, "autolevels",
                   tip="Fit the levels to the current frame, once"),
        ActionInfo("auto_continuous", "Auto levels (&continuous)",
                   w.set_auto_levels_continuous, "autolevels", ("∞", _GREEN),
                   tip="Refit the levels on every frame", checkable=True,
                   checked_when=lambda: panel.auto_levels_continuous),
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
