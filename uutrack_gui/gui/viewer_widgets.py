"""Pieces of the timelapse viewer window: message banner, timeline slider, recordings table,
details panel, export-range dialog and 16-bit PNG writing.

Kept apart from :mod:`uutrack_gui.gui.viewer` so that the window's module reads as the flow of
opening, seeking, playing and following; everything here is passive display.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PyQt5 import QtCore, QtGui, QtWidgets

from uutrack_gui.gui.icons import icon_or_blank
from uutrack_gui.storage.integrity import IntegrityReport


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


class TimelineSlider(QtWidgets.QSlider):
    """A horizontal frame slider that marks where frames were dropped (red ticks)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(QtCore.Qt.Horizontal, parent)
        self._marks: np.ndarray = np.empty(0, dtype=np.int64)
        self.setMinimumHeight(26)

    def set_marks(self, indices: Sequence[int] | np.ndarray) -> None:
        """Frame indices to mark (the first frame after each gap)."""
        self._marks = np.asarray(indices, dtype=np.int64)
        self.update()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802 - Qt API
        super().paintEvent(event)
        if not len(self._marks) or self.maximum() <= self.minimum():
            return
        option = QtWidgets.QStyleOptionSlider()
        self.initStyleOption(option)
        style = self.style()
        groove = style.subControlRect(
            QtWidgets.QStyle.CC_Slider, option, QtWidgets.QStyle.SC_SliderGroove, self
        )
        handle = style.subControlRect(
            QtWidgets.QStyle.CC_Slider, option, QtWidgets.QStyle.SC_SliderHandle, self
        )
        span = groove.width() - handle.width()
        left = groove.x() + handle.width() // 2
        painter = QtGui.QPainter(self)
        painter.setPen(QtGui.QPen(QtGui.QColor(210, 30, 30), 2))
        # At most one tick per pixel column: thousands of gaps must not slow painting down.
        columns = np.unique(
            [
                left
                + QtWidgets.QStyle.sliderPositionFromValue(
                    self.minimum(), self.maximum(), int(i), span
                )
                for i in self._marks[:: max(1, len(self._marks) // 2000)]
            ]
        )
        bottom = self.height() - 1
        for x in columns:
            painter.drawLine(int(x), bottom - 6, int(x), bottom)
        painter.end()


class RecordingsTable(QtWidgets.QTableWidget):
    """The recordings of a file: start time, frames, frame size, duration, status."""

    HEADERS = ("Start time", "Frames", "Frame size", "Duration", "Status")

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(0, len(self.HEADERS), parent)
        self.setObjectName("recordingsTable")
        self.setHorizontalHeaderLabels(self.HEADERS)
        self.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectRows)
        self.setSelectionMode(QtWidgets.QAbstractItemView.SingleSelection)
        self.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setStretchLastSection(True)
        self.setAlternatingRowColors(True)
        self.names: list[str] = []

    def set_rows(self, rows: list[tuple[str, tuple[str, ...], bool]]) -> None:
        """``rows``: (recording name, cell texts, openable) for each recording."""
        self.blockSignals(True)
        self.setRowCount(len(rows))
        self.names = [name for name, _, _ in rows]
        for r, (name, cells, openable) in enumerate(rows):
            for c, text in enumerate(cells):
                item = QtWidgets.QTableWidgetItem(text)
                item.setToolTip(name)
                if c in (1, 3):
                    item.setTextAlignment(QtCore.Qt.AlignRight | QtCore.Qt.AlignVCenter)
                if not openable:
                    item.setFlags(item.flags() & ~QtCore.Qt.ItemIsSelectable)
                    item.setForeground(QtGui.QBrush(QtGui.QColor("#9b1c12")))
                self.setItem(r, c, item)
        self.resizeColumnsToContents()
        self.blockSignals(False)

    def select_name(self, name: str) -> None:
        """Highlight the row of recording ``name`` without emitting selection signals."""
        if name in self.names:
            self.blockSignals(True)
            self.selectRow(self.names.index(name))
            self.blockSignals(False)


class DetailsPanel(QtWidgets.QTabWidget):
    """The open recording's integrity summary, attributes, and session (with "load these")."""

    load_clicked = QtCore.pyqtSignal()
    save_clicked = QtCore.pyqtSignal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailsPanel")
        self.summary = QtWidgets.QTextBrowser()
        self.summary.setObjectName("integritySummary")
        self.summary.setOpenLinks(False)
        self.addTab(self.summary, "Integrity")

        session_page = QtWidgets.QWidget()
        self.session_text = QtWidgets.QPlainTextEdit()
        self.session_text.setObjectName("sessionText")
        self.session_text.setReadOnly(True)
        self.session_text.setLineWrapMode(QtWidgets.QPlainTextEdit.NoWrap)
        font = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.FixedFont)
        self.session_text.setFont(font)
        self.load_button = QtWidgets.QPushButton(icon_or_blank("settings"), "Load these settings")
        self.load_button.setToolTip("Use this recording's camera and saving settings for live view")
        self.load_button.clicked.connect(self.load_clicked)
        self.save_button = QtWidgets.QPushButton(icon_or_blank("save"), "Save as YAML…")
        self.save_button.clicked.connect(self.save_clicked)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        layout = QtWidgets.QVBoxLayout(session_page)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.session_text, 1)
        layout.addLayout(buttons)
        self.addTab(session_page, "Session")

    def set_summary(
        self, report: IntegrityReport | None, facts: list[tuple[str, str]], error: str = ""
    ) -> None:
        """Show the integrity ``report`` and ``facts`` (label, value) about the recording."""
        parts = []
        if error:
            parts.append(f"<p style='color:#9b1c12'><b>{html.escape(error)}</b></p>")
        if report is not None:
            state, color = _verdict(report)
            parts.append(f"<p style='color:{color}'><b>{html.escape(state)}</b></p>")
            parts.append("<p style='margin-top:0'>")
            for line in report.lines():
                text = html.escape(line.strip())
                if line.startswith("  "):
                    text = "&nbsp;&nbsp;&nbsp;• " + text
                elif ":" in text:
                    head, _, rest = text.partition(":")
                    text = f"<b>{head}:</b>{rest}"
                if _is_bad(line):
                    text = f"<span style='color:#9b1c12'>{text}</span>"
                parts.append(text + "<br>")
            parts.append("</p>")
        if facts:
            rows = "".join(
                f"<tr><td style='color:#555; padding-right:8px'>{html.escape(k)}</td>"
                f"<td>{html.escape(v)}</td></tr>"
                for k, v in facts
            )
            parts.append(f"<table cellspacing='0' cellpadding='1'>{rows}</table>")
        self.summary.setHtml("".join(parts))

    def set_session(self, text: str, loadable: bool) -> None:
        """Show the stored session text; enable the buttons if it holds settings."""
        self.session_text.setPlainText(text if text.strip() else "(no session stored)")
        self.load_button.setEnabled(loadable)
        self.save_button.setEnabled(loadable)


def _verdict(report: IntegrityReport) -> tuple[str, str]:
    if report.in_progress:
        return "Recording in progress", "#1d6b33"
    if report.legacy:
        return "UUTrack file: no counters or timestamps to check", "#7a5600"
    if report.ok:
        return "Complete: no dropped frames, finished cleanly", "#1d6b33"
    return "Check this recording", "#9b1c12"


def _is_bad(line: str) -> bool:
    return (
        line.startswith("Finished cleanly: NO")
        or line.startswith("Counter errors")
        or (line.startswith("Dropped frames:") and "none" not in line and "unknown" not in line)
    )


class ExportRangeDialog(QtWidgets.QDialog):
    """Choose a frame range and a file for "Export frame range to HDF5"."""

    def __init__(
        self,
        frames: int,
        current: int,
        frame_nbytes: int,
        suggested: Path,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export frame range")
        self._frame_nbytes = frame_nbytes
        self.first = QtWidgets.QSpinBox()
        self.last = QtWidgets.QSpinBox()
        for box in (self.first, self.last):
            box.setRange(0, max(0, frames - 1))
        self.first.setValue(0)
        self.last.setValue(max(0, frames - 1))
        here_first = QtWidgets.QPushButton("Current frame")
        here_first.clicked.connect(lambda: self.first.setValue(current))
        here_last = QtWidgets.QPushButton("Current frame")
        here_last.clicked.connect(lambda: self.last.setValue(current))
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
        self.size_label.setText(f"{n:,} frames, {n * self._frame_nbytes / 1024**2:,.1f} MiB")

    def _browse(self) -> None:
        # No "replace?" question here: an existing file gets the frames as a new recording,
        # and the viewer asks about that.
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self,
            "Export to",
            self.path.text(),
            "HDF5 recordings (*.h5 *.hdf5)",
            options=QtWidgets.QFileDialog.DontConfirmOverwrite,
        )
        if path:
            self.path.setText(path)

    def choice(self) -> tuple[Path, int, int]:
        """(file, first frame, stop) with stop excluded, as :func:`export_range` takes them."""
        return Path(self.path.text()), self.first.value(), self.last.value() + 1
