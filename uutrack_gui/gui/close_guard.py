"""Closing the main window while a recording runs: ask, let the file finish, then close.

No nested event loop: the first close is ignored while the saver writes what is left (a
progress dialog counts the frames down, "Discard the rest" aborts after asking), and the
window closes itself once the recording has finished.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt5 import QtCore, QtGui, QtWidgets

from uutrack_gui.acquisition.controller import AcquisitionController
from uutrack_gui.acquisition.status import RecordingStatus, RunState


class CloseGuard:
    """Decides whether the main window may close now.

    Parameters
    ----------
    window : QMainWindow
        The window; closed again (``close()``) once the recording has finished.
    controller : AcquisitionController
        Whose recording must finish first.
    ask : callable
        ``ask(title, question) -> bool``, the window's yes/no question.
    """

    def __init__(
        self,
        window: QtWidgets.QMainWindow,
        controller: AcquisitionController,
        ask: Callable[[str, str], bool],
    ) -> None:
        self._window = window
        self._controller = controller
        self._ask = ask
        self.waiting = False
        self.dialog: QtWidgets.QProgressDialog | None = None

    def may_close(self, event: QtGui.QCloseEvent) -> bool:
        """Handle a close event: True if the window may close now (the event is accepted)."""
        controller = self._controller
        if controller.state == RunState.RECORDING:
            if not self._ask(
                "Recording in progress",
                "A recording is running. Stop it, finish the file and quit?",
            ):
                event.ignore()
                return False
            controller.stop_recording()
        if controller.state == RunState.FINISHING:
            self.waiting = True
            self._show_dialog()
            event.ignore()
            return False
        event.accept()
        return True

    def recording_finished(self) -> None:
        """After a recording ended: close the window if a close was waiting for it."""
        if self.waiting and not self._controller.state.writing:
            self.waiting = False
            self.close_dialog()
            QtCore.QTimer.singleShot(0, self._window.close)

    def show_progress(self, status: RecordingStatus | None) -> None:
        """Count the frames left down in the dialog (status tick)."""
        dialog = self.dialog
        if dialog is None or status is None:
            return
        total = max(dialog.maximum(), status.frames_pending, 1)
        dialog.setMaximum(total)
        dialog.setValue(total - status.frames_pending)
        dialog.setLabelText(
            f"Finishing the recording: {status.frames_pending} frames left to write to\n"
            f"{status.path}"
        )

    def _show_dialog(self) -> None:
        if self.dialog is not None:
            return
        dialog = QtWidgets.QProgressDialog(
            "Finishing the recording…", "Discard the rest", 0, 1, self._window
        )
        dialog.setObjectName("finishDialog")
        dialog.setWindowTitle("Closing")
        dialog.setWindowModality(QtCore.Qt.WindowModal)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(0)
        dialog.canceled.connect(self._discard)
        self.dialog = dialog
        self.show_progress(self._controller.status().recording)
        dialog.show()

    def _discard(self) -> None:
        if self._controller.state == RunState.FINISHING and self._ask(
            "Discard", "Discard the frames not written yet and quit now?"
        ):
            self._controller.abort_recording()

    def close_dialog(self) -> None:
        """Close the progress dialog, if shown."""
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.canceled.disconnect(self._discard)  # closing emits canceled
            dialog.close()
            dialog.deleteLater()
