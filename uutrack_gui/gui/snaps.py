"""Snap and save a snap, as Micro-Manager users expect.

A snap is shown and stays on screen: the live view freezes on it (the camera, a recording and
the pre-record buffer go on) until the operator resumes the live display, starts a recording
or snaps again. Saving asks for the file in a save dialog prefilled with the next name; a
16-bit TIFF by default, PNG and HDF5 offered.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from uutrack_gui.acquisition.controller import AcquisitionController, ControllerError
from uutrack_gui.camera import Frame
from uutrack_gui.gui.live_view import LiveView
from uutrack_gui.gui.notifier import Notifier, sentence

SNAP_FILTER = "16-bit TIFF (*.tif *.tiff);;PNG (*.png);;HDF5 (*.h5)"

#: ``choose(title, filter, key, suggested)`` -> the file, or None if cancelled.
ChooseSave = Callable[[str, str, str, Path], Path | None]


class SnapFlow:
    """Snaps through the controller, shows them, saves them where the operator says.

    Parameters
    ----------
    controller : AcquisitionController
    live_view : LiveView
    notifier : Notifier
    choose_save : callable
        The save dialog (the window's, so tests can answer).
    """

    def __init__(
        self,
        controller: AcquisitionController,
        live_view: LiveView,
        notifier: Notifier,
        choose_save: ChooseSave,
    ) -> None:
        self._controller = controller
        self._live_view = live_view
        self._notifier = notifier
        self._choose_save = choose_save

    def snap(self) -> Frame | None:
        """One frame (the newest live one while live), shown until the live display resumes."""
        try:
            frame = self._controller.snap()
        except ControllerError as exc:
            self._notifier.error(sentence(str(exc)))
            return None
        self._live_view.show_still(frame.data, frame.counter)
        self._notifier.notify(
            f"Snapped frame {frame.counter} (shown; Resume live display, F7, shows live frames "
            "again). Ctrl+S saves it."
        )
        return frame

    def resume(self) -> None:
        """Show live frames again."""
        self._live_view.resume()

    def suggested_path(self) -> Path:
        """The next snap's file: ``<data dir>/<day>/<snap name>_<time>.tif``."""
        return self._controller.session.photo_path().with_suffix(".tif")

    def save(self, path: str | Path | None = None) -> Path | None:
        """Save the snapped frame (snapping one first if none); asks where unless ``path``."""
        if path is None:
            path = self._choose_save("Save snap", SNAP_FILTER, "snap", self.suggested_path())
            if path is None:
                return None
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(".tif")
        try:
            saved = self._controller.save_snap(path=path)
        except ControllerError as exc:
            self._notifier.error(sentence(str(exc)))
            return None
        self._notifier.notify(f"Snap saved to {saved}")
        return saved
