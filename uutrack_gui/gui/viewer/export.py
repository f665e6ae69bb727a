"""The viewer's export UI: frame to 16-bit TIFF/PNG, frame range to HDF5 with progress.

The range export runs as a :class:`~uutrack_gui.browse.export.RangeExport` job on its own
thread; :class:`ExportRunner` only relays its progress and its end into Qt signals (queued to
the GUI thread) and shows them in the status bar's progress bar and cancel button, and the
message in the window.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PyQt5 import QtCore, QtGui, QtWidgets

from uutrack_gui.browse.export import (
    ExportJob,
    ExportReport,
    OmeTiffExport,
    RangeExport,
    export_frame_tiff,
    range_problem,
    suggested_frame_path,
    suggested_ome_path,
    suggested_range_path,
)
from uutrack_gui.browse.notice import Level, Notice
from uutrack_gui.storage.reader import Recording
from uutrack_gui.units import format_bytes

if TYPE_CHECKING:
    from uutrack_gui.gui.viewer.window import ViewerWindow

FRAME_FILTER = "16-bit TIFF (*.tif *.tiff);;16-bit PNG (*.png)"
HDF5_FILTER = "HDF5 recordings (*.h5 *.hdf5)"
OME_FILTER = "OME-TIFF (*.ome.tif *.ome.tiff)"


def save_png16(path: str | os.PathLike[str], frame: np.ndarray) -> None:
    """Write ``frame`` as a grayscale PNG, 16-bit for uint16 frames and 8-bit for uint8.

    Qt writes ``QImage.Format_Grayscale16`` as a 16-bit PNG, bit for bit.

    Raises
    ------
    ValueError
        If ``frame`` is not a 2-D uint8 or uint16 array.
    OSError
        If Qt cannot write the file.
    """
    frame = np.asarray(frame)
    if frame.ndim != 2 or frame.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"PNG export takes 2-D uint8 or uint16 frames, got {frame.dtype}")
    data = np.ascontiguousarray(frame)
    rows, cols = data.shape
    kind = (
        QtGui.QImage.Format_Grayscale16
        if data.dtype == np.uint16
        else QtGui.QImage.Format_Grayscale8
    )
    image = QtGui.QImage(data.data, cols, rows, data.strides[0], kind)
    # QImage does not own ``data``: save before it can go away.
    if not image.save(str(path), "PNG"):
        raise OSError(f"cannot write {path}")


def ask_frame_path(parent: QtWidgets.QWidget, suggested: Path) -> Path | None:
    """Ask where to save a frame; the suffix follows the chosen type if none was typed."""
    name, chosen = QtWidgets.QFileDialog.getSaveFileName(
        parent, "Export frame", str(suggested), FRAME_FILTER
    )
    if not name:
        return None
    path = Path(name)
    return path if path.suffix else path.with_suffix(".png" if "PNG" in chosen else ".tif")


def export_frame(
    parent: QtWidgets.QWidget,
    recording: Recording,
    frame: np.ndarray,
    index: int,
    path: str | os.PathLike[str] | None = None,
) -> Notice | None:
    """Save ``frame`` as a 16-bit TIFF or PNG (by the suffix; asks where if ``path`` is None).

    Returns
    -------
    Notice or None
        INFO once saved, ERROR if it could not be written; None if the operator cancelled.
    """
    if not path:
        path = ask_frame_path(parent, suggested_frame_path(recording.file_path, index))
        if path is None:
            return None
    path = Path(path)
    try:
        if path.suffix.lower() == ".png":
            save_png16(path, frame)
        else:
            export_frame_tiff(path, frame, recording, index)
    except (OSError, ValueError) as exc:
        return Notice(f"Frame not exported: {exc}", Level.ERROR)
    return Notice(f"Frame {index + 1} saved to {path}", Level.INFO)


def ask_range(
    parent: QtWidgets.QWidget,
    frames: int,
    current: int,
    frame_nbytes: int,
    suggested: Path,
    ome: bool = False,
) -> tuple[Path, int, int] | None:
    """Ask for a frame range and a file (HDF5, or OME-TIFF if ``ome``); None if the operator
    cancelled (or declined to add to, or replace, an existing file)."""
    dialog = ExportRangeDialog(frames, current, frame_nbytes, suggested, parent, ome)
    if dialog.exec_() != QtWidgets.QDialog.Accepted:
        return None
    path, start, stop = dialog.choice()
    if path.exists() and stop > start:
        question = "Replace it?" if ome else "Add the frames to it as a new recording?"
        answer = QtWidgets.QMessageBox.question(
            parent, dialog.windowTitle(), f"{path.name} exists. {question}"
        )
        if answer != QtWidgets.QMessageBox.Yes:
            return None
    return path, start, stop


class ExportRunner(QtCore.QObject):
    """The viewer's exports: the frame on screen, and one frame range at a time in the
    background with its progress bar and cancel button in the status bar."""

    _progress = QtCore.pyqtSignal(int, int)
    _done = QtCore.pyqtSignal(object)

    def __init__(self, window: ViewerWindow) -> None:
        super().__init__(window)
        self._window = window
        self._status = window.statusBar()
        self.job: ExportJob | None = None
        self.progress = QtWidgets.QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setVisible(False)
        self.cancel_button = QtWidgets.QPushButton("Cancel export")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel)
        self._status.addPermanentWidget(self.progress)
        self._status.addPermanentWidget(self.cancel_button)
        # Emitted from the export thread, delivered in the GUI thread (queued connections).
        self._progress.connect(self._show_progress)
        self._done.connect(self._end)

    @property
    def running(self) -> bool:
        """Whether a range export is in progress (its file handle is in use)."""
        return self.job is not None

    def export_frame(self, path: str | os.PathLike[str] | None = None) -> bool:
        """Save the frame on screen as a 16-bit TIFF or PNG (by the suffix; asks if no path)."""
        window = self._window
        frame = window.panel.frame
        if window.recording is None or frame is None:
            return False
        notice = export_frame(window, window.recording, frame, window.frame_index, path)
        if notice is not None and notice.level is Level.INFO:
            self._status.showMessage(notice.text, 5000)
        elif notice is not None:
            window.show_message(notice)
        return notice is not None and notice.level is Level.INFO

    def choose_range(self, ome: bool = False) -> None:
        """Ask for a frame range and a file, then export (to OME-TIFF if ``ome``)."""
        window = self._window
        if window.recording is None or not window.frame_count:
            return
        suggest = suggested_ome_path if ome else suggested_range_path
        choice = ask_range(
            window,
            window.frame_count,
            max(0, window.frame_index),
            window.recording.frame_nbytes,
            suggest(window.path),
            ome,
        )
        if choice is not None:
            (self.export_ome_tiff if ome else self.export_range)(*choice)

    def choose_ome_tiff(self) -> None:
        """Export > OME-TIFF…: ask for a frame range and a file, then write the OME-TIFF."""
        self.choose_range(ome=True)

    def export_range(self, path: str | os.PathLike[str], start: int, stop: int) -> bool:
        """Copy frames ``start`` to ``stop - 1`` of the open recording to a new recording in
        ``path``, in the background; False (and a message) if it cannot start."""
        return self._start(RangeExport, path, start, stop)

    def export_ome_tiff(self, path: str | os.PathLike[str], start: int, stop: int) -> bool:
        """Write frames ``start`` to ``stop - 1`` of the open recording as an OME-TIFF in
        ``path``, in the background; False (and a message) if it cannot start."""
        return self._start(OmeTiffExport, path, start, stop)

    def _start(
        self, job: type[ExportJob], path: str | os.PathLike[str], start: int, stop: int
    ) -> bool:
        window = self._window
        if window.recording is None:
            return False
        problem = range_problem(start, stop, window.frame_count)
        notice = Notice(problem, Level.ERROR) if problem else None
        if self.job is not None:
            notice = Notice("An export is already running.", Level.WARNING)
        if notice is not None:
            window.show_message(notice)
            return False
        self.progress.setRange(0, stop - start)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.job = job(window.recording, path, start, stop, self._progress.emit, self._done.emit)
        self.job.start()
        return True

    def cancel(self) -> None:
        """Stop the running export after the frame being copied."""
        if self.job is not None:
            self.job.cancel()

    def stop(self) -> None:
        """Cancel a running export and wait for it (before its source file closes)."""
        job, self.job = self.job, None
        if job is not None:
            job.cancel()
            job.wait()
            self._hide()

    def _show_progress(self, done: int, total: int) -> None:
        self.progress.setValue(done)
        self._status.showMessage(f"Exporting: {done:,} of {total:,} frames")

    def _end(self, report: ExportReport) -> None:
        if self.job is None:
            return  # stopped: the window has moved on
        self.job.wait()
        self.job = None
        self._hide()
        self._window.show_message(report.notice)
        self._window.export_finished.emit(report.notice.text)

    def _hide(self) -> None:
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)


class ExportRangeDialog(QtWidgets.QDialog):
    """Choose a frame range (numbered 1…N) and a file for an HDF5 or OME-TIFF export."""

    def __init__(
        self,
        frames: int,
        current: int,
        frame_nbytes: int,
        suggested: Path,
        parent: QtWidgets.QWidget | None = None,
        ome: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export frames to OME-TIFF" if ome else "Export frame range")
        self._filter = OME_FILTER if ome else HDF5_FILTER
        self._frame_nbytes = frame_nbytes
        self.first = QtWidgets.QSpinBox()
        self.last = QtWidgets.QSpinBox()
        # Frames numbered 1…N as the operator sees them; choice() gives 0-based indices.
        for box in (self.first, self.last):
            box.setRange(1, max(1, frames))
        self.first.setValue(1)
        self.last.setValue(max(1, frames))
        here_first = QtWidgets.QPushButton("Current frame")
        here_first.clicked.connect(lambda: self.first.setValue(current + 1))
        here_last = QtWidgets.QPushButton("Current frame")
        here_last.clicked.connect(lambda: self.last.setValue(current + 1))
        self.path = QtWidgets.QLineEdit(str(suggested))
        browse = QtWidgets.QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.size_label = QtWidgets.QLabel()
        for box in (self.first, self.last):
            box.valueChanged.connect(self._update_size)

        form = QtWidgets.QGridLayout()
        form.addWidget(QtWidgets.QLabel("First frame"), 0, 0)
        form.addWidget(self.first, 0, 1)
        form.addWidget(here_first, 0, 2)
        form.addWidget(QtWidgets.QLabel("Last frame"), 1, 0)
        form.addWidget(self.last, 1, 1)
        form.addWidget(here_last, 1, 2)
        form.addWidget(QtWidgets.QLabel("File"), 2, 0)
        form.addWidget(self.path, 2, 1)
        form.addWidget(browse, 2, 2)
        form.addWidget(self.size_label, 3, 1, 1, 2)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.Ok | QtWidgets.QDialogButtonBox.Cancel
        )
        buttons.button(QtWidgets.QDialogButtonBox.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self._update_size()

    def _update_size(self) -> None:
        n = self.last.value() - self.first.value() + 1
        if n < 1:
            self.size_label.setText("The last frame is before the first.")
            return
        self.size_label.setText(f"{n:,} frames, {format_bytes(n * self._frame_nbytes)}")

    def _browse(self) -> None:
        # No "replace?" question here: an existing file gets the frames as a new recording,
        # and the viewer asks about that.
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self,
            "Export to",
            self.path.text(),
            self._filter,
            options=QtWidgets.QFileDialog.DontConfirmOverwrite,
        )
        if path:
            self.path.setText(path)

    def choice(self) -> tuple[Path, int, int]:
        """(file, first index, stop index) 0-based with stop excluded, as exports take them."""
        return Path(self.path.text()), self.first.value() - 1, self.last.value()
