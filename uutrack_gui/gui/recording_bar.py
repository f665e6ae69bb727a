"""The recording bar beside the image: the next recording's name and file, its length, its
time-lapse, the pre-record buffer's length, and the progress of a running recording.

A widget only: it reads back as a :class:`~uutrack_gui.acquisition.recording_plan.RecordingPlan` and
shows what the window gives it; the window does the recording.
"""

from __future__ import annotations

from pathlib import Path

from PyQt5 import QtCore, QtWidgets

from uutrack_gui.acquisition.buffers import BufferSize
from uutrack_gui.acquisition.recording_plan import Lapse, Length, Progress, RecordingPlan


class RecordingBar(QtWidgets.QWidget):
    """Name, next file, length, time-lapse, pre-record seconds and progress.

    Signals
    -------
    name_changed(str)
        The operator edited the recording name.
    prebuffer_seconds_changed(float)
        The pre-record length (seconds) changed.

    Attributes
    ----------
    name_edit : QLineEdit
    next_file : QLabel
        The file the next recording goes to (shown before Record is clicked).
    length_mode, lapse_mode : QComboBox
    length_value, lapse_value, prebuffer_seconds : QDoubleSpinBox
    progress_bar : QProgressBar
        Visible while a recording with a length limit runs.
    """

    name_changed = QtCore.pyqtSignal(str)
    prebuffer_seconds_changed = QtCore.pyqtSignal(float)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recordingBar")
        self.name_edit = QtWidgets.QLineEdit()
        self.name_edit.setObjectName("recordingName")
        self.name_edit.setToolTip("Recording name: the file is <name>_<NNN>.h5 in the day's folder")
        self.name_edit.setMaximumWidth(150)
        self.name_edit.textEdited.connect(self.name_changed)
        self.next_file = QtWidgets.QLabel()
        self.next_file.setObjectName("nextFile")
        self.next_file.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        self.next_file.setSizePolicy(QtWidgets.QSizePolicy.Ignored, QtWidgets.QSizePolicy.Preferred)
        self.progress_bar = QtWidgets.QProgressBar()
        self.progress_bar.setObjectName("recordingProgress")
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setMinimumWidth(200)
        self.progress_bar.setVisible(False)
        self.open_button = QtWidgets.QToolButton()
        self.folder_button = QtWidgets.QToolButton()
        for button in (self.open_button, self.folder_button):
            # Icons here (narrow enough for a 1024-pixel screen); the words are in the File menu.
            button.setToolButtonStyle(QtCore.Qt.ToolButtonIconOnly)
            button.setAutoRaise(True)

        self.length_mode = _combo(Length)
        self.length_value = _spin(1, 1e7, 0, 100)
        self.lapse_mode = _combo(Lapse)
        self.lapse_value = _spin(1, 1e6, 3, 1)
        self.prebuffer_seconds = _spin(0.1, 3600, 1, 5, " s")
        self.prebuffer_seconds.setToolTip(
            "How many seconds the pre-record buffer (Ctrl+B) keeps, within half the memory buffer"
        )
        self.prebuffer_seconds.valueChanged.connect(self.prebuffer_seconds_changed)
        self.prebuffer_size = QtWidgets.QLabel()
        self.prebuffer_size.setObjectName("prebufferSize")
        self.length_mode.currentIndexChanged.connect(self._modes_changed)
        self.lapse_mode.currentIndexChanged.connect(self._modes_changed)

        first = QtWidgets.QHBoxLayout()
        first.addWidget(QtWidgets.QLabel("Name:"))
        first.addWidget(self.name_edit)
        first.addWidget(QtWidgets.QLabel("→"))
        first.addWidget(self.next_file, 1)
        first.addWidget(self.progress_bar)
        first.addWidget(self.open_button)
        first.addWidget(self.folder_button)
        first.addSpacing(8)
        first.addWidget(QtWidgets.QLabel("Pre-record:"))
        first.addWidget(self.prebuffer_seconds)
        first.addWidget(self.prebuffer_size)
        second = QtWidgets.QHBoxLayout()
        for caption, widgets in (
            ("Stop after:", (self.length_mode, self.length_value)),
            ("Take:", (self.lapse_mode, self.lapse_value)),
        ):
            second.addWidget(QtWidgets.QLabel(caption))
            for widget in widgets:
                second.addWidget(widget)
            second.addSpacing(8)
        second.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(first)
        layout.addLayout(second)
        self._modes_changed()

    # --- what the operator set ------------------------------------------------------------
    def plan(self) -> RecordingPlan:
        """The next recording as set here."""
        return RecordingPlan(
            name=self.name_edit.text().strip(),
            length=self.length_mode.currentData(),
            length_value=self.length_value.value(),
            lapse=self.lapse_mode.currentData(),
            lapse_value=self.lapse_value.value(),
        )

    def set_plan(self, plan: RecordingPlan) -> None:
        """Show ``plan`` (tests and restored sessions)."""
        self.name_edit.setText(plan.name)
        self.length_mode.setCurrentIndex(self.length_mode.findData(plan.length))
        self.lapse_mode.setCurrentIndex(self.lapse_mode.findData(plan.lapse))
        self.length_value.setValue(plan.length_value)
        self.lapse_value.setValue(plan.lapse_value)

    def set_name(self, name: str) -> None:
        """Show ``name`` unless the operator is typing one."""
        if not self.name_edit.hasFocus():
            self.name_edit.setText(name)

    def _modes_changed(self) -> None:
        length = self.length_mode.currentData()
        self.length_value.setVisible(length is not Length.UNTIL_STOP)
        self.length_value.setDecimals(0 if length is Length.FRAMES else 2)
        self.length_value.setMinimum(1 if length is Length.FRAMES else 0.01)
        self.length_value.setSuffix(" frames" if length is Length.FRAMES else " s")
        lapse = self.lapse_mode.currentData()
        self.lapse_value.setVisible(lapse is not Lapse.EVERY_FRAME)
        self.lapse_value.setDecimals(3 if lapse is Lapse.INTERVAL else 0)
        self.lapse_value.setMinimum(0.001 if lapse is Lapse.INTERVAL else 1)
        self.lapse_value.setPrefix("k = ")
        self.lapse_value.setSuffix(" s" if lapse is Lapse.INTERVAL else "")

    # --- what the window shows -------------------------------------------------------------
    def set_actions(self, open_file: QtWidgets.QAction, show_folder: QtWidgets.QAction) -> None:
        """The "Open in viewer" and "Show folder" actions for the last recording."""
        self.open_button.setDefaultAction(open_file)
        self.folder_button.setDefaultAction(show_folder)

    def show_next_file(self, path: Path, data_dir: Path) -> None:
        """The file the next recording goes to, relative to the data folder when inside it."""
        try:
            shown = str(path.relative_to(data_dir))
        except ValueError:
            shown = str(path)
        self.next_file.setText(shown)
        self.next_file.setToolTip(str(path))

    def show_prebuffer_size(self, size: BufferSize | None) -> None:
        """What a full pre-record buffer holds, in seconds and MB ("= 5.0 s, 240 MB"), or that
        the seconds asked do not fit in its memory ("5.0 s asked, 2.1 s fit in 500 MB")."""
        self.prebuffer_size.setText("" if size is None else size.text)

    def set_recording(self, recording: bool) -> None:
        """Lock what a running recording was started with."""
        for widget in (
            self.name_edit, self.length_mode, self.length_value, self.lapse_mode, self.lapse_value,
        ):  # fmt: skip
            widget.setEnabled(not recording)
        if not recording:
            self.show_progress(None)

    def show_progress(self, progress: Progress | None) -> None:
        """A limited recording's progress (None hides the bar)."""
        self.progress_bar.setVisible(progress is not None)
        # The progress takes the next file's place while it runs (the status names the file).
        self.next_file.setVisible(progress is None)
        if progress is not None:
            self.progress_bar.setValue(int(round(progress.fraction * 1000)))
            self.progress_bar.setFormat(progress.text)


def _combo(options: type[Length] | type[Lapse]) -> QtWidgets.QComboBox:
    combo = QtWidgets.QComboBox()
    for option in options:
        combo.addItem(option.value, option)
    return combo


def _spin(
    low: float, high: float, decimals: int, value: float, suffix: str = ""
) -> QtWidgets.QDoubleSpinBox:
    box = QtWidgets.QDoubleSpinBox()
    box.setRange(low, high)
    box.setDecimals(decimals)
    box.setValue(value)
    box.setSuffix(suffix)
    box.setKeyboardTracking(False)
    box.setMaximumWidth(105)  # the bar fits a 1024-pixel screen beside the status dock
    return box
