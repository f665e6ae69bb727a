"""The viewer's side panel: the recordings of the file, and the open recording's details.

Passive display of :mod:`uutrack_gui.browse.model`: the table shows its rows, the details
panel its integrity verdict, report lines and facts, and the stored session.
"""

from __future__ import annotations

import html

from PyQt5 import QtCore, QtGui, QtWidgets

from uutrack_gui.browse.model import (
    COLUMNS,
    FileListing,
    RecordingDetails,
    RecordingRow,
    Tone,
    is_bad_line,
    verdict,
)
from uutrack_gui.gui.icons import icon_or_blank
from uutrack_gui.storage.integrity import IntegrityReport

#: Text colour of each verdict tone.
_TONE_COLORS = {Tone.GOOD: "#1d6b33", Tone.CAUTION: "#7a5600", Tone.BAD: "#9b1c12"}


class RecordingsTable(QtWidgets.QTableWidget):
    """The recordings of a file: start time, frames, frame size, duration, status."""

    HEADERS = COLUMNS

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

    def set_rows(self, rows: tuple[RecordingRow, ...]) -> None:
        """One line per recording; those that cannot be opened are red and not selectable."""
        self.blockSignals(True)
        self.setRowCount(len(rows))
        self.names = [row.name for row in rows]
        for r, row in enumerate(rows):
            for c, text in enumerate(row.cells):
                item = QtWidgets.QTableWidgetItem(text)
                item.setToolTip(row.name)
                if c in (1, 3):
                    item.setTextAlignment(QtCore.Qt.AlignRight | QtCore.Qt.AlignVCenter)
                if not row.openable:
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
        self,
        report: IntegrityReport | None,
        facts: tuple[tuple[str, str], ...] | list[tuple[str, str]],
        error: str = "",
    ) -> None:
        """Show the integrity ``report`` and ``facts`` (label, value) about the recording."""
        parts = []
        if error:
            parts.append(f"<p style='color:#9b1c12'><b>{html.escape(error)}</b></p>")
        if report is not None:
            state, tone = verdict(report)
            color = _TONE_COLORS[tone]
            parts.append(f"<p style='color:{color}'><b>{html.escape(state)}</b></p>")
            parts.append("<p style='margin-top:0'>")
            for line in report.lines():
                text = html.escape(line.strip())
                if line.startswith("  "):
                    text = "&nbsp;&nbsp;&nbsp;• " + text
                elif ":" in text:
                    head, _, rest = text.partition(":")
                    text = f"<b>{head}:</b>{rest}"
                if is_bad_line(line):
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


class RecordingDock(QtWidgets.QDockWidget):
    """The side panel: the file's recordings (when there are several) above the details.

    Signals
    -------
    chosen(str)
        The operator picked a recording in the table (its name).
    """

    chosen = QtCore.pyqtSignal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Recording", parent)
        self.setObjectName("recordingDock")
        self.recordings = RecordingsTable()
        self.recordings.itemSelectionChanged.connect(self._on_selection)
        self.recordings_box = QtWidgets.QGroupBox("Recordings in this file")
        box_layout = QtWidgets.QVBoxLayout(self.recordings_box)
        box_layout.setContentsMargins(4, 4, 4, 4)
        box_layout.addWidget(self.recordings)
        self.recordings_box.setVisible(False)
        self.details = DetailsPanel()
        side = QtWidgets.QSplitter(QtCore.Qt.Vertical)
        side.addWidget(self.recordings_box)
        side.addWidget(self.details)
        side.setStretchFactor(1, 1)
        self.setWidget(side)
        self.setFeatures(
            QtWidgets.QDockWidget.DockWidgetMovable | QtWidgets.QDockWidget.DockWidgetClosable
        )

    def view_action(self) -> QtWidgets.QAction:
        """The show / hide action of the panel (View menu and toolbar)."""
        action = self.toggleViewAction()
        action.setIcon(icon_or_blank("info"))
        action.setText("&Details panel")
        action.setToolTip("Integrity summary and session (show / hide)")
        return action

    def show_listing(self, listing: FileListing, selected: str = "") -> None:
        """The recordings of the open file; the table shows only if there are several."""
        self.recordings.set_rows(listing.rows)
        self.recordings.select_name(selected)
        self.recordings_box.setVisible(len(listing.rows) > 1)
        self.recordings_box.setTitle(f"Recordings in this file ({len(listing.rows)})")

    def show_details(self, info: RecordingDetails) -> None:
        """Integrity summary, facts and session of the recording on screen."""
        self.details.set_summary(info.report, info.facts, info.error)
        self.details.set_session(info.session_text, info.loadable)

    def _on_selection(self) -> None:
        rows = self.recordings.selectionModel().selectedRows()
        if rows:
            self.chosen.emit(self.recordings.names[rows[0].row()])
